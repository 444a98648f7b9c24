"""A point resolves to exactly one buurt, and the area hierarchy can be walked both ways."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.maps.areas_import import read_areas
from participatie.maps.geo import AreaIndex
from tests.conftest import small_map

DEMO_DATA = Path(__file__).parents[2] / "participatie" / "demo" / "data"
WEST, OOST = "BU00010101", "BU00010102"


@pytest.fixture
def index() -> AreaIndex:
    return AreaIndex(small_map(), version="v1")


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (0.5, 0.5, WEST),
        (0.1, 0.9, WEST),
        (0.9, 0.01, WEST),
        (0.5, 1.5, OOST),
        (0.1, 1.99, OOST),
        (0.99, 1.01, OOST),
    ],
)
def test_point_inside_a_buurt_resolves_to_that_buurt(
    index: AreaIndex, lat: float, lon: float, code: str
) -> None:
    assert index.locate(lat, lon) == code


def test_point_on_the_outer_edge_still_belongs_to_the_buurt(index: AreaIndex) -> None:
    assert index.locate(0.5, 0.0) == WEST
    assert index.locate(0.0, 2.0) == OOST


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_point_on_the_shared_border_gives_the_lowest_code_whatever_the_input_order(
    order: tuple[int, ...],
) -> None:
    areas = small_map()
    index = AreaIndex([areas[i] for i in order])
    assert index.locate(0.5, 1.0) == WEST
    assert index.locate(0.0, 1.0) == WEST
    assert index.locate(1.0, 1.0) == WEST


@pytest.mark.parametrize(("lat", "lon"), [(5.0, 5.0), (0.5, -0.01), (1.01, 0.5), (-0.5, 1.0)])
def test_point_outside_the_municipality_gives_none(
    index: AreaIndex, lat: float, lon: float
) -> None:
    assert index.locate(lat, lon) is None


def test_only_buurten_are_located_not_the_wijk_or_gemeente_around_them() -> None:
    areas = [a for a in small_map() if a.level is not AreaLevel.NEIGHBOURHOOD]
    assert AreaIndex(areas).locate(0.5, 0.5) is None


def test_ancestors_run_from_the_area_itself_up_to_the_municipality(index: AreaIndex) -> None:
    assert index.ancestors(OOST) == [OOST, "WK000101", "GM0001"]
    assert index.ancestors("WK000101") == ["WK000101", "GM0001"]
    assert index.ancestors("GM0001") == ["GM0001"]
    assert index.ancestors("BU99999999") == []


def test_children_are_the_areas_directly_below_sorted_by_code(index: AreaIndex) -> None:
    assert index.children("GM0001") == ["WK000101"]
    assert index.children("WK000101") == [WEST, OOST]
    assert index.children(WEST) == []


def test_root_is_the_municipality(index: AreaIndex) -> None:
    assert index.root == "GM0001"


def test_membership_level_name_and_version(index: AreaIndex) -> None:
    assert WEST in index
    assert "BU99999999" not in index
    assert index.level("WK000101") is AreaLevel.DISTRICT
    assert index.name(OOST) == "Oostbuurt"
    assert index.version == "v1"


@pytest.fixture(scope="module")
def demo_areas() -> list[Area]:
    return read_areas(DEMO_DATA / "wijken_en_buurten.geojson")


def test_every_demo_initiative_point_lies_in_a_demo_buurt(demo_areas: list[Area]) -> None:
    index = AreaIndex(demo_areas)
    initiatives = json.loads((DEMO_DATA / "initiatives.json").read_text("utf-8"))
    points = [i["location"] for i in initiatives if "area_code" not in i["location"]]
    assert points
    for location in points:
        code = index.locate(location["lat"], location["lon"])
        assert code is not None, f"{location} lies outside every buurt"
        assert index.level(code) is AreaLevel.NEIGHBOURHOOD


def test_every_demo_initiative_area_code_exists_on_the_demo_map(demo_areas: list[Area]) -> None:
    index = AreaIndex(demo_areas)
    initiatives = json.loads((DEMO_DATA / "initiatives.json").read_text("utf-8"))
    codes = [i["location"]["area_code"] for i in initiatives if "area_code" in i["location"]]
    assert codes
    assert [c for c in codes if c not in index] == []


def test_demo_map_hierarchy_reaches_the_demo_municipality(demo_areas: list[Area]) -> None:
    index = AreaIndex(demo_areas)
    assert index.root == "GM9999"
    assert index.ancestors("BU99990403") == ["BU99990403", "WK999904", "GM9999"]
    assert len(index.children("GM9999")) == 4
