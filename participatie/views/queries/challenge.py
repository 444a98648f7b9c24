"""Challenge overviews: one challenge's work across all areas."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import median

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.common import days_between
from participatie.views.store import LIVE, ViewTables


@dataclass(frozen=True)
class ChallengeOverview:
    code: str
    total: int
    open: int
    by_status: dict[str, int]
    by_area: dict[str, int]  # area (at `level_of` granularity) → open initiatives
    median_days_to_decision: float | None


def challenge_overview(
    views: ViewTables, code: str, *, areas_of_interest: list[str] | None = None
) -> ChallengeOverview:
    """One challenge across all areas: its work by status and by area."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT status, area_chain, submitted_at, decided_at FROM"
                f" {views.table(LIVE, 'initiatives')} WHERE challenge = ?"
            ),
            [code],
        )
        rows = [tuple(r) for r in c.fetchall()]
    open_rows = [r for r in rows if r[0] in OPEN_STATUSES]
    by_area: Counter[str] = Counter()
    wanted = set(areas_of_interest or [])
    for r in open_rows:
        for area in (r[1] or "").split(","):
            if not wanted or area in wanted:
                by_area[area] += 1
    days = [d for r in rows if (d := days_between(r[2], r[3])) is not None]
    return ChallengeOverview(
        code=code,
        total=len(rows),
        open=len(open_rows),
        by_status=dict(sorted(Counter(r[0] for r in rows).items())),
        by_area=dict(sorted(by_area.items())),
        median_days_to_decision=round(median(days), 1) if days else None,
    )
