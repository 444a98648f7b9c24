"""Planning & control (P&C) figures per quarter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from participatie.views.queries.common import area_counts, median_days, of_kind, overdue_count
from participatie.views.store import LIVE, ViewTables, unstamp
from participatie.views.tallies import DECIDED, RATED, SUBMITTED, quarter

SATISFIED = (4, 5)  # the scores that count as satisfied (as a "tevreden" share is reported)


@dataclass(frozen=True)
class QuarterFigures:
    quarter: str
    submitted: int
    decided: dict[str, int]  # outcome → count, by the quarter of the decision
    median_days_to_decision: float | None
    overdue: int  # submitted in the quarter, still open and past the deadline now
    linked: int = 0  # submitted in the quarter and linked to a priority of an area agenda
    # The initiators' ratings given in the quarter: lead team → score (1-5) → count.
    rated: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def decided_total(self) -> int:
        return sum(self.decided.values())

    @property
    def rated_total(self) -> int:
        return sum(sum(scores.values()) for scores in self.rated.values())

    @property
    def average_rating(self) -> float | None:
        """The mean score, to one decimal (None: no rating in the quarter)."""
        return _average([s for scores in self.rated.values() for s in _spread(scores)])

    @property
    def satisfied_percent(self) -> int | None:
        """The share of ratings of 4 or 5, in whole percents (None: no rating)."""
        scores = [s for team in self.rated.values() for s in _spread(team)]
        if not scores:
            return None
        return round(100 * sum(1 for s in scores if s in SATISFIED) / len(scores))

    def team_ratings(self) -> list[tuple[str, int, float | None]]:
        """Per lead team: how many ratings and their mean, by team code."""
        return [
            (team, sum(scores.values()), _average(list(_spread(scores))))
            for team, scores in sorted(self.rated.items())
        ]


def _spread(scores: dict[int, int]) -> list[int]:
    return [score for score, n in sorted(scores.items()) for _ in range(n)]


def _average(scores: list[int]) -> float | None:
    return round(sum(scores) / len(scores), 1) if scores else None


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
    rated: dict[str, dict[str, dict[int, int]]] = {}
    for key, n in of_kind(counts, RATED).items():
        when, team, score = key.split("/", 2)
        rated.setdefault(when, {}).setdefault(team, {})[int(score)] = n
    quarters = sorted(set(submitted) | set(decided) | set(rated))
    medians = {q: median_days(views, area, q, count=sum(decided[q].values())) for q in decided}
    return [
        QuarterFigures(
            quarter=q,
            submitted=submitted.get(q, 0),
            decided=dict(sorted(decided.get(q, {}).items())),
            median_days_to_decision=round(m, 1) if (m := medians.get(q)) is not None else None,
            overdue=overdue.get(q, 0),
            linked=on_agenda[q],
            rated=rated.get(q, {}),
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
