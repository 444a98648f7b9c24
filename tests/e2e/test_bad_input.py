"""Bad input at every entrance gets a 4xx with a message on the field, stores nothing, never a 5xx.

One table (BAD_INPUT) across the submission form, the JSON API and Open311; the expected status,
field and message of each row are written out by hand. After it: Open311's XML stays well-formed
whatever was stored, redirects never leave the site, a 405 says what is allowed, and a 429 on the
form keeps what the resident typed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.values import Actor, Role
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, csrf_token, login, make_site
from tests.e2e.test_open311 import form as open311_form
from tests.e2e.test_public_pages import _route_and_ask, submit
from tests.e2e.test_public_pages import form as page_form

ONE_LINE = "Gebruik in dit veld geen regeleinden, tabs of andere onzichtbare tekens."
MULTI_LINE = (
    "Deze tekst bevat een onzichtbaar teken dat niet is toegestaan (regeleinden en tabs mogen wel)."
)
ONE_LINE_EN = "Do not use line breaks, tabs or other invisible characters in this field."
MULTI_LINE_EN = (
    "This text contains an invisible character that is not allowed (line breaks and tabs are fine)."
)
DATES = "kies een moment tussen 1970-01-01 en 9998-12-31."
DEEP = "[" * 100_000 + "]" * 100_000
DIGITS = "7" * 5000

# (entrance, field, input, expected status, field named in the error, its message)
# form: /indienen (field = form field); form-en: the same in English;
# api: POST /api/v1/initiatives (field = dotted path into the JSON); api-raw: that body as is;
# api-tracking / api-action: POST /api/v1/tracking and a staff action;
# open311: POST requests.json (the error names the Open311 argument); open311-get: GET requests.
BAD_INPUT: list[tuple[str, str, Any, int, str, str]] = [
    ("form", "title", "Bankje\x00 bij de vijver", 422, "title", ONE_LINE),
    ("form", "title", "Bankje bij\tde vijver", 422, "title", ONE_LINE),
    ("form", "name", "Kees\x1b[31m Kanarie", 422, "name", ONE_LINE),
    ("form", "email", "kees\x00@example.org", 422, "email", ONE_LINE),
    ("form", "phone", "06-1122\x073344", 422, "phone", ONE_LINE),
    ("form", "address", "Dorpsstraat\n1", 422, "address", ONE_LINE),
    ("form", "organisation_name", "Buurt\x7fvereniging", 422, "organisation_name", ONE_LINE),
    (
        "form",
        "description",
        "Een bankje\x0b bij de vijver zodat ouderen er even kunnen uitrusten.",
        422,
        "description",
        MULTI_LINE,
    ),
    ("form", "requested_support", "Tegels\x00 eruit", 422, "requested_support", MULTI_LINE),
    ("form-en", "title", "Bankje\x00 bij de vijver", 422, "title", ONE_LINE_EN),
    (
        "form-en",
        "description",
        "Een bankje\x0c bij de vijver zodat ouderen er even kunnen uitrusten.",
        422,
        "description",
        MULTI_LINE_EN,
    ),
    ("api", "title", "Geveltuinen\x00 in de straat", 422, "title", ONE_LINE),
    ("api", "title", "Geveltuinen \ud800 in de straat", 422, "title", ONE_LINE),
    ("api", "title", "Geveltuinen\r\nin de straat", 422, "title", ONE_LINE),
    ("api", "initiator.phone", "06-12345678\n", 422, "initiator.phone", ONE_LINE),
    ("api", "initiator.name", "Anna\u2028de Vries", 422, "initiator.name", ONE_LINE),
    ("api", "initiator.email", "anna@example.org\n", 422, "initiator.email", ONE_LINE),
    ("api", "initiator.address", "Dorpsstraat\x001", 422, "initiator.address", ONE_LINE),
    (
        "api",
        "description",
        "Wij willen geveltuinen\x00 aanleggen langs de hele straat.",
        422,
        "description",
        MULTI_LINE,
    ),
    (
        "api",
        "description",
        "Wij willen geveltuinen \udfff aanleggen langs de hele straat.",
        422,
        "description",
        MULTI_LINE,
    ),
    ("api", "requested_support", "Tegels\ufffe eruit", 422, "requested_support", MULTI_LINE),
    ("api", "location.area_code", "BU9999\x000101", 422, "location.area_code", ONE_LINE),
    ("api-raw", "json", DEEP, 400, "json", "De JSON is te diep genest."),
    (
        "api-raw",
        "json",
        f'{{"title": {DIGITS}}}',
        400,
        "json",
        "Een getal in de JSON heeft te veel cijfers.",
    ),
    ("api-raw", "json", '{"title": "\\ud800"}', 422, "title", ONE_LINE),
    ("api-tracking", "tracking_code", "ABCD\x00EF", 422, "tracking_code", ONE_LINE),
    ("api-action", "reason", "Akkoord\x00", 422, "reason", MULTI_LINE),
    ("api-action", "reason", "Akkoord\x1b", 422, "reason", MULTI_LINE),
    (
        "open311",
        "description",
        "Op de hoek is een boom\x00 omgewaaid; wij willen er een nieuwe boom neerzetten.",
        400,
        "description",
        MULTI_LINE,
    ),
    ("open311", "first_name", "Korneel\x07", 400, "first_name/last_name", ONE_LINE),
    ("open311", "email", "kanarie\x00@example.org", 400, "email", ONE_LINE),
    ("open311", "phone", "06-9988\x0b7766", 400, "phone", ONE_LINE),
    ("open311-get", "start_date", "9999-12-31T23:59:59Z", 400, "start_date", DATES),
    ("open311-get", "end_date", "0001-01-01", 400, "end_date", DATES),
    ("open311-get", "start_date", "0001-01-01T00:00:00+14:00", 400, "start_date", DATES),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One demo site for the whole table: no row may store anything, which each row checks."""
    site = make_site(
        Settings(var_dir=tmp_path_factory.mktemp("bad") / "var"),
        SUBMIT_RATE_LIMIT="100000 per minute",
        SUPPORT_RATE_LIMIT="100000 per minute",
    )
    add_staff(site, "bea", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    try:
        yield site
    finally:
        site.container.close()


def _nested(path: str, value: Any) -> dict[str, Any]:
    data = submission(location={"area_code": "BU99990101"})
    *parents, last = path.split(".")
    target: Any = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


Case = tuple[UUID, int, dict[str, str]]


def _routed_case(site: Site) -> Case:
    """A routed initiative of the centre team, its version, and a manager's bearer header."""
    iid = site.app.submit(_nested("themes", ["cultuur"])).initiative_id
    site.app.route_initiative(iid, Actor.system("test"))
    token = site.container.staff.issue_token("bea", "test", 1)
    return iid, site.app.get_initiative(iid).version, {"Authorization": f"Bearer {token}"}


def _ask(client: FlaskClient, entrance: str, field: str, value: Any, case: Case | None) -> Any:
    if entrance in ("form", "form-en"):
        if entrance == "form-en":
            client.get("/taal/en?terug=/indienen")
        token = csrf_token(client, "/indienen")
        return client.post("/indienen", data={"csrf_token": token, **page_form(**{field: value})})
    if entrance == "api":
        body = json.dumps(_nested(field, value))  # ensure_ascii: a lone surrogate as \ud800
        return client.post("/api/v1/initiatives", data=body, content_type="application/json")
    if entrance == "api-raw":
        return client.post("/api/v1/initiatives", data=value, content_type="application/json")
    if entrance == "api-tracking":
        return client.post("/api/v1/tracking", json={field: value})
    if entrance == "api-action":
        assert case is not None
        iid, version, headers = case
        url = f"/api/v1/initiatives/{iid}/actions/accept_handoff"
        return client.post(url, json={"version": version, field: value}, headers=headers)
    if entrance == "open311":
        return client.post("/open311/v2/requests.json", data=open311_form(**{field: value}))
    assert entrance == "open311-get"
    return client.get("/open311/v2/requests.json", query_string={field: value})


def _message_on(entrance: str, answer: Any, field: str) -> list[str]:
    """The messages the answer gives for `field`, as the entrance shows them."""
    if entrance.startswith("form"):
        page = answer.get_data(as_text=True)
        found = re.search(rf'<p class="field-error" id="fout-{field}">(.*?)</p>', page, re.S)
        assert found, f"no error on {field}"
        text = unescape(re.sub(r"<[^>]+>", "", found.group(1)))
        return [text.removeprefix("Fout: ").removeprefix("Error: ")]
    if entrance.startswith("open311"):
        return [
            e["description"].removeprefix(f"{field}: ")
            for e in answer.get_json()
            if e["description"].startswith(f"{field}: ")
        ]
    errors: Any = answer.get_json()["errors"]  # field "json": the body as a whole
    for key in ["json"] + ([] if field == "json" else field.split(".")):
        errors = errors[key]
    return list(errors)


@pytest.mark.parametrize(
    ("entrance", "field", "value", "status", "error_field", "message"),
    BAD_INPUT,
    ids=[f"{row[0]}-{row[1]}-{i}" for i, row in enumerate(BAD_INPUT)],
)
def test_bad_input_gets_a_field_error_and_stores_nothing(
    shared: Site,
    entrance: str,
    field: str,
    value: Any,
    status: int,
    error_field: str,
    message: str,
) -> None:
    client = shared.client()
    case = _routed_case(shared) if entrance == "api-action" else None  # stored before the count
    before = shared.events()
    answer = _ask(client, entrance, field, value, case)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert message in _message_on(entrance, answer, error_field)
    assert shared.events() == before


def test_the_table_covers_every_entrance_and_the_inputs_of_the_issue() -> None:
    entrances = {row[0] for row in BAD_INPUT}
    assert entrances == {
        "form",
        "form-en",
        "api",
        "api-raw",
        "api-tracking",
        "api-action",
        "open311",
        "open311-get",
    }
    inputs = {row[2] for row in BAD_INPUT}
    assert {DEEP, '{"title": "\\ud800"}', "9999-12-31T23:59:59Z", "0001-01-01"} <= inputs
    assert "06-12345678\n" in inputs


# -- Open311's XML -------------------------------------------------------------------------------


def test_open311_xml_stays_well_formed_whatever_was_stored(site: Site) -> None:
    """Characters XML 1.0 does not allow, stored past every schema, come out as U+FFFD."""
    data = _nested("description", "Bankjes\x0b\x1b\x07\x00 op het plein, voor wie even wil zitten.")
    data["consent_to_publish"] = True
    iid = site.app.submit(data).initiative_id  # straight into the log
    site.project()
    client = site.client()
    expected = "Bankjes\ufffd\ufffd\ufffd\ufffd op het plein, voor wie even wil zitten."
    for url in (
        "/open311/v2/requests.xml",
        f"/open311/v2/requests.xml?service_request_id={iid}",
        f"/open311/v2/requests/{iid}.xml",
    ):
        answer = client.get(url)
        assert answer.status_code == 200
        root = ET.fromstring(answer.data)  # a real XML parser: raises if not well-formed
        found = [r for r in root.iter("request") if r.findtext("service_request_id") == str(iid)]
        assert [r.findtext("description") for r in found] == [expected]
    listed = client.get(f"/open311/v2/requests/{iid}.json").get_json()
    assert (
        listed[0]["description"]
        == "Bankjes\x0b\x1b\x07\ufffd op het plein, voor wie even wil zitten."
    )
    for url, status in (
        ("/open311/v2/services/%07%1b.xml", 404),
        ("/open311/v2/requests/%00%0b.xml", 404),
        ("/open311/v2/requests.xml?service_code=x%0b", 400),
    ):
        answer = client.get(url)
        assert answer.status_code == status
        root = ET.fromstring(answer.data)
        assert root.tag == "errors" and root.findtext("error/description")
    xml_post = client.post("/open311/v2/requests.xml", data=open311_form(service_code="x\x0bx"))
    assert xml_post.status_code == 400
    assert ET.fromstring(xml_post.data).findtext("error/description") == (
        "service_code: 'x\ufffdx' bestaat niet; kies een code uit services.xml."
    )


# -- redirects -----------------------------------------------------------------------------------

# (the `terug` of /taal/en as sent in the URL, the Location answered)
LANGUAGE_REDIRECTS = [
    ("/indienen", "/indienen"),
    ("/gebieden/BU99990101?x=1", "/gebieden/BU99990101?x=1"),
    ("/%09/evil.example", "/"),
    ("/%0a/evil.example", "/"),
    ("/%0d%0aSet-Cookie:%20x=y", "/"),
    ("/%5Cevil.example", "/"),
    ("%5C%5Cevil.example", "/"),
    ("//evil.example", "/"),
    ("%20//evil.example", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/%00", "/"),
    ("", "/"),
]


@pytest.mark.parametrize(("terug", "location"), LANGUAGE_REDIRECTS)
def test_the_language_switch_redirects_only_within_the_site(
    shared: Site, terug: str, location: str
) -> None:
    answer = shared.client().get(f"/taal/en?terug={terug}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == location


# (the `volgende` of the login form, the Location after logging in)
LOGIN_REDIRECTS = [
    ("/beheer/wachtrij/gebiedsteam-centrum", "/beheer/wachtrij/gebiedsteam-centrum"),
    ("/beheer/\t/evil.example", "/beheer/"),
    ("/beheer\r\nSet-Cookie: x=y", "/beheer/"),
    ("/beheer/\\evil.example", "/beheer/"),
    ("//evil.example/beheer", "/beheer/"),
    ("/indienen", "/beheer/"),
]


@pytest.mark.parametrize(("volgende", "location"), LOGIN_REDIRECTS)
def test_the_login_redirects_only_within_the_staff_pages(
    shared: Site, volgende: str, location: str
) -> None:
    client = shared.client()
    token = csrf_token(client, "/beheer/inloggen")
    answer = client.post(
        "/beheer/inloggen",
        data={
            "csrf_token": token,
            "username": "bea",
            "password": "een lang wachtwoord 2026",
            "volgende": volgende,
        },
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == location


def test_a_bulk_action_goes_back_to_its_queue_only(shared: Site) -> None:
    client = shared.client()
    assert login(client, "bea").status_code == 303
    token = csrf_token(client, "/beheer/wachtrij/gebiedsteam-centrum")
    url = "/beheer/wachtrij/gebiedsteam-centrum/bulk"
    for back, location in (
        ("status=routed", "/beheer/wachtrij/gebiedsteam-centrum?status=routed"),
        ("x\r\nSet-Cookie: y=z", "/beheer/wachtrij/gebiedsteam-centrum"),
    ):
        answer = client.post(
            url, data={"csrf_token": token, "bulk_action": "accept_handoff", "back": back}
        )
        assert answer.status_code == 303
        assert answer.headers["Location"] == location


# -- 405 and 429 ---------------------------------------------------------------------------------

# (method, path, the Allow header of the 405)
NOT_ALLOWED = [
    ("DELETE", "/indienen", "GET, HEAD, OPTIONS, POST"),
    ("PUT", "/api/v1/initiatives", "OPTIONS, POST"),
    ("DELETE", "/api/v1/themes", "GET, HEAD, OPTIONS"),
    ("PUT", "/open311/v2/requests.json", "GET, HEAD, OPTIONS, POST"),
    ("POST", "/open311/v2/services.json", "GET, HEAD, OPTIONS"),
]


@pytest.mark.parametrize(("method", "path", "allow"), NOT_ALLOWED)
def test_a_405_says_which_methods_work(shared: Site, method: str, path: str, allow: str) -> None:
    answer = shared.client().open(path, method=method)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allow


def test_a_429_on_the_form_keeps_what_the_resident_typed(tmp_path: Path) -> None:
    limited = make_site(Settings(var_dir=tmp_path / "var"), SUBMIT_RATE_LIMIT="1 per minute")
    try:
        client = limited.client()
        token = csrf_token(client, "/indienen")
        assert (
            client.post("/indienen", data={"csrf_token": token, **page_form()}).status_code == 303
        )
        before = limited.events()
        typed = page_form(
            title="Een speelveld voor de buurt",
            description="Een trapveldje achter de school, zodat kinderen dichtbij kunnen spelen.",
            name="Mila Mus",
        )
        token = csrf_token(client, "/indienen")
        answer = client.post("/indienen", data={"csrf_token": token, **typed})
        assert answer.status_code == 429
        page = answer.get_data(as_text=True)
        assert "Even wachten" in page
        assert "wat u invulde staat hieronder nog" in page
        assert 'value="Een speelveld voor de buurt"' in page
        assert 'value="Mila Mus"' in page
        assert (
            "Een trapveldje achter de school, zodat kinderen dichtbij kunnen spelen.</textarea>"
            in page
        )
        assert limited.events() == before
    finally:
        limited.container.close()


# -- the initiator's own texts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "value", "message"),
    [
        ("/mijn-initiatief/antwoord", "answer", "De noordkant\x00", MULTI_LINE),
        ("/mijn-initiatief/antwoord", "answer", "", "Schrijf uw antwoord."),
        ("/mijn-initiatief/intrekken", "reason", "Opgelost\x1b", MULTI_LINE),
    ],
)
def test_the_initiators_answer_and_reason_refuse_control_characters(
    shared: Site, path: str, field: str, value: str, message: str
) -> None:
    client = shared.client()
    code = submit(shared, client)
    if field == "answer":
        _route_and_ask(shared, code, "Welke kant van de vijver bedoelt u?")
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    before = shared.events()
    token = csrf_token(client, "/mijn-initiatief")
    answer = client.post(path, data={"csrf_token": token, "version": version, field: value})
    assert answer.status_code == 422
    assert _message_on("form", answer, field) == [message]
    assert shared.events() == before
