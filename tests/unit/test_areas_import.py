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
from participatie.maps.areas_import import (
    NETHERLANDS,
    PROBLEMS,
    AreaFileError,
    areas_from_features,
    read_areas,
)
from participatie.maps.geo import AreaIndex
from participatie.notifications.messages import translations
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


# --- every feature is checked, and the message names it ------------------------------------------

KERK = {"buurtcode": "BU00010101", "buurtnaam": "Kerkbuurt"}
HAVEN = {"buurtcode": "BU00010102", "buurtnaam": "Haven"}
# A buurt of one square kilometre in the middle of the Netherlands (WGS84), and its ring.
RING = [[5.1, 52.0], [5.11, 52.0], [5.11, 52.01], [5.1, 52.01], [5.1, 52.0]]


def polygon(*rings: list[list[Any]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (
            [feature({"type": "Point", "coordinates": [5.1, 52.0]}, **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): a Point cannot be an area;"
            " use Polygon or MultiPolygon",
        ),
        (
            [
                feature(polygon(RING), **HAVEN),
                feature({"type": "LineString", "coordinates": RING}, **KERK),
            ],
            "feature 2 (BU00010101, Kerkbuurt): a LineString cannot be an area;"
            " use Polygon or MultiPolygon",
        ),
        (
            [feature({"type": "GeometryCollection", "geometries": [polygon(RING)]}, **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): a GeometryCollection cannot be an area;"
            " use Polygon or MultiPolygon",
        ),
        (
            [feature({"coordinates": [RING]}, **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): a dict cannot be an area;"
            " use Polygon or MultiPolygon",
        ),
        (
            [feature({"type": "Polygon", "coordinates": "abc"}, **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): the coordinates of a Polygon are not a list"
            " of rings",
        ),
        (
            [feature({"type": "MultiPolygon", "coordinates": [[]]}, **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): the coordinates of a MultiPolygon are not a"
            " list of rings",
        ),
        (
            [feature(polygon([["a", "b"], [5.11, 52.0], [5.11, 52.01], ["a", "b"]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): polygon 1, ring 1, position 1 is not a pair"
            " of finite numbers: ['a', 'b']",
        ),
        (
            [feature(polygon([*RING[:2], [5.11, float("nan")], *RING[3:]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): polygon 1, ring 1, position 3 is not a pair"
            " of finite numbers: [5.11, nan]",
        ),
        (
            [feature(polygon([*RING[:2], [5.11, True], *RING[3:]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): polygon 1, ring 1, position 3 is not a pair"
            " of finite numbers: [5.11, True]",
        ),
        (
            [feature(polygon(RING, [[5.1, 52.0], [5.11, 52.0], [5.1, 52.0]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): polygon 1, ring 2 has 3 positions;"
            " a ring needs at least 4",
        ),
        (
            [feature(polygon([*RING[:4], [5.1, 52.005]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): polygon 1, ring 1 is not closed:"
            " it starts at [5.1, 52.0] and ends at [5.1, 52.005]",
        ),
        (
            [feature(polygon([[500, 52.0], [501, 52.0], [501, 52.01], [500, 52.0]]), **KERK)],
            "feature 1 (BU00010101, Kerkbuurt): position [500.0, 52.0] is not a WGS84"
            " longitude, latitude (longitude -180 to 180, latitude -90 to 90)",
        ),
        (
            [feature(polygon(RING), **HAVEN), feature(polygon(RING), **HAVEN)],
            "feature 2 (BU00010102, Haven): code BU00010102 is also used by feature 1",
        ),
        (
            [feature(polygon(RING), buurtcode="BU00010103"), "BU00010104"],
            "feature 2: not a GeoJSON Feature with properties",
        ),
        (
            [{"type": "Feature", "properties": ["BU00010101"], "geometry": None}],
            "feature 1: not a GeoJSON Feature with properties",
        ),
    ],
)
def test_a_feature_that_cannot_be_an_area_is_refused_by_number_code_and_name(
    features: list[Any], message: str
) -> None:
    with pytest.raises(AreaFileError) as refused:
        areas_from_features(features)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        (
            [[52.0, 5.1], [52.0, 5.11], [52.01, 5.11], [52.01, 5.1], [52.0, 5.1]],
            "feature 1 (BU00010101, Kerkbuurt): position [52.0, 5.1] lies outside the"
            " Netherlands (longitude 2.5 to 7.5, latitude 50.5 to 54.0); are longitude and"
            " latitude swapped?",
        ),
        (
            [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]],
            "feature 1 (BU00010101, Kerkbuurt): position [0.0, 0.0] lies outside the"
            " Netherlands (longitude 2.5 to 7.5, latitude 50.5 to 54.0); are longitude and"
            " latitude swapped?",
        ),
        (
            [[154000, 462500], [155000, 462500], [155000, 463500], [154000, 462500]],
            "feature 1 (BU00010101, Kerkbuurt): position [154000.0, 462500.0] looks like RD New"
            ' metres, but the file has no crs member; add "crs": {"type": "name", "properties":'
            ' {"name": "urn:ogc:def:crs:EPSG::28992"}} or export in WGS84',
        ),
    ],
)
def test_a_position_outside_the_netherlands_is_refused_when_the_netherlands_are_expected(
    ring: list[list[float]], message: str
) -> None:
    with pytest.raises(AreaFileError) as refused:
        areas_from_features([feature(polygon(ring), **KERK)], within=NETHERLANDS)
    assert str(refused.value) == message


def test_the_message_is_also_in_dutch() -> None:
    with pytest.raises(AreaFileError) as refused:
        areas_from_features([feature({"type": "Point", "coordinates": [5.1, 52.0]}, **KERK)])
    assert refused.value.dutch == (
        "object 1 (BU00010101, Kerkbuurt): een Point kan geen gebied zijn;"
        " gebruik Polygon of MultiPolygon"
    )


def test_every_message_has_its_english_text_in_the_catalogue() -> None:
    english = translations("en")
    for problem in PROBLEMS:
        assert english.gettext(problem.dutch) == problem.english, problem.dutch


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
        {"type": "name", "properties": {"name": "Amersfoort"}},
        {"type": "name", "properties": {}},
        "EPSG:28992",
    ],
)
def test_a_crs_that_cannot_be_transformed_is_refused(tmp_path: Path, crs: Any) -> None:
    path = tmp_path / "kaart.geojson"
    document = {"type": "FeatureCollection", "crs": crs, "features": [feature(polygon(RING))]}
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(AreaFileError, match=r"^the coordinate reference system .* is not supp"):
        read_areas(path)


def test_features_that_are_not_a_list_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "kaart.geojson"
    path.write_text('{"type": "FeatureCollection", "features": {"a": 1}}', "utf-8")
    with pytest.raises(AreaFileError, match=r"^'features' is not a list of features$"):
        read_areas(path)


# --- RD New (EPSG:28992) and WGS84 files of the same buurten ------------------------------------

RD_NEW = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}

# Two buurten of one square kilometre each, west and east of the Amersfoort tower (the origin of
# RD New, at 155000, 463000): as PDOK publishes them in RD New metres ...
# The west buurt has the tower itself as a corner on the shared border.
TOWER = [155000, 463000]
RD_WEST = [
    [154000, 462500],
    [155000, 462500],
    TOWER,
    [155000, 463500],
    [154000, 463500],
    [154000, 462500],
]
RD_EAST = [[155000, 462500], [156000, 462500], [156000, 463500], [155000, 463500], [155000, 462500]]
# ... and the same corners in WGS84, transformed once by hand (pyproj 3.7, rounded to 1e-6).
WGS_WEST = [
    [5.372592, 52.150677],
    [5.387203, 52.150678],
    [5.387204, 52.155172],
    [5.387204, 52.159666],
    [5.372589, 52.159665],
    [5.372592, 52.150677],
]
WGS_EAST = [
    [5.387203, 52.150678],
    [5.401815, 52.150677],
    [5.401818, 52.159665],
    [5.387204, 52.159666],
    [5.387203, 52.150678],
]


def two_buurten(tmp_path: Path, name: str, west: Any, east: Any, crs: Any = None) -> Path:
    features = [
        feature(polygon(west), buurtcode="BU03070101", buurtnaam="Westkwartier"),
        feature(polygon(east), buurtcode="BU03070102", buurtnaam="Oostkwartier"),
    ]
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = crs
    path = tmp_path / name
    path.write_text(json.dumps(document), "utf-8")
    return path


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (52.155172, 5.379897, "BU03070101"),  # RD 154500, 463000
        (52.155172, 5.386473, "BU03070101"),  # RD 154950, 463000: 50 m west of the border
        (52.155172, 5.387934, "BU03070102"),  # RD 155050, 463000: 50 m east of the border
        (52.155172, 5.394510, "BU03070102"),  # RD 155500, 463000
        (52.155171, 5.371130, None),  # RD 153900, 463000: west of the municipality
        (52.160565, 5.387204, None),  # RD 155000, 463600: north of it
    ],
)
def test_a_point_lands_in_the_same_buurt_from_an_rd_new_file_and_a_wgs84_file(
    tmp_path: Path, lat: float, lon: float, code: str | None
) -> None:
    rd = read_areas(
        two_buurten(tmp_path, "rd.geojson", RD_WEST, RD_EAST, RD_NEW), within=NETHERLANDS
    )
    wgs = read_areas(two_buurten(tmp_path, "wgs.geojson", WGS_WEST, WGS_EAST), within=NETHERLANDS)
    assert AreaIndex(rd).locate(lat, lon) == code
    assert AreaIndex(wgs).locate(lat, lon) == code


def test_an_rd_new_file_is_stored_in_wgs84_degrees(tmp_path: Path) -> None:
    areas = by_code(read_areas(two_buurten(tmp_path, "rd.geojson", RD_WEST, RD_EAST, RD_NEW)))
    west = shape(areas["BU03070101"].geometry)
    assert west.equals_exact(shape(polygon(WGS_WEST)), tolerance=1e-6)
    # The tower lies where the Kadaster puts it in WGS84: 52.15517 N, 5.38721 E (within 2 m).
    lon, lat = areas["BU03070101"].geometry["coordinates"][0][2]
    assert lon == pytest.approx(5.38721, abs=2e-5) and lat == pytest.approx(52.15517, abs=2e-5)


@pytest.mark.parametrize(
    "name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"]
)
def test_a_wgs84_crs_member_changes_nothing(tmp_path: Path, name: str) -> None:
    crs = {"type": "name", "properties": {"name": name}}
    path = two_buurten(tmp_path, "wgs.geojson", WGS_WEST, WGS_EAST, crs)
    west = by_code(read_areas(path, within=NETHERLANDS))["BU03070101"]
    assert shape(west.geometry).equals_exact(shape(polygon(WGS_WEST)), tolerance=1e-9)
