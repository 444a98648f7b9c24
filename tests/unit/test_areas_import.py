"""The CBS/PDOK wijken-en-buurten GeoJSON becomes a gemeente → wijk → buurt hierarchy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.maps.areas_import import AreaFileError, areas_from_features, read_areas
from tests.conftest import square

DEMO_MAP = (
    Path(__file__).parents[2] / "participatie" / "demo" / "data" / "wijken_en_buurten.geojson"
)


def feature(geometry: dict[str, object] | None = None, **properties: object) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def buurt(code: str, x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A buurt feature as in a CBS buurten-only file: codes of wijk and gemeente, no shapes."""
    return feature(
        square(x0, y0, x1, y1),
        buurtcode=code,
        buurtnaam=f"Buurt {code[-2:]}",
        wijkcode="WK" + code[2:8],
        gemeentecode="GM" + code[2:6],
        gemeentenaam="Testgemeente",
    )


def write_collection(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def by_code(areas: list[Area]) -> dict[str, Area]:
    return {a.code: a for a in areas}


# --- the demo file --------------------------------------------------------------------------


def test_demo_file_has_one_municipality_four_wijken_and_fifteen_buurten() -> None:
    areas = read_areas(DEMO_MAP)
    levels = [a.level for a in areas]
    assert levels.count(AreaLevel.MUNICIPALITY) == 1
    assert levels.count(AreaLevel.DISTRICT) == 4
    assert levels.count(AreaLevel.NEIGHBOURHOOD) == 15
    assert len(areas) == 20
    assert [a.code for a in areas] == sorted(a.code for a in areas)


def test_demo_areas_have_the_right_parents_levels_and_names() -> None:
    areas = by_code(read_areas(DEMO_MAP))
    gemeente = areas["GM9999"]
    assert (gemeente.name, gemeente.level, gemeente.parent) == (
        "Lindewaard (fictief)",
        AreaLevel.MUNICIPALITY,
        None,
    )
    assert (areas["WK999901"].name, areas["WK999901"].parent) == ("Centrum", "GM9999")
    assert (areas["BU99990101"].name, areas["BU99990101"].parent) == ("Kerkbuurt", "WK999901")
    for area in areas.values():
        if area.level is AreaLevel.DISTRICT:
            assert area.parent == "GM9999"
            assert area.code.startswith("WK9999")
        elif area.level is AreaLevel.NEIGHBOURHOOD:
            assert area.parent == "WK" + area.code[2:8]
            assert area.parent in areas
        assert shape(area.geometry).is_valid
    wijken = sorted(c for c, a in areas.items() if a.level is AreaLevel.DISTRICT)
    assert wijken == ["WK999901", "WK999902", "WK999903", "WK999904"]


# --- a buurten-only file --------------------------------------------------------------------


def test_buurten_only_file_builds_wijken_and_gemeente_as_unions_of_their_children(
    tmp_path: Path,
) -> None:
    features = [
        buurt("BU00010101", 0, 0, 1, 1),
        buurt("BU00010102", 1, 0, 2, 1),
        buurt("BU00010201", 0, 1, 2, 2),
    ]
    areas = by_code(read_areas(write_collection(tmp_path / "buurten.geojson", features)))

    assert sorted(areas) == [
        "BU00010101",
        "BU00010102",
        "BU00010201",
        "GM0001",
        "WK000101",
        "WK000102",
    ]
    assert areas["GM0001"].level is AreaLevel.MUNICIPALITY
    assert areas["GM0001"].parent is None
    for wijk in ("WK000101", "WK000102"):
        assert areas[wijk].level is AreaLevel.DISTRICT
        assert areas[wijk].parent == "GM0001"
    assert areas["BU00010201"].parent == "WK000102"
    assert areas["BU00010101"].name == "Buurt 01"

    def geometry(code: str) -> Any:
        return shape(areas[code].geometry)

    assert geometry("WK000101").equals(
        unary_union([geometry("BU00010101"), geometry("BU00010102")])
    )
    assert geometry("WK000101").equals(shape(square(0, 0, 2, 1)))
    assert geometry("WK000102").equals(shape(square(0, 1, 2, 2)))
    assert geometry("GM0001").equals(shape(square(0, 0, 2, 2)))


def test_buurt_without_wijkcode_gets_its_wijk_from_its_own_code() -> None:
    areas = by_code(areas_from_features([feature(square(0, 0, 1, 1), buurtcode="BU03630102")]))
    assert areas["BU03630102"].parent == "WK036301"
    assert areas["WK036301"].parent == "GM0363"
    assert areas["GM0363"].parent is None


def test_wijk_with_its_own_shape_keeps_that_shape() -> None:
    features = [
        feature(square(0, 0, 3, 3), wijkcode="WK000101", gemeentecode="GM0001"),
        buurt("BU00010101", 0, 0, 1, 1),
    ]
    areas = by_code(areas_from_features(features))
    assert shape(areas["WK000101"].geometry).equals(shape(square(0, 0, 3, 3)))
    assert shape(areas["GM0001"].geometry).equals(shape(square(0, 0, 3, 3)))


# --- refused files --------------------------------------------------------------------------


def test_feature_without_any_code_is_refused_naming_its_number() -> None:
    features = [buurt("BU00010101", 0, 0, 1, 1), feature(square(1, 0, 2, 1), naam="Zonder code")]
    with pytest.raises(AreaFileError, match=r"^feature 2: no buurtcode, wijkcode or gemeentecode$"):
        areas_from_features(features)


def test_invalid_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kapot.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    with pytest.raises(AreaFileError, match=re.escape(path.name)):
        read_areas(path)


def test_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "weg.geojson"
    with pytest.raises(AreaFileError, match=re.escape(f"{path}: [Errno 2]")):
        read_areas(path)


@pytest.mark.parametrize(
    "content",
    [
        '{"type": "Feature", "properties": {}, "geometry": null}',
        '{"features": []}',
        "[]",
        "null",
    ],
)
def test_document_that_is_not_a_feature_collection_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "geen.geojson"
    path.write_text(content, "utf-8")
    with pytest.raises(AreaFileError, match="not a GeoJSON FeatureCollection"):
        read_areas(path)


def test_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.geojson"
    path.write_bytes('{"type": "FeatureCollection", "name": "Súdwest"}'.encode("latin-1"))
    with pytest.raises(AreaFileError, match=re.escape(path.name)):
        read_areas(path)


@pytest.mark.parametrize(
    "properties",
    [
        {"buurtcode": "XX12"},
        {"wijkcode": "XX12"},
        {"wijkcode": "WK000101", "gemeentecode": "XX12"},
        {"buurtcode": "BU0001010", "wijkcode": None},
    ],
)
def test_code_that_is_not_a_cbs_code_is_refused(properties: dict[str, object]) -> None:
    bad = str(properties.get("gemeentecode") or properties.get("buurtcode") or "XX12")
    with pytest.raises(AreaFileError, match=f"^{bad}: not a CBS area code$"):
        areas_from_features([feature(square(0, 0, 1, 1), **properties)])


@pytest.mark.parametrize(
    "properties",
    [{"buurtcode": "XX12", "wijkcode": "WK000101"}, {"gemeentecode": "XX12"}],
)
def test_bad_code_is_refused_even_when_its_parent_is_given(properties: dict[str, object]) -> None:
    with pytest.raises(AreaFileError, match="XX12"):
        areas_from_features([feature(square(0, 0, 1, 1), **properties)])


def test_two_municipalities_are_refused() -> None:
    features = [
        feature(square(0, 0, 1, 1), gemeentecode="GM0001", gemeentenaam="Een"),
        feature(square(1, 0, 2, 1), gemeentecode="GM0002", gemeentenaam="Twee"),
    ]
    with pytest.raises(
        AreaFileError, match=r"expected one municipality, found \['GM0001', 'GM0002'\]"
    ):
        areas_from_features(features)


def test_buurten_of_two_municipalities_are_refused() -> None:
    features = [buurt("BU00010101", 0, 0, 1, 1), buurt("BU00020101", 1, 0, 2, 1)]
    with pytest.raises(AreaFileError, match="expected one municipality"):
        areas_from_features(features)


def test_invalid_geometry_is_refused_naming_the_feature() -> None:
    bowtie: dict[str, object] = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
    }
    with pytest.raises(AreaFileError, match=r"^feature 1 \(BU00010101\): invalid geometry$"):
        areas_from_features([feature(bowtie, buurtcode="BU00010101")])


def test_area_without_geometry_or_children_with_one_is_refused() -> None:
    with pytest.raises(AreaFileError, match=r"^GM0001: no geometry and no sub-areas with one$"):
        areas_from_features([feature(None, gemeentecode="GM0001")])
