"""Planning & control (P&C) figures per quarter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from participatie.views.queries.common import area_counts, median_days, of_kind, overdue_count
from participatie.views.store import LIVE, ViewTables, unstamp
from participatie.views.tallies import DECIDED, SUBMITTED, quarter


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
    moment = now or datetime.now(tz=UTC)
    counts = area_counts(views, [area])[area]
    submitted = of_kind(counts, SUBMITTED)
    decided: dict[str, dict[str, int]] = {}
    for key, n in of_kind(counts, DECIDED).items():
        when, outcome = key.split("/", 1)
        decided.setdefault(when, {})[outcome] = n
    overdue = {q: overdue_count(views, area, moment, quarter=q) for q in submitted}
    on_agenda = _linked_per_quarter(views, area, sorted({str(i) for i in linked}))
    quarters = sorted(set(submitted) | set(decided))
    medians = {q: median_days(views, area, q, count=sum(decided[q].values())) for q in decided}
    return [
        QuarterFigures(
            quarter=q,
            submitted=submitted.get(q, 0),
            decided=dict(sorted(decided.get(q, {}).items())),
            median_days_to_decision=round(m, 1) if (m := medians.get(q)) is not None else None,
            overdue=overdue.get(q, 0),
            linked=on_agenda[q],
        )
        for q in quarters
    ]


def _linked_per_quarter(views: ViewTables, area: str, ids: list[str]) -> Counter[str]:
    """Of the initiatives `ids`, how many in `area` were submitted in each quarter."""
    found: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        with views.cursor(commit=False) as c:
            c.execute(
                views.sql(
                    f"SELECT i.submitted_at FROM {views.table(LIVE, 'initiatives')} i"
                    f" JOIN {views.table(LIVE, 'initiative_areas')} a ON a.initiative_id = i.id"
                    f" WHERE a.area_code = ? AND i.id IN ({marks})"
                ),
                [area, *chunk],
            )
            for (submitted,) in (tuple(r) for r in c.fetchall()):
                moment = unstamp(submitted)
                assert moment is not None
                found[quarter(moment)] += 1
    return found
