"""The SVG area map: one linked, titled path per area, shaded by open work, inside its box."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from participatie.demo import DATA
from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.maps.areas_import import read_areas
from participatie.maps.svgmap import EMPTY, SHADES, render, shade
from tests.conftest import small_map

SVG = "{http://www.w3.org/2000/svg}"


def buurten() -> list[Area]:
    return [
        a
        for a in read_areas(DATA / "wijken_en_buurten.geojson")
        if a.level is AreaLevel.NEIGHBOURHOOD
    ]


def test_every_buurt_is_a_linked_path_with_a_text_alternative() -> None:
    areas = buurten()
    counts = {areas[0].code: 9, areas[1].code: 3}
    svg = render(areas, counts)
    root = ET.fromstring(svg)
    assert root.get("role") == "group"  # links inside an img would be nested controls
    links = root.findall(f"{SVG}a")
    assert len(links) == len(areas) == 15
    first = next(a for a in links if a.get("href") == f"/gebieden/{areas[0].code}")
    assert first.get("aria-label") == f"{areas[0].name}: 9 open initiatieven"
    path = first.find(f"{SVG}path")
    assert path is not None and path.get("fill") == SHADES[-1]  # the busiest is darkest
    quiet = next(a for a in links if a.get("href") == f"/gebieden/{areas[5].code}")
    assert quiet.find(f"{SVG}path").get("fill") == EMPTY  # type: ignore[union-attr]


def test_all_points_lie_inside_the_view_box() -> None:
    svg = render(buurten(), {}, width=400)
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert width == 400 and 100 < height < 1000
    numbers = [
        float(n)
        for n in re.findall(r"-?\d+\.\d", " ".join(p.get("d", "") for p in root.iter(f"{SVG}path")))
    ]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= -0.1 and max(xs) <= width + 0.1
    assert min(ys) >= -0.1 and max(ys) <= height + 0.1
    assert max(xs) > width - 1 and min(ys) < 1  # the map fills its box


def test_names_are_escaped_and_output_is_deterministic() -> None:
    areas = [
        Area(a.code, "Noord & <Zuid>", a.level, a.parent, a.geometry)
        for a in small_map()
        if a.level is AreaLevel.NEIGHBOURHOOD
    ]
    svg = render(areas, {"BU00010101": 1})
    assert "Noord &amp; &lt;Zuid&gt;" in svg and "<Zuid>" not in svg
    assert render(list(reversed(areas)), {"BU00010101": 1}) == svg
    ET.fromstring(svg)  # well-formed


@pytest.mark.parametrize(
    ("count", "highest", "expected"),
    [(0, 10, EMPTY), (1, 10, SHADES[0]), (10, 10, SHADES[-1]), (5, 10, SHADES[2]), (3, 0, EMPTY)],
)
def test_shades(count: int, highest: int, expected: str) -> None:
    assert shade(count, highest) == expected


def test_nothing_to_draw_is_an_error() -> None:
    with pytest.raises(ValueError):
        render([], {})


def test_a_map_without_links_is_one_picture() -> None:
    root = ET.fromstring(render(buurten(), {}, link=None))
    assert root.get("role") == "img"
    assert root.findall(f"{SVG}a") == []
    assert float(root.get("data-scale") or 0) > 0 and root.get("data-west")


# A map stored before the import checked geometry may hold what cannot be drawn.
NOT_DRAWABLE = [
    {"type": "Point", "coordinates": [0.5, 0.5]},
    {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [0, 0]}]},
    {"type": "Polygon", "coordinates": "abc"},
    {"type": "Polygon", "coordinates": [[["a", "b"], [1, 0], [1, 1], ["a", "b"]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, float("nan")], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[155000, 463000], [156000, 463000], [0, 0], [0, 1]]]},
    {"type": "MultiPolygon", "coordinates": [None]},
    {},
]


@pytest.mark.parametrize("geometry", NOT_DRAWABLE)
def test_an_area_that_cannot_be_drawn_is_left_out_and_the_rest_is_drawn(
    geometry: dict[str, object],
) -> None:
    good = [a for a in small_map() if a.level is AreaLevel.NEIGHBOURHOOD]
    bad = Area("BU00010103", "Kapot", AreaLevel.NEIGHBOURHOOD, "WK000101", geometry)
    root = ET.fromstring(render([*good, bad], {"BU00010103": 4}))
    drawn = [p.get("data-code") for p in root.iter(f"{SVG}path")]
    assert drawn == ["BU00010101", "BU00010102"]


def test_a_map_with_nothing_drawable_is_an_empty_picture() -> None:
    areas = [
        Area(f"BU0001010{n}", "Kapot", AreaLevel.NEIGHBOURHOOD, "WK000101", geometry)
        for n, geometry in enumerate(NOT_DRAWABLE)
    ]
    root = ET.fromstring(render(areas, {}))
    assert list(root.iter(f"{SVG}path")) == []
    assert root.find(f"{SVG}title") is not None
