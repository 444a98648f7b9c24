"""Area overviews: counts for an area with everything below it, and the challenges there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from participatie.views.queries.common import area_counts, median_days, of_kind, overdue_count
from participatie.views.store import ViewTables
from participatie.views.tallies import (
    CHALLENGE_OPEN,
    DECIDED,
    OPEN,
    STATUS,
    SUPPORTERS,
    THEME,
    TOTAL,
)


@dataclass(frozen=True)
class ChallengeInArea:
    code: str
    name: str
    team: str
    open_work: int


@dataclass(frozen=True)
class AreaOverview:
    area_code: str
    total: int
    open: int
    overdue: int
    by_status: dict[str, int]
    by_theme: dict[str, int]
    median_days_to_decision: float | None
    supporters: int
    sub_areas: dict[str, int]  # child area → open initiatives (roll-up)
    challenges: list[ChallengeInArea] = field(default_factory=list)


@dataclass(frozen=True)
class ChallengeInfo:
    """What the overview needs to know of a challenge (from the organisation)."""

    code: str
    name: str
    team: str
    focus_areas: tuple[str, ...]


def area_overview(
    views: ViewTables,
    area: str,
    *,
    children: list[str] | None = None,
    challenges: list[ChallengeInfo] | None = None,
    area_chains: dict[str, tuple[str, ...]] | None = None,
    now: datetime | None = None,
) -> AreaOverview:
    """Counts for an area with everything below it (roll-up), and the challenges landing there.

    `children` are the area's direct sub-areas; `challenges` with `area_chains` (focus area →
    its chain) decide which challenges land in the area.
    """
    moment = now or datetime.now(tz=UTC)
    sub_areas = list(children or [])
    found = area_counts(views, [area, *sub_areas])
    counts = found[area]
    open_work = of_kind(counts, CHALLENGE_OPEN)
    landing: list[ChallengeInArea] = []
    chains = area_chains or {}
    for challenge in challenges or []:
        if any(area in chains.get(focus, (focus,)) for focus in challenge.focus_areas):
            work = open_work.get(challenge.code, 0)
            landing.append(ChallengeInArea(challenge.code, challenge.name, challenge.team, work))
    landing.sort(key=lambda c: (-c.open_work, c.code))  # where challenges stack up, first
    median = median_days(views, area, count=sum(of_kind(counts, DECIDED).values()))
    return AreaOverview(
        area_code=area,
        total=counts.get((TOTAL, ""), 0),
        open=counts.get((OPEN, ""), 0),
        overdue=overdue_count(views, area, moment),
        by_status=of_kind(counts, STATUS),
        by_theme=of_kind(counts, THEME),
        median_days_to_decision=round(median, 1) if median is not None else None,
        supporters=counts.get((SUPPORTERS, ""), 0),
        sub_areas={child: found[child].get((OPEN, ""), 0) for child in sub_areas},
        challenges=landing,
    )


def overview_of_area(app: Any, views: ViewTables, code: str) -> AreaOverview:
    """The area overview with sub-areas and challenges taken from the current map and directory."""
    index = app.area_index()
    challenges = [
        ChallengeInfo(ch.code, ch.name, ch.team, tuple(ch.focus_areas)) for ch in app.challenges()
    ]
    chains = {f: tuple(index.ancestors(f)) for ch in challenges for f in ch.focus_areas}
    return area_overview(
        views, code, children=index.children(code), challenges=challenges, area_chains=chains
    )
