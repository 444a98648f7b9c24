"""The staff search through the Flask app, on the demo municipality.

"Buurtmoestuin op het braakliggende veld aan de Graanstraat" is led by Gebiedsteam Molenkwartier
(buurt Korenmolen), nobody else is involved; "Geveltuinen in de Kerkstraat" is led by the
climate team with Gebiedsteam Centrum involved. Gea works for Gebiedsteam Centrum, Audrey audits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from participatie.demo import ROUTER
from participatie.domain.values import Role
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, csrf_token, login, make_site

MOESTUIN = "Buurtmoestuin op het braakliggende veld aan de Graanstraat"
GEVELTUINEN = "Geveltuinen in de Kerkstraat"
NIGHT = "Nachtelijke zwerfkattenopvang"  # submitted 1 March 2026 23:30 UTC: 2 March in Amsterdam


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, Any]]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("search") / "var"))
    add_staff(site, "audrey", Role.AUDITOR, [])
    add_staff(site, "gea", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    add_staff(site, "tom", Role.TEAM_MEMBER, ["gebiedsteam-molenkwartier"])
    add_staff(site, "beheer", Role.ADMIN, [])
    app = site.app
    data = SubmissionSchema.of(app).load_submission(
        submission(title=NIGHT, location={"area_code": "BU99990302"})
    )
    night = app.submit(data, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    app.route_initiative(night.initiative_id, ROUTER)
    site.project()
    with site.container.views.cursor(commit=False) as c:
        c.execute("SELECT title, id FROM v_initiatives")
        ids = {str(title): str(i) for title, i in (tuple(r) for r in c.fetchall())}
    try:
        yield site, {"ids": ids, "code": night.tracking_code, "night": str(night.initiative_id)}
    finally:
        site.container.close()


def client_of(site: Site, username: str, language: str = "nl") -> FlaskClient:
    client = site.client()
    assert login(client, username).status_code == 303
    if language != "nl":
        client.get(f"/taal/{language}?terug=/privacy")
    return client


def post(client: FlaskClient, text: str, path: str = "/beheer/zoeken") -> Any:
    token = csrf_token(client, "/beheer/")
    return client.post(path, data={"csrf_token": token, "q": text})


def titles(page: str) -> list[str]:
    return re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', page)


def test_the_auditor_finds_an_initiative_by_title_words(world: tuple[Site, Any]) -> None:
    site, known = world
    client = client_of(site, "audrey")
    answer = post(client, "buurtmoes graanstraat")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/beheer/zoeken?q=buurtmoes+graanstraat"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert titles(page) == [MOESTUIN]
    moestuin = known["ids"][MOESTUIN]
    assert f'<a href="/beheer/initiatieven/{moestuin}">{MOESTUIN}</a>' in page
    row = page[page.index(MOESTUIN) :]
    assert "In uitvoering" in row.split("</tr>")[0]  # the demo carried it out
    assert "Korenmolen" in row.split("</tr>")[0]
    assert "Gebiedsteam Molenkwartier" in row.split("</tr>")[0]


def test_the_submission_date_is_the_day_in_amsterdam(world: tuple[Site, Any]) -> None:
    site, _ = world
    page = client_of(site, "audrey").get("/beheer/zoeken?q=zwerfkattenopvang")
    row = page.get_data(as_text=True).split(NIGHT)[1].split("</tr>")[0]
    assert "<td>2 maart 2026</td>" in row


def test_a_team_finds_only_what_it_leads_or_is_involved_in(world: tuple[Site, Any]) -> None:
    site, _ = world
    gea = client_of(site, "gea")
    page = gea.get("/beheer/zoeken?q=Buurtmoestuin").get_data(as_text=True)
    assert titles(page) == []
    assert 'id="geen-resultaten"' in page
    assert titles(gea.get("/beheer/zoeken?q=geveltuinen").get_data(as_text=True)) == [GEVELTUINEN]
    tom = client_of(site, "tom")
    assert titles(tom.get("/beheer/zoeken?q=Buurtmoestuin").get_data(as_text=True)) == [MOESTUIN]


def test_a_tracking_code_opens_the_initiative_and_stays_out_of_every_address(
    world: tuple[Site, Any],
) -> None:
    site, known = world
    code = known["code"]
    answer = post(client_of(site, "audrey"), code)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/beheer/initiatieven/{known['night']}"
    # Someone who may not open it is told nothing was found, on the page the post answers.
    refused = post(client_of(site, "gea"), code.lower())
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert 'id="geen-resultaten"' in body
    assert "Location" not in refused.headers


def test_an_id_or_its_start_opens_the_initiative(world: tuple[Site, Any]) -> None:
    site, known = world
    moestuin = known["ids"][MOESTUIN]
    client = client_of(site, "audrey")
    for text in (moestuin, moestuin[:8], moestuin.upper()[:13]):
        answer = post(client, text)
        assert (answer.status_code, answer.headers["Location"]) == (
            303,
            f"/beheer/initiatieven/{moestuin}",
        ), text
    assert client.get(f"/beheer/zoeken?q={moestuin[:8]}").headers["Location"] == (
        f"/beheer/initiatieven/{moestuin}"
    )


def test_the_audit_pages_search_and_open_the_history(world: tuple[Site, Any]) -> None:
    site, known = world
    moestuin = known["ids"][MOESTUIN]
    client = client_of(site, "audrey")
    home = client.get("/beheer/audit/").get_data(as_text=True)
    assert '<form method="post" action="/beheer/audit/zoeken"' in home
    answer = post(client, "Buurtmoestuin", "/beheer/audit/zoeken")
    assert answer.headers["Location"] == "/beheer/audit/zoeken?q=Buurtmoestuin"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f'<a href="/beheer/audit/initiatieven/{moestuin}">{MOESTUIN}</a>' in page
    opened = post(client, moestuin[:8], "/beheer/audit/zoeken")
    assert opened.headers["Location"] == f"/beheer/audit/initiatieven/{moestuin}"
    assert client_of(site, "gea").get("/beheer/audit/zoeken?q=Buurtmoestuin").status_code == 403


def test_the_home_page_offers_the_search_to_whoever_may_open_an_initiative(
    world: tuple[Site, Any],
) -> None:
    site, _ = world
    for username, shown in (("audrey", True), ("gea", True), ("tom", True), ("beheer", False)):
        client = client_of(site, username)
        home = client.get("/beheer/", follow_redirects=True).get_data(as_text=True)
        assert ('action="/beheer/zoeken"' in home) is shown, username
    assert client_of(site, "beheer").get("/beheer/zoeken?q=Buurtmoestuin").status_code == 403


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Vul een titel, volgcode of nummer in."),
        ("ab", "Typ minstens 3 letters of cijfers."),
        ("b" * 101, "Typ hoogstens 100 tekens."),
    ],
)
def test_bad_input_gets_a_message_at_the_field(
    world: tuple[Site, Any], text: str, message: str
) -> None:
    site, _ = world
    answer = post(client_of(site, "audrey"), text)
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    hidden = '<span class="visually-hidden">Fout: </span>'
    assert f'<p class="field-error" id="fout-q">{hidden}{message}</p>' in body
    assert 'aria-describedby="hint-q fout-q" aria-invalid="true"' in body


def test_bad_input_gets_its_message_in_english_on_an_english_page(
    world: tuple[Site, Any],
) -> None:
    site, _ = world
    answer = post(client_of(site, "audrey", "en"), "ab")
    assert answer.status_code == 422
    assert "Type at least 3 letters or digits." in answer.get_data(as_text=True)


def test_a_page_asked_after_something_that_is_no_id_does_not_exist(
    world: tuple[Site, Any],
) -> None:
    site, _ = world
    client = client_of(site, "audrey")
    assert client.get("/beheer/zoeken?q=station&na=geen-id").status_code == 404


def test_the_access_log_redacts_the_search_words() -> None:
    from web.redaction import redact

    assert redact('"GET /beheer/zoeken?q=buurtmoestuin+graanstraat HTTP/1.1" 200') == (
        '"GET /beheer/zoeken?q=[redacted] HTTP/1.1" 200'
    )
