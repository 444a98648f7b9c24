"""Helpers the query families share: the area tallies (counts, open work, decision medians),
and durations between stamps.

The area figures are read from the tallies the projector keeps (views.tallies), never by reading
every initiative of an area: an area page costs the same at 1,000 and 100,000 initiatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from participatie.views.store import LIVE, ViewTables, stamp, unstamp

Counts = dict[tuple[str, str], int]  # (kind, key) → n


def area_counts(
    views: ViewTables, areas: Sequence[str], kind: str | None = None
) -> dict[str, Counts]:
    """The counts of each area in `areas` (all kinds, or only `kind`); absent ones are 0."""
    found: dict[str, Counts] = {area: {} for area in areas}
    if not areas:
        return found
    marks = ", ".join("?" for _ in areas)
    condition, params = (" AND kind = ?", [kind]) if kind is not None else ("", [])
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT area_code, kind, key, n FROM {views.table(LIVE, 'area_counts')}"
                f" WHERE area_code IN ({marks}){condition} AND n <> 0"
            ),
            [*areas, *params],
        )
        for area, kind_of, key, n in (tuple(r) for r in c.fetchall()):
            found[str(area)][(str(kind_of), str(key))] = int(n)
    return found


def of_kind(counts: Counts, kind: str) -> dict[str, int]:
    """The counts of one kind: key → n, in key order."""
    return dict(sorted((key, n) for (k, key), n in counts.items() if k == kind))


def scalar(views: ViewTables, statement: str, params: Sequence[Any]) -> Any:
    """The first column of the first row of `statement` (None without a row)."""
    with views.cursor(commit=False) as c:
        c.execute(views.sql(statement), list(params))
        found = c.fetchone()
    return None if found is None else found[0]


def overdue_count(
    views: ViewTables,
    area: str,
    now: datetime,
    challenge: str | None = None,
    quarter: str | None = None,
) -> int:
    """Open initiatives in `area` past their deadline at `now`; of one challenge, or submitted
    in one quarter, only when given (each read from its own index)."""
    condition, params = "", []
    if challenge is not None:
        condition, params = " AND challenge = ?", [challenge]
    elif quarter is not None:
        condition, params = " AND quarter = ?", [quarter]
    return int(
        scalar(
            views,
            f"SELECT COUNT(*) FROM {views.table(LIVE, 'area_open')}"
            f" WHERE area_code = ?{condition} AND deadline < ?",
            [area, *params, stamp(now)],
        )
    )


def median_days(
    views: ViewTables,
    area: str,
    quarter: str | None = None,
    challenge: str | None = None,
    count: int | None = None,
) -> float | None:
    """The median of the days from submission to decision in `area` (decided in `quarter`, or
    routed for `challenge`, only when given), read at the middle of the index; None without
    decisions. `count`: how many decisions that is, when the caller knows (one query less)."""
    condition, params = "", []
    if quarter is not None:
        condition, params = " AND quarter = ?", [quarter]
    elif challenge is not None:
        condition, params = " AND challenge = ?", [challenge]
    table = views.table(LIVE, "area_decisions")
    where = f" WHERE area_code = ?{condition}"
    n = (
        count
        if count is not None
        else int(scalar(views, f"SELECT COUNT(*) FROM {table}{where}", [area, *params]))
    )
    if n == 0:
        return None
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(f"SELECT days FROM {table}{where} ORDER BY days LIMIT ? OFFSET ?"),
            [area, *params, 2 - n % 2, (n - 1) // 2],
        )
        middle = [float(r[0]) for r in c.fetchall()]
    return sum(middle) / len(middle)


def days_between(start: str | None, end: str | None) -> float | None:
    a, b = unstamp(start), unstamp(end)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 86400
