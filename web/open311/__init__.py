"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under `/open311/v2`.

Every resource answers in `.json` and `.xml`; errors use the Open311 error list
(`[{"code": 400, "description": "field: message"}]`, or `<errors><error>…` in XML) with the same
HTTP status. Choices where the specification leaves room:

- Services are the themes: `service_code` is the theme code, `service_name` its Dutch label.
  They carry no extra attributes (`metadata` false), so a known service's definition has an empty
  `attributes` list and an unknown code is a 404.
- `POST requests` (form-encoded) creates an initiative from a resident: the location is `lat` and
  `long` (placed in a buurt; a point outside the municipality is refused), or `address_id` holding
  an area code (a CBS buurt, wijk or municipality code), or `address_string` holding the exact
  name or code of an area (no street geocoding). `email` and a first or last name are required
  because every initiator needs them; `attribute[...]`, `media_url` (the platform fetches no
  address a client names; photos come through the form or the JSON API), `device_id` and
  `account_id` are ignored, as is `jurisdiction_id` (one endpoint serves one municipality). The
  title is the start of the description; nothing is published (no consent is asked through
  Open311), so the request is in no list of `GET requests`; asked for by its id it is found,
  without any text and with the buurt's point only. The answer holds the
  initiative id as `service_request_id` (no token step) with status 200. When
  `PARTICIPATIE_OPEN311_API_KEY` is set, a missing or wrong `api_key` is a 403.
- `GET requests` lists every published initiative (its initiator agreed to publish it and a
  moderator approved or redacted its text; see README, *Moderation*),
  whatever channel it came through, newest first, at most 1000; one without consent is in no
  list (so its id is revealed nowhere), but found by its id. `service_code` (an initiative's first
  theme), `status` (open/closed) and the `requested_datetime` range (`start_date`/`end_date`,
  W3C date-times; a date alone means 00:00 UTC; by default the last 90 days; a range may span
  at most 90 days) filter; `service_request_id` (a comma list) overrides every other filter, as
  the specification says.
- Personal data never appears. `description` is the public text, given only once published;
  `lat`/`long` are the reported point only then too, otherwise a point inside the area (its
  centroid when that lies inside), which says no more than `address_id` already does.
  `address` is the area's name; `media_url` is the address of the first photo the public sees
  (after moderation), else empty; `zipcode`, `service_notice` and `expected_datetime` stay
  empty (the platform promises no completion date).
  `agency_responsible` is the lead team's name, empty until the workers have routed it;
  `status_notes` says in Dutch where the initiative stands (and the published outcome).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from participatie.application.schemas import SubmissionSchema
from participatie.domain.errors import DomainError
from participatie.domain.values import AreaLevel
from participatie.maps.geo import AreaIndex
from participatie.views.model import OPEN_STATUSES, Row
from participatie.views.queries import PUBLISHED
from participatie.views.store import LIVE, ROW_COLUMNS, row_from, stamp
from web.context import container
from web.i18n import accepted_language
from web.links import public_url_for
from web.open311.formats import (
    Open311Error,
    Places,
    error_list,
    field_messages,
    reply,
    service,
    service_request,
    themes,
    title_of,
)

PREFIX = "/open311/v2"
bp = Blueprint("open311", __name__, url_prefix=PREFIX)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00Z"  # change when the services or this endpoint change
FORMATS = ("text/xml", "application/json")
CHANNEL = "open311"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
MAX_SPAN = timedelta(days=90)
FORMAT = "<any(json, xml):fmt>"
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)


@bp.errorhandler(Open311Error)
def refused(error: Open311Error) -> Response:
    return error_list(error.status, error.messages, error.allow)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {
        400: "De aanvraag is niet te lezen.",
        404: "Deze bron bestaat niet.",
        405: "Deze methode kan hier niet.",
        413: "De aanvraag is te groot.",
    }
    allow = getattr(error, "valid_methods", None) or ()
    return error_list(status, [messages.get(status, "Er ging bij ons iets mis.")], allow)


for _code in (400, 404, 405, 413, 500):
    # Per status: the application's own (HTML) handlers for these codes would win otherwise.
    bp.register_error_handler(_code, _http_error)


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    """Anything else under the prefix: 405 for a known resource, else 404 (both as Open311)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in {"GET", "POST"} - {request.method}:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "open311.unknown":
            allow = ("GET", "HEAD", "OPTIONS") if method == "GET" else ("POST", "OPTIONS")
            raise Open311Error(405, f"Deze bron kent alleen {method}.", allow=allow)
    raise Open311Error(404, f"Onbekende bron: {PREFIX}/{rest}. Zie discovery.json.")


# -- helpers -------------------------------------------------------------------------------------


def _text(name: str) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value or None


def _base_url() -> str:
    """This endpoint's own address, on the public address (never the request's Host)."""
    return public_url_for("open311.services", fmt="json").removesuffix("/services.json")


def _municipality() -> str:
    try:
        return str(container().app.municipality()[1])
    except DomainError:
        return ""


# -- discovery and services ----------------------------------------------------------------------


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str) -> Response:
    name = _municipality()
    who = f"Gemeente {name}" if name else "De gemeente"
    base = _base_url()
    site = base.removesuffix(PREFIX) + "/"
    needs_key = bool(container().settings.open311_api_key)
    body = {
        "changeset": CHANGESET,
        "contact": f"{who}, via {site}",
        "key_service": (
            f"{who} geeft een api_key voor het indienen (POST requests): vraag erom via {site}"
            if needs_key
            else "Voor deze koppeling is geen api_key nodig."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }
    return reply(fmt, "discovery", body)


@bp.get(f"/services.{FORMAT}")
def services(fmt: str) -> Response:
    return reply(fmt, "services", [service(theme) for theme in themes().active])


@bp.get(f"/services/<code>.{FORMAT}")
def service_definition(code: str, fmt: str) -> Response:
    if code not in themes().active_codes:
        raise Open311Error(404, f"service_code: '{code}' bestaat niet. Zie services.{fmt}.")
    return reply(fmt, "service_definition", {"service_code": code, "attributes": []})


# -- POST requests -------------------------------------------------------------------------------


def _check_api_key() -> None:
    expected = container().settings.open311_api_key
    if not expected:
        return
    given = request.form.get("api_key") or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Open311Error(403, "api_key: ontbreekt of is onjuist.")


def _area_named(index: AreaIndex, text: str) -> str | None:
    """The code of the area whose name or code is `text` (case and spaces do not matter)."""
    wanted = " ".join(text.split()).casefold()
    buurten_first = sorted(
        index.areas.values(), key=lambda a: (a.level is not AreaLevel.NEIGHBOURHOOD, a.code)
    )
    for area in buurten_first:
        if wanted in (area.code.casefold(), area.name.casefold()):
            return area.code
    return None


def _location(index: AreaIndex) -> dict[str, Any]:
    lat, lon = _text("lat"), _text("long")
    if lat is not None or lon is not None:
        return {"lat": lat, "lon": lon}  # the schema checks both are there and numbers
    address_id = _text("address_id")
    if address_id is not None:
        return {"area_code": address_id}
    address = _text("address_string")
    if address is not None:
        code = _area_named(index, address)
        if code is None:
            raise Open311Error(
                400,
                "address_string: dit adres kunnen we niet plaatsen; geef de naam van een buurt"
                " of wijk, of lat en long, of een gebiedscode als address_id.",
            )
        return {"area_code": code}
    raise Open311Error(
        400, "lat/long: geef lat en long, of een gebiedscode als address_id, of address_string."
    )


@bp.post(f"/requests.{FORMAT}")
def create_request(fmt: str) -> Response:
    _check_api_key()
    service_code = _text("service_code")
    if service_code is None:
        raise Open311Error(400, "service_code: verplicht; kies een code uit services.json.")
    if service_code not in themes().active_codes:
        raise Open311Error(
            400, f"service_code: '{service_code}' bestaat niet; kies een code uit services.{fmt}."
        )
    app = container().app
    index = app.area_index()
    name = " ".join(part for part in (_text("first_name"), _text("last_name")) if part)
    initiator = {"kind": "resident", "name": name or None, "email": _text("email")}
    phone = _text("phone")
    if phone is not None:
        initiator["phone"] = phone
    description = (request.form.get("description") or "").strip()
    data = {
        "initiator": initiator,
        "title": title_of(description, service_code),
        "description": description,
        "themes": [service_code],
        "location": _location(index),
        "consent_to_publish": False,
    }
    try:
        clean = SubmissionSchema(index, app.theme_list().active_codes).load_submission(data)
    except ValidationError as error:
        raise Open311Error(400, *field_messages(error.normalized_messages())) from None
    submission = app.submit({**clean, "language": accepted_language()}, channel=CHANNEL)
    current_app.logger.info("open311 request stored as %s", submission.initiative_id)
    body = [
        {
            "service_request_id": str(submission.initiative_id),
            "service_notice": (
                "Uw initiatief is ontvangen. Het gaat naar het team dat erover gaat; volg de"
                " status met dit service_request_id."
            ),
            "account_id": None,
        }
    ]
    return reply(fmt, "service_requests", body)


# -- GET requests --------------------------------------------------------------------------------


def _moment(name: str) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            moment: datetime | None = datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Open311Error(
            400,
            f"{name}: gebruik een W3C-datum met tijdzone, zoals 2026-01-31T00:00:00Z"
            " (of alleen 2026-01-31).",
        )
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 lies before the first UTC moment
        moment = None
    # Within these bounds the default span (MAX_SPAN) can be added or taken off without
    # leaving the calendar Python can count in.
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise Open311Error(
            400, f"{name}: kies een moment tussen {EARLIEST:%Y-%m-%d} en {LATEST:%Y-%m-%d}."
        )
    return moment


def _listed(name: str, allowed: Iterable[str]) -> list[str]:
    allowed = tuple(allowed)
    values = [v.strip() for v in (request.args.get(name) or "").split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise Open311Error(
            400, f"{name}: '{wrong[0]}' kennen we niet; kies uit {', '.join(allowed)}."
        )
    return values


def _rows(
    ids: list[str] | None = None,
    codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Row]:
    """Initiatives from the views, newest first, at most MAX_REQUESTS.

    A list shows only what is public (queries.PUBLISHED): an initiative without consent to
    publish is in no list, so its id is revealed nowhere. Asked for by its id (which only the
    client that posted it, or staff, can know: ids are random), it is found, without any text
    (`service_request` leaves out description, rationale and the reported point): a GeoReport
    client must be able to follow the request it posted, and Open311 posts ask no consent.
    """
    views = container().views
    where: list[str] = [] if ids is not None else [PUBLISHED]
    params: list[Any] = []
    if ids is not None:
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    if codes:
        # service_code is an initiative's first theme: the whole list, or its first item.
        where.append(
            "(" + " OR ".join("themes = ? OR substr(themes, 1, ?) = ?" for _ in codes) + ")"
        )
        for code in codes:
            params.extend([code, len(code) + 1, f"{code},"])
    if statuses and set(statuses) != {"open", "closed"}:
        marks = ", ".join("?" * len(OPEN_STATUSES))
        where.append(f"status {'IN' if set(statuses) == {'open'} else 'NOT IN'} ({marks})")
        params.extend(OPEN_STATUSES)
    if start is not None:
        where.append("submitted_at >= ?")
        params.append(stamp(start))
    if end is not None:
        where.append("submitted_at <= ?")
        params.append(stamp(end))
    statement = (
        f"SELECT {', '.join(ROW_COLUMNS)} FROM {views.table(LIVE, 'initiatives')}"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY submitted_at DESC, id LIMIT ?"
    )
    with views.cursor(commit=False) as c:
        c.execute(views.sql(statement), [*params, MAX_REQUESTS])
        return [row_from(tuple(r)) for r in c.fetchall()]


def _requests_reply(fmt: str, rows: list[Row]) -> Response:
    app = container().app
    teams = {team.code: team.name for team in app.teams()}
    places = Places(app.area_index())
    labels = app.theme_list()
    answers = [service_request(row, teams, places, labels) for row in rows]
    return reply(fmt, "service_requests", answers)


@bp.get(f"/requests.{FORMAT}")
def list_requests(fmt: str) -> Response:
    ids = [i.strip() for i in (request.args.get("service_request_id") or "").split(",")]
    ids = [i for i in ids if i]
    if ids:
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(
                400, f"service_request_id: hoogstens {MAX_REQUESTS} ids in één aanvraag."
            )
        known = [i for i in ids if _is_id(i)]  # anything else names no initiative
        # ids override every other filter
        return _requests_reply(fmt, _rows(ids=known) if known else [])
    codes = _listed("service_code", themes().codes)
    statuses = _listed("status", ("open", "closed"))
    start, end = _moment("start_date"), _moment("end_date")
    if start is None and end is None:
        end = datetime.now(tz=UTC)
        start = end - timedelta(days=DEFAULT_DAYS)
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date: ligt vóór start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "end_date: een periode beslaat hoogstens 90 dagen.")
    return _requests_reply(fmt, _rows(codes=codes, statuses=statuses, start=start, end=end))


def _is_id(text: str) -> bool:
    try:
        return str(UUID(text)) == text
    except ValueError:
        return False


@bp.get(f"/requests/<request_id>.{FORMAT}")
def get_request(request_id: str, fmt: str) -> Response:
    rows = _rows(ids=[request_id]) if _is_id(request_id) else []
    if not rows:
        raise Open311Error(404, f"service_request_id: '{request_id}' bestaat niet.")
    return _requests_reply(fmt, rows)
