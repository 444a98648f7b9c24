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

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.common import days_between, rows_in_area
from participatie.views.store import ViewTables, stamp

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
    rows = rows_in_area(views, area, "i.status, i.challenge, i.submitted_at, i.deadline")
    found = []
    for code, name, team in landing:
        mine = [r for r in rows if r[1] == code]
        open_rows = [r for r in mine if r[0] in OPEN_STATUSES]
        ages = [d for r in open_rows if (d := days_between(r[2], now_stamp)) is not None]
        found.append(
            StackedChallenge(
                code=code,
                name=name,
                team=team,
                rank=order.index(code) + 1 if code in order else None,
                open=len(open_rows),
                overdue=sum(1 for r in open_rows if r[3] is not None and r[3] < now_stamp),
                oldest_days=round(max(ages), 1) if ages else None,
                total=len(mine),
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
    cells = {}
    for area, _ in areas:
        rows = rows_in_area(views, area, "i.status, i.challenge")
        for code, _ in challenges:
            work = sum(1 for r in rows if r[1] == code and r[0] in OPEN_STATUSES)
            cells[(area, code)] = MatrixCell(code in landing.get(area, ()), work)
    return StackingMatrix(list(areas), list(challenges), cells)
