"""Challenge overviews: one challenge's work across all areas."""

from __future__ import annotations

from dataclasses import dataclass

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.common import area_counts, median_days, of_kind
from participatie.views.store import LIVE, ViewTables
from participatie.views.tallies import CHALLENGE_OPEN, CHALLENGE_STATUS, EVERYWHERE


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
    """One challenge across all areas: its work by status and by area (every area with open
    work of the challenge, or only `areas_of_interest`), read from the area tallies."""
    by_status = {
        key.split("/", 1)[1]: n
        for key, n in of_kind(
            area_counts(views, [EVERYWHERE])[EVERYWHERE], CHALLENGE_STATUS
        ).items()
        if key.split("/", 1)[0] == code
    }
    if areas_of_interest is not None:
        found = area_counts(views, areas_of_interest, CHALLENGE_OPEN)
        by_area = {
            a: n for a, counts in found.items() if (n := counts.get((CHALLENGE_OPEN, code), 0))
        }
    else:
        with views.cursor(commit=False) as c:
            c.execute(
                views.sql(
                    f"SELECT area_code, n FROM {views.table(LIVE, 'area_counts')}"
                    " WHERE kind = ? AND key = ? AND n <> 0"
                ),
                [CHALLENGE_OPEN, code],
            )
            by_area = {str(a): int(n) for a, n in c.fetchall()}
    median = median_days(views, EVERYWHERE, challenge=code)
    return ChallengeOverview(
        code=code,
        total=sum(by_status.values()),
        open=sum(n for status, n in by_status.items() if status in OPEN_STATUSES),
        by_status=dict(sorted(by_status.items())),
        by_area=dict(sorted(by_area.items())),
        median_days_to_decision=round(median, 1) if median is not None else None,
    )
