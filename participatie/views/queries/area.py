"""Area overviews: counts for an area with everything below it, and the challenges there."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from typing import Any

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.common import days_between, rows_in_area
from participatie.views.store import ViewTables, stamp


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
    moment = stamp(now or datetime.now(tz=UTC))
    rows = rows_in_area(
        views,
        area,
        "i.status, i.themes, i.submitted_at, i.decided_at, i.supporters,"
        " i.deadline, i.challenge, i.area_chain",
    )
    by_status = Counter(r[0] for r in rows)
    by_theme = Counter(t for r in rows for t in (r[1] or "").split(",") if t)
    open_rows = [r for r in rows if r[0] in OPEN_STATUSES]
    days = [d for r in rows if (d := days_between(r[2], r[3])) is not None]
    sub_areas = {child: 0 for child in children or []}
    for r in open_rows:
        for code in (r[7] or "").split(","):
            if code in sub_areas:
                sub_areas[code] += 1
    landing: list[ChallengeInArea] = []
    chains = area_chains or {}
    for challenge in challenges or []:
        if any(area in chains.get(focus, (focus,)) for focus in challenge.focus_areas):
            work = sum(1 for r in open_rows if r[6] == challenge.code)
            landing.append(ChallengeInArea(challenge.code, challenge.name, challenge.team, work))
    landing.sort(key=lambda c: (-c.open_work, c.code))  # where challenges stack up, first
    return AreaOverview(
        area_code=area,
        total=len(rows),
        open=len(open_rows),
        overdue=sum(1 for r in open_rows if r[5] is not None and r[5] < moment),
        by_status=dict(sorted(by_status.items())),
        by_theme=dict(sorted(by_theme.items())),
        median_days_to_decision=round(median(days), 1) if days else None,
        supporters=sum(int(r[4]) for r in rows),
        sub_areas=sub_areas,
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
