"""Where challenges stack up: per area, the challenges landing there with their open work, and
the municipality-wide matrix of areas × challenges.

Which challenges land in an area and the order regie decided come from the organisation and the
agenda (passed in); the counts come from the view tables. An initiative counts for a challenge
when its routing chose that challenge's rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from participatie.views.queries.common import area_counts, days_between, overdue_count, scalar
from participatie.views.store import LIVE, ViewTables, stamp
from participatie.views.tallies import CHALLENGE, CHALLENGE_OPEN

# Load bands of a matrix cell (open initiatives): what a colour and its text say.
BANDS: tuple[tuple[int, str], ...] = ((0, "none"), (1, "low"), (3, "medium"), (6, "high"))


def band(open_work: int) -> str:
    """The band of a cell: none (0), low (1–2), medium (3–5), high (6 or more)."""
    found = BANDS[0][1]
    for low, name in BANDS:
        if open_work >= low:
            found = name
    return found


@dataclass(frozen=True)
class StackedChallenge:
    code: str
    name: str
    team: str
    rank: int | None  # in the order regie decided for the area; None: not ranked
    open: int
    overdue: int
    oldest_days: float | None  # age of the oldest open initiative
    total: int  # every initiative of the area routed for this challenge

    @property
    def band(self) -> str:
        return band(self.open)


def stacked_challenges(
    views: ViewTables,
    area: str,
    landing: Sequence[tuple[str, str, str]],
    order: Sequence[str] = (),
    now: datetime | None = None,
) -> list[StackedChallenge]:
    """The challenges landing in `area` (`landing`: code, name, owning team), ranked ones first
    in regie's order, then the most open work first."""
    moment = now or datetime.now(tz=UTC)
    now_stamp = stamp(moment)
    assert now_stamp is not None
    counts = area_counts(views, [area])[area]
    found = []
    for code, name, team in landing:
        oldest = scalar(
            views,
            f"SELECT MIN(submitted_at) FROM {views.table(LIVE, 'area_open')}"
            " WHERE area_code = ? AND challenge = ?",
            [area, code],
        )
        age = days_between(oldest, now_stamp)
        found.append(
            StackedChallenge(
                code=code,
                name=name,
                team=team,
                rank=order.index(code) + 1 if code in order else None,
                open=counts.get((CHALLENGE_OPEN, code), 0),
                overdue=overdue_count(views, area, moment, challenge=code),
                oldest_days=round(age, 1) if age is not None else None,
                total=counts.get((CHALLENGE, code), 0),
            )
        )
    found.sort(key=lambda c: (c.rank is None, c.rank or 0, -c.open, c.code))
    return found


@dataclass(frozen=True)
class MatrixCell:
    lands: bool  # the challenge lands in the area (a focus area is there)
    open: int

    @property
    def band(self) -> str:
        return band(self.open)


@dataclass(frozen=True)
class StackingMatrix:
    areas: list[tuple[str, str]]  # code, name
    challenges: list[tuple[str, str]]  # code, name
    cells: dict[tuple[str, str], MatrixCell]  # (area, challenge) → cell

    def stacked(self, area: str) -> int:
        """How many challenges land in `area`."""
        return sum(1 for (a, _), cell in self.cells.items() if a == area and cell.lands)


def stacking_matrix(
    views: ViewTables,
    areas: Sequence[tuple[str, str]],
    challenges: Sequence[tuple[str, str]],
    landing: Mapping[str, Sequence[str]],
) -> StackingMatrix:
    """Areas × challenges: where each lands (`landing`: area → challenge codes) and its open
    work there."""
    found = area_counts(views, [code for code, _ in areas], CHALLENGE_OPEN)
    cells = {}
    for area, _ in areas:
        for code, _ in challenges:
            work = found[area].get((CHALLENGE_OPEN, code), 0)
            cells[(area, code)] = MatrixCell(code in landing.get(area, ()), work)
    return StackingMatrix(list(areas), list(challenges), cells)
