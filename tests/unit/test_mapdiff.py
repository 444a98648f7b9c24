"""What a new map version changes against the current one (the import preview's list)."""

from __future__ import annotations

from typing import Any

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.maps.mapdiff import Moved, Renamed, compare

B = AreaLevel.NEIGHBOURHOOD
SQUARE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.0]]]}
OTHER = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.2, 52.0], [5.2, 52.1], [5.0, 52.0]]]}


def area(code: str, name: str, parent: str | None, geometry: dict[str, Any] = SQUARE) -> Area:
    level = AreaLevel.MUNICIPALITY if parent is None else B
    return Area(code, name, level, parent, geometry)


CURRENT = [
    area("GM1", "Gemeente", None),
    area("WK1", "Noord", "GM1"),
    area("WK2", "Zuid", "GM1"),
    area("BU1", "Kerkbuurt", "WK1"),
    area("BU2", "Markt", "WK1"),
    area("BU3", "Haven", "WK2"),
    area("BU4", "Dijk", "WK2"),
]
NEW = [
    area("GM1", "Gemeente", None),
    area("WK1", "Noord", "GM1"),
    area("WK2", "Zuid", "GM1"),
    area("BU1", "Kerkbuurt", "WK1"),  # unchanged
    area("BU2", "Marktkwartier", "WK2"),  # renamed and moved
    area("BU3", "Haven", "WK2", OTHER),  # redrawn
    area("BU5", "Polder", "WK2"),  # new; BU4 is gone
]


def test_the_differences_are_listed_by_kind_and_code() -> None:
    diff = compare(CURRENT, NEW)
    assert [a.code for a in diff.added] == ["BU5"]
    assert [a.code for a in diff.removed] == ["BU4"]
    assert diff.renamed == (Renamed("BU2", "Markt", "Marktkwartier"),)
    assert diff.moved == (Moved("BU2", "Marktkwartier", "WK1", "WK2"),)
    assert [a.code for a in diff.redrawn] == ["BU3"]
    assert diff.unchanged == 4  # GM1, WK1, WK2, BU1
    assert diff.touched_codes() == {"BU2", "BU3", "BU5"}
    assert not diff.empty


def test_the_same_map_changes_nothing_and_a_first_map_adds_everything() -> None:
    same = compare(CURRENT, list(reversed(CURRENT)))
    assert same.empty and same.unchanged == 7
    # A stored map holds lists where a map read from a file holds tuples: the same shape.
    as_read = [
        area(
            a.code,
            a.name,
            a.parent,
            {
                "type": "Polygon",
                "coordinates": (tuple(tuple(p) for p in SQUARE["coordinates"][0]),),
            },
        )
        for a in CURRENT
    ]
    assert compare(CURRENT, as_read).empty
    first = compare([], NEW)
    assert [a.code for a in first.added] == ["BU1", "BU2", "BU3", "BU5", "GM1", "WK1", "WK2"]
    assert first.unchanged == 0 and not first.removed
