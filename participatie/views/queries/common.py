"""Helpers the query families share: rows of an area, and durations between stamps."""

from __future__ import annotations

from typing import Any

from participatie.views.store import LIVE, ViewTables, unstamp


def rows_in_area(views: ViewTables, area: str, columns: str) -> list[tuple[Any, ...]]:
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT {columns} FROM {views.table(LIVE, 'initiatives')} i"
                f" JOIN {views.table(LIVE, 'initiative_areas')} a ON a.initiative_id = i.id"
                " WHERE a.area_code = ?"
            ),
            [area],
        )
        return [tuple(r) for r in c.fetchall()]


def days_between(start: str | None, end: str | None) -> float | None:
    a, b = unstamp(start), unstamp(end)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 86400
