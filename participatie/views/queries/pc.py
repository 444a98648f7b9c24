"""Planning & control (P&C) figures per quarter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.common import rows_in_area
from participatie.views.store import ViewTables, stamp, unstamp


def quarter(moment: datetime) -> str:
    return f"{moment.year}-K{(moment.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class QuarterFigures:
    quarter: str
    submitted: int
    decided: dict[str, int]  # outcome → count, by the quarter of the decision
    median_days_to_decision: float | None
    overdue: int  # submitted in the quarter, still open and past the deadline now
    linked: int = 0  # submitted in the quarter and linked to a priority of an area agenda

    @property
    def decided_total(self) -> int:
        return sum(self.decided.values())


def pc_figures(
    views: ViewTables,
    area: str,
    now: datetime | None = None,
    linked: Collection[str] = (),
) -> list[QuarterFigures]:
    """Planning & control figures for an area (with sub-areas), per quarter, oldest first.

    `linked`: ids of the initiatives linked to a priority of an area agenda, counted per
    quarter of submission."""
    moment = stamp(now or datetime.now(tz=UTC))
    wanted = {str(i) for i in linked}
    rows = rows_in_area(
        views, area, "i.status, i.submitted_at, i.decided_at, i.outcome, i.deadline, i.id"
    )
    submitted: Counter[str] = Counter()
    decided: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {}
    overdue: Counter[str] = Counter()
    on_agenda: Counter[str] = Counter()
    for status, sub, dec, outcome, deadline, initiative_id in rows:
        sub_at = unstamp(sub)
        assert sub_at is not None
        q = quarter(sub_at)
        submitted[q] += 1
        if str(initiative_id) in wanted:
            on_agenda[q] += 1
        if status in OPEN_STATUSES and deadline is not None and deadline < moment:
            overdue[q] += 1
        dec_at = unstamp(dec)
        if dec_at is not None and outcome:
            dq = quarter(dec_at)
            decided.setdefault(dq, Counter())[outcome] += 1
            durations.setdefault(dq, []).append((dec_at - sub_at).total_seconds() / 86400)
    quarters = sorted(set(submitted) | set(decided))
    return [
        QuarterFigures(
            quarter=q,
            submitted=submitted[q],
            decided=dict(sorted(decided.get(q, Counter()).items())),
            median_days_to_decision=round(median(durations[q]), 1) if q in durations else None,
            overdue=overdue[q],
            linked=on_agenda[q],
        )
        for q in quarters
    ]
