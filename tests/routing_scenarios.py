"""Routing scenarios on the demo municipality Lindewaard, shared by the routing tests.

Each expectation is written down by hand from the demo rulebook (participatie/demo/data), not
computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape

from participatie.domain.values import AreaLevel
from participatie.maps.geo import AreaIndex

BUSINESS = {
    "kind": "business",
    "name": "Ilse Bakker",
    "email": "ilse@example.org",
    "kvk_number": "12345678",
    "organisation_name": "Bakkerij Bakker",
}

SCENARIOS = [
    # area, themes, business?, expected rule, lead, involved
    ("BU99990104", ["groen"], False, "wijk-centrum", "gebiedsteam-centrum", []),
    ("BU99990103", ["verkeer"], False, "buurt-stationskwartier-verkeer", "lijn-verkeer", None),
    ("WK999903", ["verkeer"], False, "verkeer-molenkwartier", "lijn-verkeer", None),
    ("BU99990304", ["wonen"], False, "buurt-bleekveld-wonen", "lijn-wonen", None),
    (
        "WK999904",
        ["openbare_ruimte"],
        False,
        "openbare-ruimte-lindepark",
        "lijn-openbare-ruimte",
        None,
    ),
    ("WK999902", ["groen"], False, "wijk-oude-haven", "gebiedsteam-oude-haven", []),
    ("BU99990103", ["jeugd"], False, "opgave-veilig-opgroeien", "opgaveteam-jeugd", None),
    ("BU99990202", ["energie"], False, "opgave-energietransitie", "opgaveteam-energie", None),
    (
        "BU99990302",
        ["armoede"],
        False,
        "opgave-bestaanszekerheid",
        "opgaveteam-bestaanszekerheid",
        None,
    ),
    (
        "BU99990401",
        ["groen"],
        False,
        "opgave-klimaatadaptatie",
        "opgaveteam-klimaatadaptatie",
        None,
    ),
    (
        "BU99990204",
        ["ondernemen"],
        True,
        "ondernemers-ondernemersloket",
        "lijn-economische-zaken",
        None,
    ),
    ("BU99990204", ["ondernemen"], False, "wijk-oude-haven", "gebiedsteam-oude-haven", []),
    (
        "BU99990203",
        ["ondernemen"],
        True,
        "buurt-havenfront-ondernemen",
        "lijn-economische-zaken",
        None,
    ),
    ("GM9999", ["cultuur"], False, None, "regie", []),
]

# Rulebook 2026-2 for the version-change scenario: the demo rulebook plus one buurt rule.
V2_RULE = {
    "id": "buurt-marktkwartier-groen",
    "description": "Groen in het Marktkwartier gaat voortaan naar Openbare Ruimte",
    "priority": 60,
    "match": {"areas": ["BU99990104"], "themes": ["groen"]},
    "lead": "lijn-openbare-ruimte",
}
# (area, themes) whose expectation changes under 2026-2: (rule, lead).
V2_CHANGES = {("BU99990104", ("groen",)): ("buurt-marktkwartier-groen", "lijn-openbare-ruimte")}


@dataclass(frozen=True)
class Scenario:
    name: str
    location: dict[str, Any]
    themes: list[str]
    business: bool
    rule: str | None
    lead: str
    area: str  # the buurt or area the location must resolve to

    def expected(self, rulebook_version: str) -> tuple[str | None, str]:
        if rulebook_version == "2026-2":
            return V2_CHANGES.get((self.area, tuple(self.themes)), (self.rule, self.lead))
        return self.rule, self.lead


def scenarios(index: AreaIndex) -> list[Scenario]:
    """Area-code scenarios, the same ones as points inside each buurt, and a border point."""
    found: list[Scenario] = []
    for area, themes, business, rule, lead, _ in SCENARIOS:
        found.append(
            Scenario(f"{area} {themes}", {"area_code": area}, themes, business, rule, lead, area)
        )
        if index.level(area) is AreaLevel.NEIGHBOURHOOD:
            inside = shape(index.areas[area].geometry).representative_point()
            found.append(
                Scenario(
                    f"punt in {area} {themes}",
                    {"lat": inside.y, "lon": inside.x},
                    themes,
                    business,
                    rule,
                    lead,
                    area,
                )
            )
    # A point on the border of BU99990104 (wijk Centrum) and BU99990401 (wijk Lindepark, a focus
    # buurt of klimaatadaptatie). It must resolve to the lower code, BU99990104, so the wijk rule
    # of Centrum applies; resolving to BU99990401 would send it to the challenge team instead.
    # A vertex both outlines share lies exactly on the border (no rounding).
    shared = sorted(_vertices(index, "BU99990104") & _vertices(index, "BU99990401"))
    lon, lat = shared[len(shared) // 2]
    found.append(
        Scenario(
            "punt op de grens BU99990104/BU99990401",
            {"lat": lat, "lon": lon},
            ["groen"],
            False,
            "wijk-centrum",
            "gebiedsteam-centrum",
            "BU99990104",
        )
    )
    return found


def _vertices(index: AreaIndex, code: str) -> set[tuple[float, float]]:
    geometry = shape(index.areas[code].geometry)
    polygons = getattr(geometry, "geoms", [geometry])
    return {tuple(xy) for polygon in polygons for xy in polygon.exterior.coords}  # type: ignore[misc]
