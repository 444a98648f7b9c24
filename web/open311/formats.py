"""Open311's side of the conversation: the services catalogue, answers in JSON or XML, the
error list, and how an initiative (a view row) and a schema error read in GeoReport v2 terms.
The views (web/open311/__init__.py) decide what to answer; this module says how it looks."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Response, request
from flask_babel import force_locale
from shapely.geometry import Point, shape

from participatie.application.schemas import flatten
from participatie.domain.themes import Theme, ThemeCatalogue
from participatie.maps.geo import AreaIndex
from participatie.views.model import Row
from web.context import container
from web.i18n import OUTCOMES, STATUS
from web.links import public_url_for

TITLE_LENGTH = 60

# Open311's services are the active themes of the municipality's current list: service_name is
# the theme's Dutch label, description, keywords and group come with the theme.

# Where a SubmissionSchema error lands among the Open311 arguments.
FIELDS = {
    "initiator.name": "first_name/last_name",
    "initiator.email": "email",
    "initiator.phone": "phone",
    "title": "description",
    "description": "description",
    "themes": "service_code",
    "location.lat": "lat",
    "location.lon": "long",
    "location.area_code": "address_id",
}
# POST arguments in the order errors are listed.
ARGUMENTS = (
    "service_code",
    "lat",
    "long",
    "address_id",
    "address_string",
    "email",
    "first_name/last_name",
    "phone",
    "description",
)
# XML: the element name of each item in a list.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    """A refusal in the Open311 error format; each message starts with the field it is about."""

    def __init__(self, status: int, *messages: str, allow: tuple[str, ...] = ()) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = messages
        self.allow = allow  # a 405 names the methods that work (its Allow header)


# -- output --------------------------------------------------------------------------------------

# What XML 1.0 does not allow in a document (and lone surrogates, which UTF-8 cannot encode):
# whatever was stored, each becomes U+FFFD, so every answer stays well-formed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, Mapping):
        element.extend(xml_element(key, inner) for key, inner in value.items())
    elif isinstance(value, list):
        element.extend(xml_element(ITEMS[tag], inner) for inner in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))
    return element


def reply(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """`body` as JSON, or as XML under `root` (lists become one element per item)."""
    if fmt == "xml":
        text = ET.tostring(xml_element(root, body), encoding="unicode")
        return Response(
            f'<?xml version="1.0" encoding="UTF-8"?>\n{text}'.encode(),
            status,
            content_type="text/xml; charset=utf-8",
        )
    return Response(
        # JSON escapes control characters; a lone surrogate becomes "?" instead of failing.
        json.dumps(body, ensure_ascii=False).encode("utf-8", "replace"),
        status,
        content_type="application/json; charset=utf-8",
    )


def requested_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


def error_list(status: int, messages: Iterable[str], allow: Iterable[str] = ()) -> Response:
    body = [{"code": status, "description": message} for message in messages]
    response = reply(requested_format(), "errors", body, status)
    if allow:
        response.headers["Allow"] = ", ".join(sorted(allow))
    return response


def dutch(label: Any) -> str:
    """A catalogue label in Dutch, whatever language the caller's cookie asks for."""
    with force_locale("nl"):
        return str(label)


def w3c(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- services and requests -----------------------------------------------------------------------


def service(theme: Theme) -> dict[str, Any]:
    return {
        "service_code": theme.code,
        "service_name": theme.nl,
        "description": theme.description,
        "metadata": False,
        "type": "realtime",
        "keywords": theme.keywords,
        "group": theme.group,
    }


def themes() -> ThemeCatalogue:
    return container().app.theme_list()


def title_of(description: str, service_code: str) -> str:
    """The first 60 characters of the description (a Dutch default when too short)."""
    text = " ".join(description.split())
    if len(text) < 5:
        return f"Melding via Open311: {themes().label(service_code, 'nl')}"
    if len(text) <= TITLE_LENGTH:
        return text
    return text[: TITLE_LENGTH - 1].rstrip() + "…"


def field_messages(messages: Mapping[str, Any]) -> list[str]:
    """The schema's messages as 'open311_argument: message', one per argument, in order."""
    found: dict[str, str] = {}
    # The title is cut from the description: its own message counts only when the description
    # has none (it would confuse), so it is looked at last.
    in_order = sorted(flatten(messages), key=lambda item: item[0][:1] == ("title",))
    for keys, message in in_order:
        # a list's item errors belong to the list's field
        path = ".".join(k for k in keys if isinstance(k, str))
        path = path.removesuffix("._schema")
        field = FIELDS.get(path, path.rsplit(".", 1)[-1])
        found.setdefault(field, f"{field}: {message}")
    rank = {name: i for i, name in enumerate(ARGUMENTS)}
    return [found[f] for f in sorted(found, key=lambda f: rank.get(f, len(rank)))]


class Places:
    """A point per area (inside it), computed once per response."""

    def __init__(self, index: AreaIndex) -> None:
        self.index = index
        self.points: dict[str, tuple[float, float] | None] = {}

    def point(self, code: str) -> tuple[float, float] | None:
        if code not in self.points:
            area = self.index.areas.get(code)
            found = None
            if area is not None and area.geometry:
                geometry = shape(area.geometry)
                inside: Point = geometry.centroid
                if not geometry.covers(inside):
                    inside = geometry.representative_point()
                found = (round(inside.y, 6), round(inside.x, 6))
            self.points[code] = found
        return self.points[code]


def status_notes(row: Row) -> str:
    notes = dutch(STATUS.get(row.status, row.status))
    if row.decision_published and row.outcome:
        notes += f". Uitkomst: {dutch(OUTCOMES.get(row.outcome, row.outcome)).lower()}"
        if row.published and row.rationale:
            notes += f". {row.rationale}"
    return notes


def service_request(
    row: Row, teams: dict[str, str], places: Places, labels: ThemeCatalogue
) -> dict[str, Any]:
    code = row.themes[0] if row.themes else ""
    point = places.point(row.area_code)
    if row.published:
        location = container().app.get_initiative(UUID(row.id)).location
        if location.lat is not None and location.lon is not None:  # a point was given
            point = (location.lat, location.lon)
    area = places.index.areas.get(row.area_code)
    return {
        "service_request_id": row.id,
        "status": "open" if row.is_open else "closed",
        "status_notes": status_notes(row),
        "service_name": labels.label(code, "nl"),
        "service_code": code,
        "description": (row.public_description or "") if row.published else "",
        "agency_responsible": teams.get(row.lead_team, row.lead_team) if row.lead_team else "",
        "service_notice": "",
        "requested_datetime": w3c(row.submitted_at),
        "updated_datetime": w3c(row.last_activity),
        "expected_datetime": None,
        "address": area.name if area is not None else "",
        "address_id": row.area_code,
        "zipcode": "",
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "media_url": _media_url(row),
    }


def _media_url(row: Row) -> str:
    """The address of the first photo the public sees, or nothing."""
    if not row.published or not row.public_photos:
        return ""
    return public_url_for("public.photo", initiative_id=row.id, position=row.public_photos[0])
