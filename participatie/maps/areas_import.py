"""Reads the CBS/PDOK "wijken en buurten" GeoJSON format into a hierarchy of Areas.

Every feature is checked before anything is stored: a code of its own (unique in the file), a
Polygon or MultiPolygon of closed rings of finite numbers, a valid shape, inside the region the
caller expects. PDOK publishes the file in WGS84 and in RD New (EPSG:28992); a file whose GeoJSON
`crs` member names a projected system is transformed to WGS84 longitude/latitude with pyproj,
since the rest of the platform (the point -> buurt lookup, the SVG map) works in WGS84.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.infra.datafiles import DataFileError, load_json


def N_(message: str) -> str:
    """Mark a Dutch text for the catalogue; the admin upload shows it in the page's language."""
    return message


@dataclass(frozen=True)
class Problem:
    """What is wrong with a file, in English (str() of the error) and in Dutch (the msgid)."""

    english: str
    dutch: str


class AreaFileError(ValueError):
    """The GeoJSON file is not a usable wijken-en-buurten file; the message says where.

    `str()` is English; `dutch` is the same in Dutch, and `problem.dutch` with `params` is what a
    page translates through its catalogue. A technical problem (the file cannot be read or parsed)
    has no Dutch text of its own: `problem` is then None.
    """

    def __init__(self, problem: Problem | str, **params: Any) -> None:
        self.problem = problem if isinstance(problem, Problem) else None
        self.params = params
        english = problem.english % params if isinstance(problem, Problem) else problem
        super().__init__(english)

    @property
    def dutch(self) -> str:
        return self.problem.dutch % self.params if self.problem else str(self)


NO_FEATURE_LIST = Problem(
    "'features' is not a list of features", N_("'features' is geen lijst van objecten")
)
NOT_A_FEATURE = Problem(
    "feature %(number)s: not a GeoJSON Feature with properties",
    N_("object %(number)s: geen GeoJSON-Feature met properties"),
)
NO_CODE = Problem(
    "feature %(number)s: no buurtcode, wijkcode or gemeentecode",
    N_("object %(number)s: geen buurtcode, wijkcode of gemeentecode"),
)
NOT_A_CODE = Problem("%(code)s: not a CBS area code", N_("%(code)s: geen CBS-gebiedscode"))
DUPLICATE = Problem(
    "feature %(number)s (%(area)s): code %(code)s is also used by feature %(first)s",
    N_("object %(number)s (%(area)s): code %(code)s komt ook voor bij object %(first)s"),
)
NOT_AN_AREA = Problem(
    "feature %(number)s (%(area)s): a %(type)s cannot be an area; use Polygon or MultiPolygon",
    N_(
        "object %(number)s (%(area)s): een %(type)s kan geen gebied zijn; gebruik Polygon of"
        " MultiPolygon"
    ),
)
NO_RINGS = Problem(
    "feature %(number)s (%(area)s): the coordinates of a %(type)s are not a list of rings",
    N_("object %(number)s (%(area)s): de coördinaten van een %(type)s zijn geen lijst van ringen"),
)
SHORT_RING = Problem(
    "feature %(number)s (%(area)s): polygon %(polygon)s, ring %(ring)s has %(count)s positions;"
    " a ring needs at least 4",
    N_(
        "object %(number)s (%(area)s): polygoon %(polygon)s, ring %(ring)s heeft %(count)s punten;"
        " een ring heeft er minstens 4"
    ),
)
NOT_A_POSITION = Problem(
    "feature %(number)s (%(area)s): polygon %(polygon)s, ring %(ring)s, position %(position)s is"
    " not a pair of finite numbers: %(value)s",
    N_(
        "object %(number)s (%(area)s): polygoon %(polygon)s, ring %(ring)s, punt %(position)s is"
        " geen paar eindige getallen: %(value)s"
    ),
)
OPEN_RING = Problem(
    "feature %(number)s (%(area)s): polygon %(polygon)s, ring %(ring)s is not closed: it starts"
    " at %(first)s and ends at %(last)s",
    N_(
        "object %(number)s (%(area)s): polygoon %(polygon)s, ring %(ring)s is niet gesloten: hij"
        " begint bij %(first)s en eindigt bij %(last)s"
    ),
)
NOT_WGS84 = Problem(
    "feature %(number)s (%(area)s): position %(value)s is not a WGS84 longitude, latitude"
    " (longitude -180 to 180, latitude -90 to 90)",
    N_(
        "object %(number)s (%(area)s): punt %(value)s is geen WGS84-lengte- en breedtegraad"
        " (lengte -180 tot 180, breedte -90 tot 90)"
    ),
)
NOT_IN_NETHERLANDS = Problem(
    "feature %(number)s (%(area)s): position %(value)s lies outside the Netherlands (longitude"
    " %(west)s to %(east)s, latitude %(south)s to %(north)s); are longitude and latitude swapped?",
    N_(
        "object %(number)s (%(area)s): punt %(value)s ligt buiten Nederland (lengte %(west)s tot"
        " %(east)s, breedte %(south)s tot %(north)s); zijn lengte- en breedtegraad verwisseld?"
    ),
)
LOOKS_LIKE_RD = Problem(
    "feature %(number)s (%(area)s): position %(value)s looks like RD New metres, but the file has"
    ' no crs member; add "crs": {"type": "name", "properties": {"name":'
    ' "urn:ogc:def:crs:EPSG::28992"}} or export in WGS84',
    N_(
        "object %(number)s (%(area)s): punt %(value)s lijkt in RD New-meters te staan, maar het"
        ' bestand heeft geen crs-lid; voeg "crs": {"type": "name", "properties":'
        ' {"name": "urn:ogc:def:crs:EPSG::28992"}} toe of exporteer in WGS84'
    ),
)
INVALID = Problem(
    "feature %(number)s (%(area)s): invalid geometry",
    N_("object %(number)s (%(area)s): ongeldige geometrie"),
)
NO_GEOMETRY = Problem(
    "%(code)s: no geometry and no sub-areas with one",
    N_("%(code)s: geen geometrie en geen onderliggende gebieden met een geometrie"),
)
MUNICIPALITIES = Problem(
    "expected one municipality, found %(found)s",
    N_("het bestand moet precies één gemeente bevatten, gevonden: %(found)s"),
)
UNKNOWN_CRS = Problem(
    "the coordinate reference system %(crs)s is not supported; use WGS84 (no crs member) or"
    " RD New (urn:ogc:def:crs:EPSG::28992)",
    N_(
        "het coördinatenstelsel %(crs)s wordt niet ondersteund; gebruik WGS84 (geen crs-lid) of"
        " RD New (urn:ogc:def:crs:EPSG::28992)"
    ),
)

PROBLEMS = (
    NO_FEATURE_LIST,
    NOT_A_FEATURE,
    NO_CODE,
    NOT_A_CODE,
    DUPLICATE,
    NOT_AN_AREA,
    NO_RINGS,
    SHORT_RING,
    NOT_A_POSITION,
    OPEN_RING,
    NOT_WGS84,
    NOT_IN_NETHERLANDS,
    LOOKS_LIKE_RD,
    INVALID,
    NO_GEOMETRY,
    MUNICIPALITIES,
    UNKNOWN_CRS,
)


@dataclass(frozen=True)
class Bounds:
    """Where every position must lie, in WGS84 degrees, and what to say when one does not."""

    west: float
    south: float
    east: float
    north: float
    problem: Problem

    def __contains__(self, position: tuple[float, float]) -> bool:
        lon, lat = position
        return self.west <= lon <= self.east and self.south <= lat <= self.north


# Any WGS84 position: the least a file must satisfy.
WGS84 = Bounds(-180.0, -90.0, 180.0, 90.0, NOT_WGS84)
# The European Netherlands with its territorial sea, where every CBS gemeente, wijk and buurt
# lies (the country spans about 3.3-7.3 E and 50.75-53.6 N; the margin keeps coastal waters).
NETHERLANDS = Bounds(2.5, 50.5, 7.5, 54.0, NOT_IN_NETHERLANDS)
# Where RD New coordinates of the Netherlands lie (metres), to recognise them without a crs member.
RD_RANGE = Bounds(-10_000.0, 280_000.0, 310_000.0, 660_000.0, LOOKS_LIKE_RD)

CRS_NAME = re.compile(r"(?:urn:ogc:def:crs:)?(EPSG|OGC)(?::[0-9.]*)?:(\w{1,20})")
ToWgs84 = Callable[[list[float], list[float]], tuple[Sequence[float], Sequence[float]]]


def read_areas(path: Path, *, within: Bounds = WGS84) -> list[Area]:
    """Return gemeente, wijk and buurt Areas; missing wijk/gemeente shapes are unions.

    `within`: where every position must lie after the transformation to WGS84 (the upload and
    the command pass NETHERLANDS)."""
    try:
        document = load_json(path)
    except DataFileError as error:
        raise AreaFileError(str(error)) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreaFileError(f"{path}: not a GeoJSON FeatureCollection")
    features = document.get("features") or []
    if not isinstance(features, list):
        raise AreaFileError(NO_FEATURE_LIST)
    return areas_from_features(features, within=within, to_wgs84=_to_wgs84(document.get("crs")))


def _to_wgs84(crs: Any) -> ToWgs84 | None:
    """The transformation the GeoJSON `crs` member asks for; None for WGS84 (the default)."""
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    found = CRS_NAME.fullmatch(name) if isinstance(name, str) else None
    shown = _shown(name if isinstance(name, str) else crs)
    if found is None:
        raise AreaFileError(UNKNOWN_CRS, crs=shown)
    try:
        source = CRS.from_user_input(f"{found.group(1)}:{found.group(2)}")
    except CRSError:
        raise AreaFileError(UNKNOWN_CRS, crs=shown) from None
    wgs84 = CRS.from_epsg(4326)
    if source.equals(wgs84, ignore_axis_order=True):
        return None  # GeoJSON positions are longitude, latitude whatever the crs says
    transformer = Transformer.from_crs(source, wgs84, always_xy=True)

    def transform(xs: list[float], ys: list[float]) -> tuple[Sequence[float], Sequence[float]]:
        lons, lats = transformer.transform(xs, ys)
        return list(lons), list(lats)

    return transform


def areas_from_features(
    features: list[dict[str, Any]], *, within: Bounds = WGS84, to_wgs84: ToWgs84 | None = None
) -> list[Area]:
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    geometries: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else []
        if not isinstance(props, dict | None):
            raise AreaFileError(NOT_A_FEATURE, number=number)
        code, name, parent = _classify(props or {}, number)
        _level(code)
        if code in seen:
            raise AreaFileError(
                DUPLICATE, number=number, area=_area(code, name), code=code, first=seen[code]
            )
        seen[code] = number
        names.setdefault(code, name)
        parents[code] = parent
        if feature.get("geometry") is not None:
            where = {"number": number, "area": _area(code, name)}
            geometries[code] = _geometry(feature["geometry"], where, within, to_wgs84)
    for parent in list(parents.values()):  # a buurt file may name wijken only by code
        while parent is not None and parent not in parents:
            parents[parent] = _parent_code(parent)
            names.setdefault(parent, parent)
            parent = parents[parent]
    for code in sorted(parents, key=len, reverse=True):  # buurt codes are longest
        if code not in geometries:
            children = [geometries[c] for c, p in parents.items() if p == code and c in geometries]
            if not children:
                raise AreaFileError(NO_GEOMETRY, code=code)
            geometries[code] = unary_union(children)
    roots = [c for c, p in parents.items() if p is None]
    if len(roots) != 1:
        raise AreaFileError(MUNICIPALITIES, found=sorted(roots))
    return [
        Area(
            code=code,
            name=names[code],
            level=_level(code),
            parent=parents[code],
            geometry=mapping(geometries[code]),
        )
        for code in sorted(parents)
    ]


def _area(code: str, name: str) -> str:
    """How a message names an area: its code, and its name when the file gives one."""
    return code if name == code else f"{code}, {name}"


def _shown(value: Any) -> str:
    """A value from the file as a message shows it (short)."""
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _geometry(
    geometry: Any, where: dict[str, Any], within: Bounds, to_wgs84: ToWgs84 | None
) -> BaseGeometry:
    """Check a GeoJSON geometry and return it as a shapely shape in WGS84."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        shown = kind if isinstance(kind, str) else type(geometry).__name__
        raise AreaFileError(NOT_AN_AREA, type=_shown(shown), **where)
    assert isinstance(geometry, dict)
    coordinates = geometry.get("coordinates")
    polygons: Any = [coordinates] if kind == "Polygon" else coordinates
    if not _nonempty_list(polygons) or not all(_nonempty_list(p) for p in polygons):
        raise AreaFileError(NO_RINGS, type=kind, **where)
    clean = [
        [
            _ring(ring, where | {"polygon": p, "ring": r}, within, to_wgs84)
            for r, ring in enumerate(rings, start=1)
        ]
        for p, rings in enumerate(polygons, start=1)
    ]
    geom = shape({"type": kind, "coordinates": clean if kind == "MultiPolygon" else clean[0]})
    if not geom.is_valid:
        raise AreaFileError(INVALID, **where)
    return geom


def _nonempty_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def _ring(
    ring: Any, where: dict[str, Any], within: Bounds, to_wgs84: ToWgs84 | None
) -> list[tuple[float, float]]:
    """Check one ring (closed, finite numbers) and return it in WGS84 inside `within`."""
    if not isinstance(ring, list) or len(ring) < 4:
        count = len(ring) if isinstance(ring, list) else 0
        raise AreaFileError(SHORT_RING, count=count, **where)
    points: list[tuple[float, float]] = []
    for position, value in enumerate(ring, start=1):
        if not (
            isinstance(value, list)
            and len(value) in (2, 3)
            and all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
            and all(math.isfinite(n) for n in value)
        ):
            raise AreaFileError(NOT_A_POSITION, position=position, value=_shown(value), **where)
        points.append((float(value[0]), float(value[1])))
    if points[0] != points[-1]:
        raise AreaFileError(OPEN_RING, first=list(points[0]), last=list(points[-1]), **where)
    if to_wgs84 is None:
        wgs = points
    else:
        lons, lats = to_wgs84([x for x, _ in points], [y for _, y in points])
        wgs = [(round(lon, 7), round(lat, 7)) for lon, lat in zip(lons, lats, strict=True)]
    for original, point in zip(points, wgs, strict=True):
        if not (all(math.isfinite(n) for n in point) and point in WGS84 and point in within):
            bounds = within if point in WGS84 else WGS84
            if to_wgs84 is None and original in RD_RANGE:
                bounds = RD_RANGE
            raise AreaFileError(
                bounds.problem,
                value=list(original),
                west=bounds.west,
                south=bounds.south,
                east=bounds.east,
                north=bounds.north,
                **where,
            )
    return wgs


def _classify(props: dict[str, Any], number: int) -> tuple[str, str, str | None]:
    if props.get("buurtcode"):
        code = str(props["buurtcode"])
        parent = str(props.get("wijkcode") or _parent_code(code))
        return code, str(props.get("buurtnaam") or code), parent
    if props.get("wijkcode"):
        code = str(props["wijkcode"])
        parent = str(props.get("gemeentecode") or _parent_code(code))
        return code, str(props.get("wijknaam") or code), parent
    if props.get("gemeentecode"):
        code = str(props["gemeentecode"])
        return code, str(props.get("gemeentenaam") or code), None
    raise AreaFileError(NO_CODE, number=number)


def _parent_code(code: str) -> str | None:
    """Return the CBS parent code: BU03630102 → WK036301 → GM0363 → None."""
    if code.startswith("BU") and len(code) == 10:
        return "WK" + code[2:8]
    if code.startswith("WK") and len(code) == 8:
        return "GM" + code[2:6]
    if code.startswith("GM"):
        return None
    raise AreaFileError(NOT_A_CODE, code=_shown(code))


CODE_PATTERN = re.compile(r"GM[0-9]{4}|WK[0-9]{6}|BU[0-9]{8}")


def _level(code: str) -> AreaLevel:
    if not CODE_PATTERN.fullmatch(code):
        raise AreaFileError(NOT_A_CODE, code=_shown(code))
    return {
        "BU": AreaLevel.NEIGHBOURHOOD,
        "WK": AreaLevel.DISTRICT,
        "GM": AreaLevel.MUNICIPALITY,
    }[code[:2]]
