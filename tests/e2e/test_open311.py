"""Open311 GeoReport v2 under /open311/v2, in JSON and XML, against the specification's fields.

The field lists below are those of http://wiki.open311.org/GeoReport_v2, in its order; every
response is checked against them, in both formats.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.commands import Merge, Withdraw
from participatie.domain.values import Actor, Role, Status
from tests.conftest import REDIS_URL, submission
from tests.e2e.conftest import Site, make_site
from tests.services import Processes, drop_queue, redis_for_test, unique_queue, wait_until
from web import open311

# The starting theme list, written out by hand.
THEMES = (
    "groen", "energie", "verkeer", "veiligheid", "wonen", "armoede",
    "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
)  # fmt: skip


BASE = "/open311/v2"
FORMATS = ("json", "xml")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# GeoReport v2 field lists (wiki.open311.org/GeoReport_v2 and its Service Discovery page).
DISCOVERY_FIELDS = ("changeset", "contact", "key_service", "endpoints")
ENDPOINT_FIELDS = ("specification", "url", "changeset", "type", "formats")
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
DEFINITION_FIELDS = ("service_code", "attributes")
CREATED_FIELDS = ("service_request_id", "service_notice", "account_id")
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
ERROR_FIELDS = ("code", "description")
W3C = "%Y-%m-%dT%H:%M:%SZ"

CANARY = "kanarie.open311@example.org"
PHONE = "06-99887766"
FIRST, LAST = "Korneel", "Kanariepiet"
DESCRIPTION = (
    "Op de hoek van de Kerkstraat is een boom omgewaaid; wij willen er met de buren een"
    " nieuwe boom en een plantenbak neerzetten."
)
KERKBUURT_POINT = ("52.084964", "5.104045")  # in buurt BU99990101 (Kerkbuurt)


def form(**overrides: Any) -> dict[str, str]:
    data = {
        "service_code": "groen",
        "lat": KERKBUURT_POINT[0],
        "long": KERKBUURT_POINT[1],
        "email": CANARY,
        "first_name": FIRST,
        "last_name": LAST,
        "phone": PHONE,
        "description": DESCRIPTION,
        "media_url": "https://example.org/foto.jpg",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- reading both formats into the same shape ----------------------------------------------------
#
# JSON is read as it is. XML is read into the same shape: an element with children becomes a
# dict (or, for a list element, a list of its children), a leaf its text. So `fields` checks the
# element order in XML as much as the key order in JSON.


def _xml_value(element: ET.Element, lists: frozenset[str]) -> Any:
    children = list(element)
    if element.tag in lists:
        return [_xml_value(child, lists) for child in children]
    if not children:
        return element.text or ""
    pairs = [(child.tag, _xml_value(child, lists)) for child in children]
    assert len({tag for tag, _ in pairs}) == len(pairs), f"repeated element in {element.tag}"
    return dict(pairs)


XML_LISTS = {
    # root or list element → the element name of each item
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}


def read(response: Any, fmt: str, root: str) -> Any:
    """The body, checked for its content type (and in XML its declaration and element names)."""
    assert response.content_type == CONTENT_TYPES[fmt]
    text = response.get_data(as_text=True)
    if fmt == "json":
        return json.loads(text)
    assert text.startswith(XML_DECLARATION + "\n"), text[:80]
    document = ET.fromstring(text.encode())
    assert document.tag == root

    def check_items(element: ET.Element) -> None:
        if element.tag in XML_LISTS:
            assert {child.tag for child in element} <= {XML_LISTS[element.tag]}, element.tag
        for child in element:
            check_items(child)

    check_items(document)
    return _xml_value(document, frozenset(XML_LISTS))


def fields(item: dict[str, Any]) -> list[str]:
    return list(item)


def as_xml_text(value: Any) -> Any:
    """What a JSON value looks like in the XML answer."""
    if isinstance(value, dict):
        return {key: as_xml_text(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [as_xml_text(inner) for inner in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def errors_of(response: Any, fmt: str) -> list[dict[str, Any]]:
    """The Open311 error list; each error has exactly a code and a description."""
    errors: list[dict[str, Any]] = read(response, fmt, "errors")
    assert errors, "an error response lists at least one error"
    for error in errors:
        assert fields(error) == list(ERROR_FIELDS)
        assert error["code"] == (
            response.status_code if fmt == "json" else str(response.status_code)
        )
    return errors


def get_requests(client: FlaskClient, fmt: str, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{BASE}/requests.{fmt}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    items: list[dict[str, Any]] = read(response, fmt, "service_requests")
    for item in items:
        assert fields(item) == list(REQUEST_FIELDS)
    return items


def ids_of(items: list[dict[str, Any]]) -> set[str]:
    return {item["service_request_id"] for item in items}


def post(client: FlaskClient, fmt: str = "json", **overrides: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data=form(**overrides))


def created_id(response: Any, fmt: str) -> UUID:
    assert response.status_code == 200, response.get_data(as_text=True)
    [item] = read(response, fmt, "service_requests")
    assert fields(item) == list(CREATED_FIELDS)
    assert item["account_id"] == (None if fmt == "json" else "")
    assert "ontvangen" in item["service_notice"]
    return UUID(item["service_request_id"])


def submitted_within(site: Site, start: datetime, end: datetime) -> set[str]:
    """What the event store says was submitted in [start, end] and may be published (with the
    initiator's consent): what Open311 may list (independent of the views)."""
    found = set()
    for initiative_id in site.app.initiative_ids():
        initiative = site.app.get_initiative(initiative_id)
        if start <= initiative.created_on <= end and initiative.consent_to_publish:
            found.add(str(initiative_id))
    return found


# -- discovery and services ----------------------------------------------------------------------


def both(client: FlaskClient, path: str, root: str) -> tuple[Any, Any]:
    """The JSON and the XML answer of `path`; the XML must say exactly what the JSON says."""
    answers = [client.get(f"{BASE}/{path}.{fmt}") for fmt in FORMATS]
    for response in answers:
        assert response.status_code == 200, response.get_data(as_text=True)
    data, xml = (read(response, fmt, root) for response, fmt in zip(answers, FORMATS, strict=True))
    assert xml == as_xml_text(data)
    return data, xml


def test_discovery_lists_this_endpoint_with_the_spec_fields(site: Site) -> None:
    data, xml = both(site.client(), "discovery", "discovery")
    for body in (data, xml):
        assert fields(body) == list(DISCOVERY_FIELDS)
        [endpoint] = body["endpoints"]
        assert fields(endpoint) == list(ENDPOINT_FIELDS)
    assert "Lindewaard" in data["contact"]
    assert "geen api_key" in data["key_service"]
    datetime.strptime(data["changeset"], W3C)
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    datetime.strptime(endpoint["changeset"], W3C)


def test_discovery_names_the_public_address_whatever_the_host_header(tmp_path: Path) -> None:
    site = make_site(
        Settings(var_dir=tmp_path / "var", public_url="https://participatie.example.nl")
    )
    try:
        response = site.client().get(f"{BASE}/discovery.json", headers={"Host": "evil.example"})
        data = read(response, "json", "discovery")
    finally:
        site.container.close()
    [endpoint] = data["endpoints"]
    assert endpoint["url"] == "https://participatie.example.nl/open311/v2"
    assert "evil.example" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("public_url", "secure", "mounted", "expected"),
    [
        # Mounted below a prefix, the public address holds it: it is not repeated.
        (
            "https://gemeente.example/participatie",
            False,
            "/participatie",
            "https://gemeente.example/participatie/open311/v2",
        ),
        # Cookies HTTPS-only: the site is behind TLS, so its links are https.
        ("http://participatie.example.nl", True, "", "https://participatie.example.nl/open311/v2"),
    ],
)
def test_discovery_on_a_prefix_or_behind_tls(
    tmp_path: Path, public_url: str, secure: bool, mounted: str, expected: str
) -> None:
    site = make_site(
        Settings(var_dir=tmp_path / "var", public_url=public_url), SESSION_COOKIE_SECURE=secure
    )
    try:
        response = site.client().get(
            f"{BASE}/discovery.json", environ_base={"SCRIPT_NAME": mounted}
        )
        data = read(response, "json", "discovery")
    finally:
        site.container.close()
    assert data["endpoints"][0]["url"] == expected


def test_services_are_the_themes_with_dutch_names(site: Site) -> None:
    data, xml = both(site.client(), "services", "services")
    for body in (data, xml):
        for service in body:
            assert fields(service) == list(SERVICE_FIELDS)
    assert [s["service_code"] for s in data] == list(THEMES)
    by_code = {s["service_code"]: s for s in data}
    assert by_code["groen"]["service_name"] == "Groen"
    assert by_code["openbare_ruimte"]["service_name"] == "Openbare ruimte"
    for service in data:
        assert service["metadata"] is False  # "false" in XML (checked by `both`)
        assert service["type"] == "realtime"
        assert service["description"] and service["group"]
        assert isinstance(service["keywords"], str) and "," in service["keywords"]


def test_services_answer_in_dutch_whatever_the_language_cookie(site: Site) -> None:
    client = site.client()
    client.set_cookie("taal", "en")
    names = [s["service_name"] for s in read(client.get(f"{BASE}/services.json"), "json", "")]
    assert "Openbare ruimte" in names


def test_a_service_definition_has_no_attributes(site: Site) -> None:
    data, xml = both(site.client(), "services/verkeer", "service_definition")
    assert fields(data) == fields(xml) == list(DEFINITION_FIELDS)
    assert data == {"service_code": "verkeer", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_404(site: Site, fmt: str) -> None:
    response = site.client().get(f"{BASE}/services/parkeerboete.{fmt}")
    assert response.status_code == 404
    [error] = errors_of(response, fmt)
    assert error["description"].startswith("service_code:")


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_resources_and_methods_answer_in_the_open311_format(site: Site, fmt: str) -> None:
    client = site.client()
    response = client.get(f"{BASE}/tokens/123.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)
    response = client.post(f"{BASE}/services.{fmt}")
    assert response.status_code == 405
    assert errors_of(response, fmt)


# -- POST requests -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_becomes_an_initiative_with_the_personal_data_sealed(
    site: Site, fmt: str
) -> None:
    before = site.events()
    initiative_id = created_id(post(site.client(), fmt), fmt)
    assert site.events() > before
    initiative = site.app.get_initiative(initiative_id)
    assert initiative.channel == "open311"
    assert initiative.status is Status.SUBMITTED
    assert initiative.themes == ["groen"]
    assert initiative.description == DESCRIPTION
    assert initiative.title == DESCRIPTION[:59].rstrip() + "…"
    assert len(initiative.title) <= 60
    assert initiative.consent_to_publish is False
    assert initiative.initiator_kind.value == "resident"
    assert initiative.location.area_code == "BU99990101"
    assert initiative.location.lat == pytest.approx(float(KERKBUURT_POINT[0]))
    assert site.app.personal_data(initiative_id) == {
        "name": f"{FIRST} {LAST}",
        "email": CANARY,
        "phone": PHONE,
    }
    stored = site.app.recorder.select_notifications(before + 1, 100)
    assert stored and all(n.originator_id != initiative_id or n.state for n in stored)
    for record in stored:  # sealed: the stored events hold none of it in clear
        for secret in (CANARY, LAST, PHONE):
            assert secret.encode() not in record.state


def test_an_area_code_as_address_id_or_an_area_name_as_address_string_places_it(
    site: Site,
) -> None:
    client = site.client()
    by_code = created_id(
        post(client, lat=None, long=None, address_id="BU99990202", description=DESCRIPTION),
        "json",
    )
    assert site.app.get_initiative(by_code).location.area_code == "BU99990202"
    by_name = created_id(post(client, lat=None, long=None, address_string="  kerkbuurt "), "json")
    assert site.app.get_initiative(by_name).location.area_code == "BU99990101"
    short = created_id(post(client, description="Een korte melding, maar lang genoeg."), "json")
    assert site.app.get_initiative(short).title == "Een korte melding, maar lang genoeg."


ERROR_CASES: dict[str, tuple[dict[str, str | None], str]] = {
    "missing service_code": ({"service_code": None}, "service_code"),
    "unknown service_code": ({"service_code": "grafitti"}, "service_code"),
    "description too short": ({"description": "Boom om."}, "description"),
    "point outside the municipality": ({"lat": "52.37", "long": "4.89"}, "lat"),
    "half a point": ({"long": None}, "long"),
    "no location": ({"lat": None, "long": None}, "lat/long"),
    "unknown area code": ({"lat": None, "long": None, "address_id": "BU00000000"}, "address_id"),
    "address that cannot be placed": (
        {"lat": None, "long": None, "address_string": "Kerkstraat 12"},
        "address_string",
    ),
    "missing email": ({"email": None}, "email"),
    "invalid email": ({"email": "geen-adres"}, "email"),
    "no name": ({"first_name": None, "last_name": None}, "first_name/last_name"),
    "invalid phone": ({"phone": "bel me"}, "phone"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ERROR_CASES)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    site: Site, case: str, fmt: str
) -> None:
    overrides, field = ERROR_CASES[case]
    before = site.app.recorder.max_notification_id()
    response = post(site.client(), fmt, **overrides)
    assert response.status_code == 400, response.get_data(as_text=True)
    errors = errors_of(response, fmt)
    assert [e["description"].split(":")[0] for e in errors] == [field], errors
    assert site.app.recorder.max_notification_id() == before


def test_several_bad_fields_are_each_named(site: Site) -> None:
    response = post(site.client(), email=None, description="kort", lat="52.37", long="4.89")
    assert response.status_code == 400
    fields = [e["description"].split(":")[0] for e in errors_of(response, "json")]
    assert fields == ["lat", "email", "description"]


@pytest.fixture
def keyed_site(tmp_path: Path) -> Iterator[Site]:
    built = make_site(Settings(var_dir=tmp_path / "var", open311_api_key="sleutel-van-de-app"))
    try:
        yield built
    finally:
        built.container.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_configured_api_key_is_required_to_post(keyed_site: Site, fmt: str) -> None:
    client = keyed_site.client()
    before = keyed_site.app.recorder.max_notification_id()
    for key in (None, "", "sleutel-van-een-ander"):
        response = post(client, fmt, api_key=key)
        assert response.status_code == 403
        [error] = errors_of(response, fmt)
        assert error["description"].startswith("api_key:")
    assert keyed_site.app.recorder.max_notification_id() == before
    created_id(post(client, fmt, api_key="sleutel-van-de-app"), fmt)
    # Reading needs no key; discovery says where to ask for one.
    assert client.get(f"{BASE}/requests.{fmt}").status_code == 200
    discovery = read(client.get(f"{BASE}/discovery.json"), "json", "discovery")
    assert "api_key" in discovery["key_service"]


def test_the_api_key_setting_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"PARTICIPATIE_OPEN311_API_KEY": " abc "})
    assert settings.open311_api_key == "abc"
    assert Settings.from_env(settings.as_environ()).open311_api_key == "abc"
    assert Settings.from_env({}).open311_api_key == ""


# -- GET requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_personal_data_never_appears_in_any_get(site: Site, fmt: str) -> None:
    client = site.client()
    initiative_id = str(created_id(post(client), "json"))
    site.project()
    bodies = [
        client.get(f"{BASE}/requests.{fmt}"),
        client.get(f"{BASE}/requests.{fmt}?service_request_id={initiative_id}"),
        client.get(f"{BASE}/requests.{fmt}?service_code=groen&status=open"),
        client.get(f"{BASE}/requests/{initiative_id}.{fmt}"),
    ]
    for response in bodies:
        text = response.get_data(as_text=True)
        for secret in (CANARY, "kanarie", PHONE, FIRST, LAST, DESCRIPTION[:30]):
            assert secret not in text, secret
    # Open311 asks no consent to publish: the request is in no list, not even its id; the
    # client that posted it follows it by its id, and sees no text and only the buurt.
    for response in (bodies[0], bodies[2]):
        assert initiative_id not in response.get_data(as_text=True)
    for response in (bodies[1], bodies[3]):
        assert response.status_code == 200
        [item] = read(response, fmt, "service_requests")
        assert item["service_request_id"] == initiative_id
        assert item["description"] == ""
        # Without consent the point is the buurt's, not the reported one.
        assert item["address_id"] == "BU99990101" and item["address"] == "Kerkbuurt"
        lat, lon = float(item["lat"]), float(item["long"])
        assert (lat, lon) != (float(KERKBUURT_POINT[0]), float(KERKBUURT_POINT[1]))
        assert site.app.area_index().locate(lat, lon) == "BU99990101"


def test_one_request_shows_status_team_area_and_published_description(site: Site) -> None:
    """A demo initiative with consent, routed: every field filled as far as we know it."""
    teams = {t.code: t.name for t in site.app.teams()}
    chosen = next(
        site.app.get_initiative(i)
        for i in site.app.initiative_ids()
        if site.app.get_initiative(i).consent_to_publish
        and site.app.get_initiative(i).location.is_point
        and site.app.get_initiative(i).status.value in ("routed", "in_progress")
    )
    data, xml = both(site.client(), f"requests/{chosen.id}", "service_requests")
    for body in (data, xml):
        [found] = body
        assert fields(found) == list(REQUEST_FIELDS)
    [item] = data
    assert item["service_request_id"] == str(chosen.id)
    assert item["status"] == "open"
    assert item["service_code"] == chosen.themes[0]
    services = read(site.client().get(f"{BASE}/services.json"), "json", "services")
    names = {service["service_code"]: service["service_name"] for service in services}
    assert item["service_name"] == names[chosen.themes[0]]
    assert item["description"] == chosen.description  # published: the initiator agreed
    assert item["agency_responsible"] == teams[chosen.lead_team]
    assert item["address_id"] == chosen.location.area_code
    assert item["address"] == site.app.area_index().name(chosen.location.area_code)
    assert item["lat"] == pytest.approx(chosen.location.lat)  # a JSON number
    assert item["long"] == pytest.approx(chosen.location.lon)
    assert item["requested_datetime"] == chosen.created_on.astimezone(UTC).strftime(W3C)
    assert datetime.strptime(item["updated_datetime"], W3C) >= datetime.strptime(
        item["requested_datetime"], W3C
    )
    assert item["expected_datetime"] is None
    assert item["status_notes"] in ("Doorgestuurd naar een team", "In behandeling")
    assert item["zipcode"] == item["media_url"] == item["service_notice"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(site: Site, fmt: str) -> None:
    response = site.client().get(f"{BASE}/requests/00000000-0000-0000-0000-000000000000.{fmt}")
    assert response.status_code == 404
    [error] = errors_of(response, fmt)
    assert error["description"].startswith("service_request_id:")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_initiative_without_consent_is_in_no_list_and_by_its_id_shows_no_text(
    site: Site, fmt: str
) -> None:
    now = datetime.now(tz=UTC)
    recent = [site.app.get_initiative(i) for i in site.app.initiative_ids()]
    hidden = [
        str(i.id)
        for i in recent
        if not i.consent_to_publish and i.created_on >= now - timedelta(days=90)
    ]
    assert hidden, "the demo has recent initiatives without consent"
    client = site.client()
    queries = ("", "?status=open,closed", "?service_code=groen", "?status=closed")
    listed = "".join(
        client.get(f"{BASE}/requests.{fmt}{query}").get_data(as_text=True) for query in queries
    )
    for ident in hidden:
        assert ident not in listed
    found = get_requests(client, fmt, f"?service_request_id={hidden[0]}")
    assert [(r["service_request_id"], r["description"]) for r in found] == [(hidden[0], "")]
    hidden_initiative = site.app.get_initiative(UUID(hidden[0]))
    body = client.get(f"{BASE}/requests/{hidden[0]}.{fmt}").get_data(as_text=True)
    assert hidden_initiative.title not in body and hidden_initiative.description[:30] not in body
    unknown = "00000000-0000-0000-0000-000000000000"
    response = client.get(f"{BASE}/requests/{unknown}.{fmt}")
    assert response.status_code == 404
    [error] = errors_of(response, fmt)
    assert error["description"] == f"service_request_id: '{unknown}' bestaat niet."


def test_the_request_list_says_the_same_in_xml_as_in_json(site: Site) -> None:
    data, xml = both(site.client(), "requests", "service_requests")
    assert len(data) > 10
    for body in (data, xml):
        for item in body:
            assert fields(item) == list(REQUEST_FIELDS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_by_default_the_last_90_days_newest_first(site: Site, fmt: str) -> None:
    now = datetime.now(tz=UTC)
    items = get_requests(site.client(), fmt)
    assert ids_of(items) == submitted_within(site, now - timedelta(days=90), now)
    assert 0 < len(items) < len(site.app.initiative_ids())  # the demo goes back further
    times = [item["requested_datetime"] for item in items]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_on_service_code(site: Site, fmt: str) -> None:
    now = datetime.now(tz=UTC)
    recent = submitted_within(site, now - timedelta(days=90), now)
    expected = {
        i for i in recent if site.app.get_initiative(UUID(i)).themes[0] in ("jeugd", "energie")
    }
    items = get_requests(site.client(), fmt, "?service_code=jeugd,energie")
    assert expected and ids_of(items) == expected
    assert {item["service_code"] for item in items} <= {"jeugd", "energie"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_on_status_maps_our_statuses_to_open_and_closed(site: Site, fmt: str) -> None:
    client = site.client()
    every = get_requests(client, fmt)
    withdrawn, merged = every[0]["service_request_id"], every[1]["service_request_id"]
    initiative = site.app.get_initiative(UUID(withdrawn))
    initiator = Actor.initiator(initiative.initiator.subject_id)
    site.app.act(initiative.id, Withdraw(reason="Zelf geregeld."), actor=initiator)
    regie = Actor(id="staff:regie", role=Role.REGIE, team="regie")
    into = UUID(every[2]["service_request_id"])
    site.app.act(UUID(merged), Merge(into=into, reason="Dubbel ingediend."), actor=regie)
    site.project()
    closed = get_requests(client, fmt, "?status=closed")
    assert ids_of(closed) == {withdrawn, merged}
    assert {item["status"] for item in closed} == {"closed"}
    notes = {item["service_request_id"]: item["status_notes"] for item in closed}
    assert notes[withdrawn].startswith("Ingetrokken")  # (and a decision, when one was published)
    assert notes[merged].startswith("Samengevoegd met een ander initiatief")
    opened = get_requests(client, fmt, "?status=open")
    assert ids_of(opened) == ids_of(every) - {withdrawn, merged}
    assert {item["status"] for item in opened} == {"open"}
    assert ids_of(get_requests(client, fmt, "?status=open,closed")) == ids_of(every)


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_on_dates(site: Site, fmt: str) -> None:
    now = datetime.now(tz=UTC)
    start = (now - timedelta(days=200)).replace(microsecond=0)
    end = (now - timedelta(days=130)).replace(microsecond=0)
    query = f"?start_date={start.strftime(W3C)}&end_date={end.isoformat()}".replace("+", "%2B")
    items = get_requests(site.client(), fmt, query)
    assert items and ids_of(items) == submitted_within(site, start, end)
    for item in items:
        assert start <= datetime.strptime(item["requested_datetime"], W3C).replace(tzinfo=UTC)
    only_start = get_requests(site.client(), fmt, f"?start_date={start.date().isoformat()}")
    day = datetime.combine(start.date(), datetime.min.time(), tzinfo=UTC)
    assert ids_of(only_start) == submitted_within(site, day, day + timedelta(days=90))


@pytest.mark.parametrize("fmt", FORMATS)
def test_ids_override_every_other_filter(site: Site, fmt: str) -> None:
    oldest, newest = site.app.initiative_ids()[0], site.app.initiative_ids()[-1]
    query = f"?service_request_id={oldest},{newest},bestaat-niet&status=closed&service_code=sport"
    items = get_requests(site.client(), fmt, query)
    assert ids_of(items) == {str(oldest), str(newest)}


def test_at_most_the_maximum_newest_first(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    every = get_requests(site.client(), "json")
    monkeypatch.setattr(open311, "MAX_REQUESTS", 3)
    assert get_requests(site.client(), "json") == every[:3]


BAD_FILTERS = {
    "status=pending": "status",
    "service_code=grafitti": "service_code",
    "start_date=gisteren": "start_date",
    "end_date=2026-01-01T00:00:00": "end_date",  # a W3C date-time has a time zone
    "start_date=2026-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z": "end_date",
    "start_date=2025-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z": "end_date",  # > 90 days
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", BAD_FILTERS)
def test_bad_filters_are_a_400_naming_the_filter(site: Site, query: str, fmt: str) -> None:
    response = site.client().get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 400
    [error] = errors_of(response, fmt)
    assert error["description"].split(":")[0] == BAD_FILTERS[query]


# -- routed by the real workers ------------------------------------------------------------------


@pytest.mark.slow
def test_a_request_is_routed_by_the_workers_and_shows_its_lead_team(tmp_path: Path) -> None:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as redis_url:
        queue = unique_queue()
        settings = Settings(
            var_dir=tmp_path / "var", redis_url=redis_url, queue_name=queue, reconcile_after=5
        )
        site = make_site(settings)
        processes = Processes(settings.as_environ(), tmp_path / "logs")
        try:
            client = site.client()
            # Through the API, with consent to publish: what Open311 may show.
            data = submission(themes=["energie"], location={"area_code": "BU99990101"})
            created = client.post("/api/v1/initiatives", json=data)
            assert created.status_code == 201, created.get_data(as_text=True)
            initiative_id = UUID(created.get_json()["id"])
            site.project()
            [waiting] = get_requests(client, "json", f"?service_request_id={initiative_id}")
            assert waiting["agency_responsible"] == ""  # not routed yet: nobody responsible
            for name in ("relay", "worker"):
                processes.start(name, name)

            def routed() -> bool:
                return site.app.get_initiative(initiative_id).lead_team is not None

            logs = lambda: processes.log("relay") + processes.log("worker")  # noqa: E731
            assert wait_until(routed, 60, 0.2), logs()
            lead = site.app.get_initiative(initiative_id).lead_team
            routing = site.app.history(initiative_id)[1]
            assert type(routing).__name__ == "Routed" and routing.actor.id == "system:router"
            team_name = {t.code: t.name for t in site.app.teams()}[lead]

            def shows_team() -> bool:
                site.project()
                [item] = get_requests(client, "xml", f"?service_request_id={initiative_id}")
                return bool(item["agency_responsible"])

            assert wait_until(shows_team, 30, 0.2)
            data, xml = both(client, f"requests/{initiative_id}", "service_requests")
            for [item] in (data, xml):
                assert item["agency_responsible"] == team_name
                assert item["status"] == "open"
                assert item["status_notes"] == "Doorgestuurd naar een team"
        finally:
            processes.stop_all()
            site.container.close()
            drop_queue(redis_url, queue)
