"""The AreaMap aggregate (domain/areas.py): which divisions it takes, with hand-written answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

import pytest

from participatie.domain.areas import Area, AreaMap
from participatie.domain.errors import InvariantViolation
from participatie.domain.values import Actor, AreaLevel, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def area(code: str, parent: str | None, level: AreaLevel = AreaLevel.NEIGHBOURHOOD) -> Area:
    return Area(code, f"Gebied {code}", level, parent, SQUARE)


GEMEENTE = area("GM0001", None, AreaLevel.MUNICIPALITY)
WIJK = area("WK000101", "GM0001", AreaLevel.DISTRICT)
BUURT = area("BU00010101", "WK000101")


def new_map() -> AreaMap:
    found: AreaMap = AreaMap._create(
        AreaMap.Created,
        id=AreaMap.create_id(),
        municipality_code="GM0001",
        municipality_name="Voorbeeld",
    )
    found.collect_events()
    return found


def test_one_map_per_deployment() -> None:
    assert AreaMap.create_id() == uuid5(NAMESPACE_URL, "participatie:areamap")


def test_an_area_cannot_be_changed_once_made() -> None:
    found = new_map()
    found.import_version("2026-1", [GEMEENTE], "cbs", ADMIN, T0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.areas()[0].name = "Anders"  # type: ignore[misc]
    assert found.areas() == [GEMEENTE]


def test_an_imported_version_becomes_current_and_earlier_ones_stay_readable() -> None:
    found = new_map()
    found.import_version("2026-1", [GEMEENTE, WIJK], "cbs", ADMIN, T0)
    found.import_version("2026-2", [GEMEENTE, WIJK, BUURT], "pdok", ADMIN, T0)
    assert found.current_version == "2026-2"
    assert found.areas() == [GEMEENTE, WIJK, BUURT]
    assert found.areas("2026-1") == [GEMEENTE, WIJK]
    assert found.areas("") == [GEMEENTE, WIJK, BUURT]  # empty label: the current version
    _first, second = found.collect_events()
    assert isinstance(second, AreaMap.VersionImported)
    assert (second.label, second.source, second.actor, second.timestamp) == (
        "2026-2",
        "pdok",
        ADMIN,
        T0,
    )


def test_without_any_version_there_are_no_areas() -> None:
    with pytest.raises(InvariantViolation) as caught:
        new_map().areas()
    assert caught.value.field == "version"


def test_an_unknown_version_is_refused() -> None:
    found = new_map()
    found.import_version("2026-1", [GEMEENTE], "cbs", ADMIN, T0)
    with pytest.raises(InvariantViolation) as caught:
        found.areas("2025-9")
    assert caught.value.field == "version"


# (areas, refused field or None): every division written out by hand
DIVISIONS = [
    ([GEMEENTE], None),
    ([GEMEENTE, WIJK, BUURT], None),
    ([BUURT, WIJK, GEMEENTE], None),  # order does not matter
    ([], "areas"),  # no root
    ([WIJK, BUURT], "areas"),  # no root
    ([area("GM0002", None, AreaLevel.MUNICIPALITY)], "areas"),  # another municipality
    ([area("WK000101", None, AreaLevel.DISTRICT)], "areas"),  # a single root, but not ours
    ([GEMEENTE, area("GM0002", None, AreaLevel.MUNICIPALITY)], "areas"),  # two roots
    ([area("GM0002", None, AreaLevel.MUNICIPALITY), GEMEENTE], "areas"),  # two roots
    ([GEMEENTE, WIJK, WIJK], "areas"),  # a code twice
    ([GEMEENTE, BUURT], "areas"),  # unknown parent
    ([GEMEENTE, WIJK, area("BU00010102", "WK000199")], "areas"),  # unknown parent, last
]


@pytest.mark.parametrize(("areas", "refused"), DIVISIONS)
def test_which_divisions_are_taken(areas: list[Area], refused: str | None) -> None:
    found = new_map()
    if refused is None:
        found.import_version("v", areas, "cbs", ADMIN, T0)
        assert found.areas("v") == areas
        return
    with pytest.raises(InvariantViolation) as caught:
        found.import_version("v", areas, "cbs", ADMIN, T0)
    assert caught.value.field == refused
    assert found.collect_events() == [] and found.current_version is None


def test_a_version_label_is_used_once() -> None:
    found = new_map()
    found.import_version("2026-1", [GEMEENTE], "cbs", ADMIN, T0)
    with pytest.raises(InvariantViolation) as caught:
        found.import_version("2026-1", [GEMEENTE, WIJK], "cbs", ADMIN, T0)
    assert caught.value.field == "version"
    assert found.areas("2026-1") == [GEMEENTE]
