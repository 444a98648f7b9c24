"""An SVG map of the municipality's areas, drawn from their own geometry (no tile server).

The home page (issue 5) shows the buurten coloured by open initiatives; each area is a link with
a text alternative, so the map works without JavaScript and with a screen reader.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from participatie.domain.areas import Area

# Five calm blues, light to dark (contrast with the white borders stays visible).
SHADES = ("#eef4fb", "#c6dbf0", "#8fb8df", "#4f8cc4", "#1f5a96")
EMPTY = "#f5f5f5"


def _rings(geometry: Any) -> list[list[tuple[float, float]]]:
    """The drawable rings of a Polygon or MultiPolygon in WGS84; none for anything else.

    The import refuses other geometry, but a map stored before it did may hold a Point, a
    LineString or coordinates that are not numbers: such an area is left out of the picture
    rather than taking the page down.
    """
    kind = geometry.get("type") if isinstance(geometry, Mapping) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list | tuple):
        polygons = list(coordinates)
    else:
        return []
    rings = []
    for polygon in polygons:
        for ring in polygon if isinstance(polygon, list | tuple) else []:
            points = [_point(p) for p in ring] if isinstance(ring, list | tuple) else []
            if len(points) >= 3 and all(p is not None for p in points):
                rings.append([p for p in points if p is not None])
    return rings


def _point(position: Any) -> tuple[float, float] | None:
    """A WGS84 longitude, latitude pair, or None when `position` is not one."""
    if not isinstance(position, list | tuple) or len(position) < 2:
        return None
    lon, lat = position[0], position[1]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in (lon, lat)):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return float(lon), float(lat)


def shade(count: int, highest: int) -> str:
    """The fill for `count` open initiatives when the busiest area has `highest`."""
    if count <= 0 or highest <= 0:
        return EMPTY
    step = math.ceil(count / highest * len(SHADES)) - 1
    return SHADES[max(0, min(step, len(SHADES) - 1))]


def render(
    areas: Sequence[Area],
    counts: Mapping[str, int],
    *,
    width: int = 600,
    link: str | None = "/gebieden/{code}",
    title: str = "Kaart van de gebieden",
    label: str = "{name}: {count} open initiatieven",
) -> str:
    """Return an SVG document with one titled path per area, linked unless `link` is None.

    The root element carries the projection (`data-west`, `data-north`, `data-scale`,
    `data-stretch`) so a script can turn a click back into a point.
    """
    if not areas:
        raise ValueError("no areas to draw")
    drawable = {a.code: rs for a in areas if (rs := _rings(a.geometry))}
    areas = [a for a in areas if a.code in drawable]
    points = [p for rs in drawable.values() for ring in rs for p in ring] or [(0.0, 0.0)]
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    # Equirectangular projection around the middle latitude: right for a municipality.
    stretch = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * stretch, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = width / span_x
    height = math.ceil(span_y * scale)

    def xy(point: tuple[float, float]) -> str:
        x = (point[0] - min_lon) * stretch * scale
        y = (max_lat - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    highest = max((counts.get(a.code, 0) for a in areas), default=0)
    # A map of links is a group of controls; a map without links is one picture.
    role = "img" if link is None else "group"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' role="{role}" aria-labelledby="kaart-titel" class="gebiedskaart"'
        f' data-west="{min_lon!r}" data-north="{max_lat!r}" data-scale="{scale!r}"'
        f' data-stretch="{stretch!r}">',
        f'<title id="kaart-titel">{escape(title)}</title>',
    ]
    for area in sorted(areas, key=lambda a: a.code):
        count = counts.get(area.code, 0)
        path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in drawable[area.code])
        text = escape(label.format(name=area.name, count=count, code=area.code))
        drawn = (
            f'<path d="{path}" fill="{shade(count, highest)}" stroke="#ffffff" stroke-width="1.5"'
            f' fill-rule="evenodd" data-code="{escape(area.code)}"><title>{text}</title></path>'
        )
        if link is not None:
            drawn = (
                f'<a href="{escape(link.format(code=area.code))}" aria-label="{text}">{drawn}</a>'
            )
        parts.append(drawn)
    parts.append("</svg>")
    return "".join(parts)
