"""Reads the CBS/PDOK "wijken en buurten" GeoJSON format into a hierarchy of Areas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel
from participatie.infra.datafiles import DataFileError, load_json


class AreaFileError(ValueError):
    """The GeoJSON file is not a usable wijken-en-buurten file; the message says where."""


def read_areas(path: Path) -> list[Area]:
    """Return gemeente, wijk and buurt Areas; missing wijk/gemeente shapes are unions."""
    try:
        document = load_json(path)
    except DataFileError as error:
        raise AreaFileError(str(error)) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreaFileError(f"{path}: not a GeoJSON FeatureCollection")
    return areas_from_features(document.get("features") or [])


def areas_from_features(features: list[dict[str, Any]]) -> list[Area]:
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    geometries: dict[str, Any] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code, name, parent = _classify(props, number)
        _level(code)
        names.setdefault(code, name)
        parents[code] = parent
        if feature.get("geometry"):
            geom = shape(feature["geometry"])
            if not geom.is_valid:
                raise AreaFileError(f"feature {number} ({code}): invalid geometry")
            geometries[code] = geom
    for parent in list(parents.values()):  # a buurt file may name wijken only by code
        while parent is not None and parent not in parents:
            parents[parent] = _parent_code(parent)
            names.setdefault(parent, parent)
            parent = parents[parent]
    for code in sorted(parents, key=len, reverse=True):  # buurt codes are longest
        if code not in geometries:
            children = [geometries[c] for c, p in parents.items() if p == code and c in geometries]
            if not children:
                raise AreaFileError(f"{code}: no geometry and no sub-areas with one")
            geometries[code] = unary_union(children)
    roots = [c for c, p in parents.items() if p is None]
    if len(roots) != 1:
        raise AreaFileError(f"expected one municipality, found {sorted(roots)}")
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
    raise AreaFileError(f"feature {number}: no buurtcode, wijkcode or gemeentecode")


def _parent_code(code: str) -> str | None:
    """Return the CBS parent code: BU03630102 → WK036301 → GM0363 → None."""
    if code.startswith("BU") and len(code) == 10:
        return "WK" + code[2:8]
    if code.startswith("WK") and len(code) == 8:
        return "GM" + code[2:6]
    if code.startswith("GM"):
        return None
    raise AreaFileError(f"{code}: not a CBS area code")


CODE_PATTERN = re.compile(r"GM[0-9]{4}|WK[0-9]{6}|BU[0-9]{8}")


def _level(code: str) -> AreaLevel:
    if not CODE_PATTERN.fullmatch(code):
        raise AreaFileError(f"{code}: not a CBS area code")
    return {
        "BU": AreaLevel.NEIGHBOURHOOD,
        "WK": AreaLevel.DISTRICT,
        "GM": AreaLevel.MUNICIPALITY,
    }[code[:2]]
