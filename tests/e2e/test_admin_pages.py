"""The admin area (role beheerder) through the Flask test client: staff accounts, teams,
challenges, the area map import, the rulebook's backtest-then-publish flow, failed jobs and the
e-mail ledger with the embedded outbox."""

from __future__ import annotations

import html
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.commands import Withdraw
from participatie.domain.values import Actor, Role, TeamKind
from participatie.notifications.mail import compose
from tests.conftest import REDIS_URL
from tests.e2e.conftest import Site, csrf_token, login, make_site
from tests.services import drop_queue, redis_for_test, unique_queue

ADMIN_PASSWORD = "a long password 123"
CENTRUM = "gebiedsteam-centrum"
DEMO_DATA = Path(__file__).resolve().parents[2] / "participatie/demo/data"
DEMO_MAP = DEMO_DATA / "wijken_en_buurten.geojson"
DEMO_RULEBOOK = DEMO_DATA / "rulebook.yaml"
TEXTAREA = re.compile(r'<textarea[^>]*name="text"[^>]*>\n?(.*?)</textarea>', re.S)
SHA = re.compile(r'name="sha" value="([0-9a-f]{64})"')
PAGES = (
    "/beheer/admin/",
    "/beheer/admin/medewerkers",
    "/beheer/admin/medewerkers/beheer",
    "/beheer/admin/teams",
    "/beheer/admin/opgaven",
    "/beheer/admin/themas",
    "/beheer/admin/gebiedskaart",
    "/beheer/admin/regelboek",
    "/beheer/admin/taken",
    "/beheer/admin/mail",
    "/beheer/admin/privacy",
)
POSTS = (
    "/beheer/admin/medewerkers",
    "/beheer/admin/medewerkers/beheer/wijzigen",
    "/beheer/admin/medewerkers/beheer/deactiveren",
    "/beheer/admin/medewerkers/beheer/heractiveren",
    "/beheer/admin/medewerkers/beheer/wachtwoord",
    "/beheer/admin/teams",
    "/beheer/admin/opgaven",
    "/beheer/admin/themas",
    "/beheer/admin/gebiedskaart",
    "/beheer/admin/regelboek",
    "/beheer/admin/taken",
    "/beheer/admin/privacy/verwijderen",
    "/beheer/admin/privacy/inzage",
)


def add_admin(site: Site) -> None:
    site.container.staff.add(
        "beheer", "Bea Heer", Role.ADMIN, [], ADMIN_PASSWORD, Actor.system("test")
    )


def admin_client(site: Site) -> FlaskClient:
    client = site.client()
    assert login(client, "beheer", ADMIN_PASSWORD).status_code == 303
    return client


@pytest.fixture
def admin(site: Site) -> FlaskClient:
    """A client logged in as the admin "beheer"."""
    add_admin(site)
    return admin_client(site)


def post(client: FlaskClient, url: str, page: str | None = None, **data: Any) -> Any:
    """Post a form with the CSRF token of `page` (default: the admin home page)."""
    token = csrf_token(client, page or "/beheer/admin/")
    return client.post(url, data={"csrf_token": token, **data})


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def followed(client: FlaskClient, response: Any) -> str:
    """The page a 303 leads to."""
    assert response.status_code == 303, text_of(response)[:3000]
    return text_of(client.get(response.headers["Location"]))


def field_error(page: str, key: str) -> str:
    """The text of the field-level error `fout-<key>` (asserting the field points at it)."""
    found = re.search(
        rf'<(p|div) class="field-error" id="fout-{re.escape(key)}">(.*?)</\1>', page, re.S
    )
    assert found, f"no field error for {key}"
    field = re.search(rf'<[^>]*id="veld-{re.escape(key)}"[^>]*>', page)
    described = re.search(rf'aria-describedby="[^"]*fout-{re.escape(key)}[^"]*"', page)
    assert field and described, f"veld-{key} is not described by its error"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(2))).strip()


def events(site: Site) -> int:
    return int(site.app.recorder.max_notification_id() or 0)


# -- access --------------------------------------------------------------------------------------


def test_home_links_every_section_and_is_never_cached(site: Site, admin: FlaskClient) -> None:
    page = admin.get("/beheer/admin/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = text_of(page)
    for url in PAGES[1:]:
        if "/medewerkers/" not in url:
            assert f'href="{url}"' in body, url
    assert "Huidige versie: 2026-1" in body  # map and rulebook of the demo
    # The staff navigation now links here, marked as the current section.
    assert 'href="/beheer/admin/" aria-current="page">Beheer' in body


@pytest.mark.parametrize(
    ("username", "role", "teams", "asked", "landing"),
    [
        ("beheer", Role.ADMIN, [], None, "/beheer/admin/"),
        ("beheer", Role.ADMIN, [], "/beheer/admin/mail", "/beheer/admin/mail"),
        ("beheer", Role.ADMIN, [], "//elders.example/beheer", "/beheer/admin/"),
        ("gea", Role.AREA_MANAGER, [CENTRUM], None, "/beheer/"),
        ("rita", Role.REGIE, ["regie"], None, "/beheer/"),
        ("audrey", Role.AUDITOR, [], None, "/beheer/"),
    ],
)
def test_after_login_an_admin_lands_on_the_admin_home_and_others_on_their_work(
    site: Site, username: str, role: Role, teams: list[str], asked: str | None, landing: str
) -> None:
    site.container.staff.add(
        username, username.title(), role, teams, ADMIN_PASSWORD, Actor.system("test")
    )
    client = site.client()
    token = csrf_token(client, "/beheer/inloggen")
    form = {"csrf_token": token, "username": username, "password": ADMIN_PASSWORD}
    if asked is not None:
        form["volgende"] = asked
    response = client.post("/beheer/inloggen", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_without_a_session_every_admin_page_goes_to_the_login(site: Site) -> None:
    client = site.client()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/beheer/inloggen" in response.headers["Location"]


def test_a_non_admin_gets_403_on_every_admin_page_and_changes_nothing(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    add_admin(site)
    site.container.staff.add(
        "gea", "Gea Gebied", Role.AREA_MANAGER, [CENTRUM], ADMIN_PASSWORD, Actor.system("test")
    )
    client = site.client()
    assert login(client, "gea", ADMIN_PASSWORD).status_code == 303
    assert 'href="/beheer/admin/"' not in text_of(client.get("/beheer/"))
    before = events(site)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in text_of(response)
        assert response.headers["Cache-Control"] == "no-store"
    token = csrf_token(client, "/beheer/")
    for url in POSTS:
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "username": "indringer",
                "name": "Indringer",
                "role": "admin",
                "password": "een lang wachtwoord",
                "reason": "poging",
                "code": "nieuw-team",
                "kind": "line",
                "text": "version: x\nrules: []\n",
                "stap": "backtest",
                "alles": "1",
            },
        )
        assert response.status_code == 403, url
    assert events(site) == before
    assert site.container.staff.get("indringer") is None
    assert "access denied: user=gea role=area_manager action=admin" in caplog.text


# -- staff accounts ------------------------------------------------------------------------------


def test_an_added_account_is_listed_and_can_log_in(site: Site, admin: FlaskClient) -> None:
    response = post(
        admin,
        "/beheer/admin/medewerkers",
        username="T.Lid",
        name="Tim Lid",
        email="tim@example.org",
        role="team_member",
        teams=[CENTRUM, "gebiedsteam-oude-haven"],
        password="correct paard batterij nietje",
    )
    page = followed(admin, response)
    assert 'role="status"' in page and "Medewerker t.lid is toegevoegd" in page
    account = site.container.staff.get("t.lid")
    assert account is not None and account.active
    assert (account.name, account.email, account.role) == (
        "Tim Lid",
        "tim@example.org",
        Role.TEAM_MEMBER,
    )
    assert account.teams == [CENTRUM, "gebiedsteam-oude-haven"]
    listing = text_of(admin.get("/beheer/admin/medewerkers"))
    row = re.search(r'<tr id="account-t.lid">(.*?)</tr>', listing, re.S)
    assert row and "Teamlid" in row.group(1) and "Gebiedsteam Centrum" in row.group(1)
    # The new account logs in with the password the admin chose.
    newcomer = site.client()
    assert login(newcomer, "t.lid", "correct paard batterij nietje").status_code == 303
    assert "Tim Lid" in text_of(newcomer.get("/beheer/"))
    # Who added it is recorded.
    registered = site.app.history(account.id)[0]
    assert registered.actor == Actor(id="staff:beheer", role=Role.ADMIN, team=None)


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"username": ""}, "add-username", "Vul een gebruikersnaam in."),
        ({"username": "tim lid"}, "add-username", "Gebruik alleen letters, cijfers"),
        ({"username": "beheer"}, "add-username", "Deze gebruikersnaam bestaat al."),
        ({"name": " "}, "add-name", "Vul de naam van de medewerker in."),
        ({"email": "tim@"}, "add-email", "Vul een geldig e-mailadres in"),
        ({"role": "system"}, "add-role", "Kies een rol."),
        ({"teams": []}, "add-teams", "Een teamlid werkt voor minstens één team"),
        ({"teams": ["bestaat-niet"]}, "add-teams", "Kies alleen teams uit de lijst."),
        ({"role": "auditor"}, "add-teams", "Een auditor werkt niet voor een team"),
        ({"password": "te kort"}, "add-password", "minstens 12 tekens"),
    ],
)
def test_bad_account_input_gives_a_field_error_and_stores_nothing(
    site: Site, admin: FlaskClient, changes: dict[str, Any], key: str, message: str
) -> None:
    data = {
        "username": "tim",
        "name": "Tim Lid",
        "email": "",
        "role": "team_member",
        "teams": [CENTRUM],
        "password": "correct paard batterij nietje",
        **changes,
    }
    before = events(site)
    response = post(admin, "/beheer/admin/medewerkers", **data)
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="foutmeldingen"' in page and f'href="#veld-{key}"' in page
    assert message in field_error(page, key)
    assert 'aria-invalid="true"' in page
    assert "correct paard batterij nietje" not in page  # a password is never sent back
    assert events(site) == before
    assert [a.username for a in site.container.staff.all()] == ["beheer"]


def test_an_account_is_changed_deactivated_with_a_reason_and_reactivated(
    site: Site, admin: FlaskClient
) -> None:
    site.container.staff.add(
        "gea", "Gea", Role.AREA_MANAGER, [CENTRUM], ADMIN_PASSWORD, Actor.system("test")
    )
    gea = site.client()
    assert login(gea, "gea", ADMIN_PASSWORD).status_code == 303
    url = "/beheer/admin/medewerkers/gea"
    page = followed(
        admin,
        post(
            admin,
            f"{url}/wijzigen",
            url,
            name="Gea Gebied",
            email="gea@example.org",
            role="area_manager",
            teams=[CENTRUM, "gebiedsteam-lindepark"],
        ),
    )
    assert "De gegevens van gea zijn opgeslagen." in page
    account = site.container.staff.get("gea")
    assert account is not None and account.name == "Gea Gebied"
    assert account.teams == [CENTRUM, "gebiedsteam-lindepark"]

    before = events(site)
    refused = post(admin, f"{url}/deactiveren", url, reason="  ")
    assert refused.status_code == 422
    assert "Vul de reden in" in field_error(text_of(refused), "deactivate-reason")
    assert events(site) == before and site.container.staff.get("gea").active

    page = followed(admin, post(admin, f"{url}/deactiveren", url, reason="Uit dienst"))
    assert "gea is gedeactiveerd" in page and 'id="status">Gedeactiveerd' in page
    assert not site.container.staff.get("gea").active
    assert gea.get("/beheer/").status_code == 302  # the open session ended
    assert login(site.client(), "gea", ADMIN_PASSWORD).status_code == 401

    page = followed(admin, post(admin, f"{url}/heractiveren", url, reason="Terug van verlof"))
    assert "gea is weer actief." in page
    assert login(site.client(), "gea", ADMIN_PASSWORD).status_code == 303


def test_an_admin_can_neither_deactivate_nor_demote_themselves(
    site: Site, admin: FlaskClient
) -> None:
    url = "/beheer/admin/medewerkers/beheer"
    assert "U kunt uw eigen account niet deactiveren" in text_of(admin.get(url))
    before = events(site)
    response = post(admin, f"{url}/deactiveren", url, reason="per ongeluk")
    assert response.status_code == 409
    assert 'role="alert" id="geweigerd"><p>U kunt uw eigen account niet deactiveren' in (
        text_of(response)
    )
    response = post(admin, f"{url}/wijzigen", url, name="Bea", email="", role="auditor", teams=[])
    assert response.status_code == 422
    assert "eigen rol" in field_error(text_of(response), "change-role")
    assert events(site) == before
    assert site.container.staff.get("beheer").role is Role.ADMIN


def test_a_new_password_replaces_the_old_one(site: Site, admin: FlaskClient) -> None:
    site.container.staff.add(
        "gea", "Gea", Role.AREA_MANAGER, [CENTRUM], ADMIN_PASSWORD, Actor.system("test")
    )
    url = "/beheer/admin/medewerkers/gea"
    short = post(admin, f"{url}/wachtwoord", url, password="kort")
    assert short.status_code == 422
    assert "minstens 12 tekens" in field_error(text_of(short), "password-password")
    page = followed(
        admin, post(admin, f"{url}/wachtwoord", url, password="een heel nieuw wachtwoord")
    )
    assert "Het nieuwe wachtwoord van gea is ingesteld" in page
    assert login(site.client(), "gea", ADMIN_PASSWORD).status_code == 401
    assert login(site.client(), "gea", "een heel nieuw wachtwoord").status_code == 303


def test_an_unknown_account_is_404(admin: FlaskClient) -> None:
    assert admin.get("/beheer/admin/medewerkers/niemand").status_code == 404


# -- teams and challenges ------------------------------------------------------------------------


def test_a_team_is_added_and_then_changed(site: Site, admin: FlaskClient) -> None:
    team = {
        "code": "lijn-sport",
        "name": "Afdeling Sport",
        "kind": "line",
        "email": "sport@lindewaard.example.org",
    }
    page = followed(admin, post(admin, "/beheer/admin/teams", **team))
    assert "Team lijn-sport is toegevoegd." in page
    found = {t.code: t for t in site.app.teams()}["lijn-sport"]
    assert (found.name, found.kind, found.areas) == ("Afdeling Sport", TeamKind.LINE, [])
    assert '<tr id="team-lijn-sport">' in page

    # The change link fills the form with the team as it is.
    form = text_of(admin.get("/beheer/admin/teams?team=gebiedsteam-centrum"))
    assert 'value="Gebiedsteam Centrum"' in form
    assert re.search(r'value="WK999901" checked', form)
    changed = {
        "code": CENTRUM,
        "name": "Gebiedsteam Binnenstad",
        "kind": "area",
        "areas": ["WK999901", "BU99990201"],
        "email": "",
    }
    page = followed(admin, post(admin, "/beheer/admin/teams", **changed))
    assert "Team gebiedsteam-centrum is gewijzigd." in page
    found = {t.code: t for t in site.app.teams()}[CENTRUM]
    assert (found.name, found.areas, found.email) == (
        "Gebiedsteam Binnenstad",
        ["WK999901", "BU99990201"],
        None,
    )
    before = events(site)
    page = followed(admin, post(admin, "/beheer/admin/teams", **changed))
    assert "Er was niets veranderd aan team gebiedsteam-centrum." in page
    assert events(site) == before


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"code": "Lijn Sport"}, "team-code", "kleine letters"),
        ({"name": "S"}, "team-name", "van 2 tot 120 tekens"),
        ({"kind": ""}, "team-kind", "Kies het soort team."),
        ({"kind": "regie", "code": "regie-2"}, "team-kind", "Er is al een regieteam (regie)."),
        ({"code": CENTRUM, "kind": "line"}, "team-kind", "is een gebiedsteam"),
        ({"kind": "area", "areas": []}, "team-areas", "Kies de gebieden"),
        ({"areas": ["WK000001"]}, "team-areas", "niet op de kaart: WK000001"),
        ({"email": "geen-adres"}, "team-email", "geldig e-mailadres"),
    ],
)
def test_bad_team_input_gives_a_field_error_and_stores_nothing(
    site: Site, admin: FlaskClient, changes: dict[str, Any], key: str, message: str
) -> None:
    data = {"code": "lijn-sport", "name": "Afdeling Sport", "kind": "line", "email": "", **changes}
    before = events(site)
    teams = [(t.code, t.name, t.kind, t.areas) for t in site.app.teams()]
    response = post(admin, "/beheer/admin/teams", **data)
    assert response.status_code == 422
    assert message in field_error(text_of(response), key)
    assert events(site) == before
    assert [(t.code, t.name, t.kind, t.areas) for t in site.app.teams()] == teams


def test_a_challenge_is_defined_with_focus_areas_and_changed(
    site: Site, admin: FlaskClient
) -> None:
    site.app.register_team(
        "opgaveteam-sport", "Opgaveteam Sport", TeamKind.CHALLENGE, [], None, Actor.system("test")
    )
    challenge = {
        "code": "sportief-lindewaard",
        "name": "Sportief Lindewaard",
        "themes": ["sport", "jeugd"],
        "team": "opgaveteam-sport",
        "focus_areas": ["BU99990401", "BU99990402"],
    }
    page = followed(admin, post(admin, "/beheer/admin/opgaven", **challenge))
    assert "Opgave sportief-lindewaard is toegevoegd." in page
    row = re.search(r'<tr id="opgave-sportief-lindewaard">(.*?)</tr>', page, re.S)
    assert row and "Vlinderhof" in row.group(1) and "Opgaveteam Sport" in row.group(1)
    found = {c.code: c for c in site.app.challenges()}["sportief-lindewaard"]
    assert (found.themes, found.team, found.focus_areas) == (
        ["sport", "jeugd"],
        "opgaveteam-sport",
        ["BU99990401", "BU99990402"],
    )
    page = followed(
        admin, post(admin, "/beheer/admin/opgaven", **{**challenge, "focus_areas": ["WK999904"]})
    )
    assert "Opgave sportief-lindewaard is gewijzigd." in page
    assert {c.code: c for c in site.app.challenges()}["sportief-lindewaard"].focus_areas == [
        "WK999904"
    ]

    before = events(site)
    for changes, key, message in [
        ({"themes": []}, "challenge-themes", "Kies minstens één thema."),
        ({"themes": ["ruimtevaart"]}, "challenge-themes", "alleen thema's uit de lijst"),
        ({"team": CENTRUM}, "challenge-team", "Kies het opgaveteam"),
        ({"focus_areas": []}, "challenge-focus_areas", "minstens één focusgebied"),
        ({"focus_areas": ["BU12345678"]}, "challenge-focus_areas", "BU12345678"),
        ({"code": "-fout"}, "challenge-code", "kleine letters"),
    ]:
        response = post(admin, "/beheer/admin/opgaven", **{**challenge, **changes})
        assert response.status_code == 422, changes
        assert message in field_error(text_of(response), key)
    assert events(site) == before


# -- area map ------------------------------------------------------------------------------------


def upload(client: FlaskClient, label: str, content: bytes, filename: str) -> Any:
    token = csrf_token(client, "/beheer/admin/gebiedskaart")
    return client.post(
        "/beheer/admin/gebiedskaart",
        data={"csrf_token": token, "version": label, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


PREVIEW = re.compile(r"/beheer/admin/gebiedskaart/voorvertoning/([A-Za-z0-9_-]{32})$")
CONFIRM_FORM = re.compile(
    r'<form method="post" action="(/beheer/admin/gebiedskaart/voorvertoning/[^"]+)"'
    r'.*?name="sha" value="([0-9a-f]{64})"',
    re.S,
)


def preview_of(client: FlaskClient, response: Any) -> tuple[str, str, str]:
    """The preview an upload leads to: its page, the confirmation's address and the file hash."""
    assert response.status_code == 303, text_of(response)[:3000]
    assert PREVIEW.search(response.headers["Location"]), response.headers["Location"]
    page = text_of(client.get(response.headers["Location"]))
    form = CONFIRM_FORM.search(page)
    assert form, "no confirmation form"
    return page, form.group(1), form.group(2)


def confirm(client: FlaskClient, action: str, sha: str) -> Any:
    return post(client, action, "/beheer/admin/gebiedskaart", sha=sha)


def changed_demo_map() -> bytes:
    """The demo map with, by hand: Kerkbuurt renamed Kerkhof, Raadhuisbuurt moved from Centrum
    to Oude Haven, Marktkwartier's boundary shifted, Boomgaard gone and Nieuwe Boomgaard new."""
    document = json.loads(DEMO_MAP.read_text(encoding="utf-8"))
    features = document["features"]
    features[5]["properties"]["buurtnaam"] = "Kerkhof"
    features[8]["properties"]["wijkcode"] = "WK999902"
    ring = features[6]["geometry"]["coordinates"][0]
    features[6]["geometry"]["coordinates"][0] = [[x + 0.0001, y] for x, y in ring]
    features[19]["properties"].update(buurtcode="BU99990404", buurtnaam="Nieuwe Boomgaard")
    return json.dumps(document).encode()


def listed(page: str, list_id: str) -> list[str]:
    found = re.search(rf'<ul id="{list_id}" class="link-list">(.*?)</ul>', page, re.S)
    assert found, f"no list {list_id}"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def test_the_demo_map_features_changed_below_are_these() -> None:
    assert [demo_feature(n) for n in (6, 7, 9, 20)] == [
        ("BU99990101", "Kerkbuurt"),
        ("BU99990102", "Marktkwartier"),
        ("BU99990104", "Raadhuisbuurt"),
        ("BU99990403", "Boomgaard"),
    ]


def test_an_upload_shows_its_differences_and_imports_only_when_confirmed(
    site: Site, admin: FlaskClient
) -> None:
    before = events(site)
    response = upload(admin, "2026-2", changed_demo_map(), "wijken 2026.geojson")
    page, action, sha = preview_of(admin, response)
    assert "<h1>Voorvertoning kaartversie 2026-2</h1>" in page
    assert 'id="vergeleken-met">versie 2026-1' in page
    counts = dict(re.findall(r'<dd id="aantal-(\w+)">(\d+)</dd>', page))
    assert counts == {
        "nieuw": "1",
        "vervallen": "1",
        "hernoemd": "1",
        "verplaatst": "1",
        "grenzen": "1",
        "ongewijzigd": "16",
    }
    assert listed(page, "nieuw") == ["BU99990404 Nieuwe Boomgaard"]
    assert listed(page, "vervallen") == ["BU99990403 Boomgaard"]
    assert listed(page, "hernoemd") == ["BU99990101 Kerkbuurt wordt Kerkhof"]
    assert listed(page, "verplaatst") == ["BU99990104 Raadhuisbuurt: van Centrum naar Oude Haven"]
    assert listed(page, "grenzen") == ["BU99990102 Marktkwartier"]
    # The new map is drawn, the new and changed buurten dark, the others as before.
    darkest = re.findall(r'fill="#1f5a96"[^>]*data-code="(\w+)"', page)
    assert sorted(darkest) == ["BU99990101", "BU99990102", "BU99990104", "BU99990404"]
    assert page.count("<path ") == 15  # the 15 buurten
    # Nothing is imported by the upload or the preview.
    assert events(site) == before and site.app.area_map_version() == "2026-1"
    done = followed(admin, confirm(admin, action, sha))
    assert "Kaartversie 2026-2 is geïmporteerd: 20 gebieden." in done
    assert 'id="huidige-versie">2026-2' in done
    assert site.app.area_map_version() == "2026-2"
    index = site.app.area_index()
    assert index.name("BU99990101") == "Kerkhof" and "BU99990403" not in index
    # The preview is used up: a second confirmation finds nothing.
    assert confirm(admin, action, sha).status_code == 404


def test_the_same_map_again_says_nothing_changes(site: Site, admin: FlaskClient) -> None:
    page, _, _ = preview_of(admin, upload(admin, "2026-2", DEMO_MAP.read_bytes(), "k.geojson"))
    assert 'id="geen-verschillen"' in page
    assert '<dd id="aantal-ongewijzigd">20</dd>' in page


def test_a_stale_preview_is_refused_and_imports_nothing(site: Site, admin: FlaskClient) -> None:
    _, action, sha = preview_of(admin, upload(admin, "2026-2", changed_demo_map(), "a.geojson"))
    # Meanwhile another admin imports a version (through their own preview).
    other = admin_client(site)
    _, other_action, other_sha = preview_of(
        other, upload(other, "2026-3", DEMO_MAP.read_bytes(), "b.geojson")
    )
    assert confirm(other, other_action, other_sha).status_code == 303
    before = events(site)
    stale = admin.get(action)
    assert stale.status_code == 409
    refused = confirm(admin, action, sha)
    assert refused.status_code == 409
    message = text_of(refused)
    assert "Er is niets geïmporteerd: de gebiedskaart is veranderd sinds deze voorvertoning" in (
        message
    )
    assert "(nu versie 2026-3, de voorvertoning vergeleek met versie 2026-1)" in message
    assert events(site) == before and site.app.area_map_version() == "2026-3"


def test_a_confirmation_needs_the_previewed_files_hash_and_a_known_preview(
    site: Site, admin: FlaskClient
) -> None:
    _, action, sha = preview_of(admin, upload(admin, "2026-2", changed_demo_map(), "a.geojson"))
    before = events(site)
    for wrong in ("", "0" * 64):
        refused = confirm(admin, action, wrong)
        assert refused.status_code == 409
        assert "dit is niet het bestand uit de voorvertoning" in text_of(refused)
    unknown = "/beheer/admin/gebiedskaart/voorvertoning/" + "A" * 32
    assert admin.get(unknown).status_code == 404
    assert confirm(admin, unknown, sha).status_code == 404
    assert admin.get("/beheer/admin/gebiedskaart/voorvertoning/..%2Fsecret.key").status_code == 404
    # Without its CSRF token nothing is imported.
    assert admin.post(action, data={"sha": sha}).status_code == 400
    assert events(site) == before and site.app.area_map_version() == "2026-1"
    assert confirm(admin, action, sha).status_code == 303  # the real one still works


@pytest.mark.parametrize(
    ("label", "content", "key", "message"),
    [
        ("2026-2", b"{niet: json", "map-file", "geen bruikbaar wijken-en-buurtenbestand"),
        ("2026-2", b'{"type": "Feature"}', "map-file", "not a GeoJSON FeatureCollection"),
        ("2026-2", b"", "map-file", "geen bruikbaar"),
        ("2026-1", None, "map-version", "Kaartversie 2026-1 bestaat al"),
        ("", None, "map-version", "Vul een versielabel in"),
    ],
)
def test_a_bad_area_map_gives_a_field_error_and_changes_nothing(
    site: Site, admin: FlaskClient, label: str, content: bytes | None, key: str, message: str
) -> None:
    before = events(site)
    response = upload(
        admin, label, DEMO_MAP.read_bytes() if content is None else content, "kaart.geojson"
    )
    assert response.status_code == 422
    error = field_error(text_of(response), key)
    assert message in error
    assert "/tmp" not in error and "participatie-kaart" not in error  # no server paths shown
    assert events(site) == before and site.app.area_map_version() == "2026-1"


def demo_map_with(number: int, geometry: dict[str, Any]) -> bytes:
    """The demo map with the geometry of feature `number` (counted from 1) replaced."""
    document = json.loads(DEMO_MAP.read_text(encoding="utf-8"))
    document["features"][number - 1]["geometry"] = geometry
    return json.dumps(document).encode()


def demo_feature(number: int) -> tuple[str, str]:
    """The code and name of feature `number` of the demo map."""
    properties = json.loads(DEMO_MAP.read_text(encoding="utf-8"))["features"][number - 1]
    props = properties["properties"]
    return props["buurtcode"], props["buurtnaam"]


def test_the_demo_map_features_used_below_are_these_buurten() -> None:
    assert demo_feature(6) == ("BU99990101", "Kerkbuurt")
    assert demo_feature(7) == ("BU99990102", "Marktkwartier")


@pytest.mark.parametrize(
    ("content", "dutch", "english"),
    [
        (
            demo_map_with(6, {"type": "Point", "coordinates": [5.15, 52.06]}),
            "object 6 (BU99990101, Kerkbuurt): een Point kan geen gebied zijn; gebruik Polygon"
            " of MultiPolygon",
            "feature 6 (BU99990101, Kerkbuurt): a Point cannot be an area; use Polygon or"
            " MultiPolygon",
        ),
        (
            demo_map_with(7, {"type": "Polygon", "coordinates": [[[5.1, 52.0], [5.2, "52"]] * 2]}),
            "object 7 (BU99990102, Marktkwartier): polygoon 1, ring 1, punt 2 is geen paar"
            " eindige getallen: [5.2, '52']",
            "feature 7 (BU99990102, Marktkwartier): polygon 1, ring 1, position 2 is not a pair"
            " of finite numbers: [5.2, '52']",
        ),
        (
            demo_map_with(
                6,
                {"type": "Polygon", "coordinates": [[[52, 5], [52, 5.1], [52.1, 5.1], [52, 5]]]},
            ),
            "object 6 (BU99990101, Kerkbuurt): punt [52.0, 5.0] ligt buiten Nederland (lengte"
            " 2.5 tot 7.5, breedte 50.5 tot 54.0); zijn lengte- en breedtegraad verwisseld?",
            "feature 6 (BU99990101, Kerkbuurt): position [52.0, 5.0] lies outside the"
            " Netherlands (longitude 2.5 to 7.5, latitude 50.5 to 54.0); are longitude and"
            " latitude swapped?",
        ),
        (
            DEMO_MAP.read_text(encoding="utf-8").replace("BU99990102", "BU99990101").encode(),
            "object 7 (BU99990101, Marktkwartier): code BU99990101 komt ook voor bij object 6",
            "feature 7 (BU99990101, Marktkwartier): code BU99990101 is also used by feature 6",
        ),
    ],
)
def test_an_area_map_with_a_bad_feature_is_refused_naming_it_in_the_pages_language(
    site: Site, admin: FlaskClient, content: bytes, dutch: str, english: str
) -> None:
    before = events(site)
    response = upload(admin, "2026-2", content, "kaart.geojson")
    assert response.status_code == 422
    assert dutch in field_error(text_of(response), "map-file")
    admin.get("/taal/en?terug=/beheer/admin/gebiedskaart")
    response = upload(admin, "2026-2", content, "kaart.geojson")
    assert response.status_code == 422
    assert english in field_error(text_of(response), "map-file")
    assert events(site) == before and site.app.area_map_version() == "2026-1"


def test_an_area_map_of_another_municipality_is_refused(site: Site, admin: FlaskClient) -> None:
    other = DEMO_MAP.read_text(encoding="utf-8").replace("9999", "0001")
    response = upload(admin, "2026-2", other.encode(), "ander.geojson")
    assert response.status_code == 422
    assert "de kaart is van Lindewaard" in field_error(text_of(response), "map-file")
    assert site.app.area_map_version() == "2026-1"


def test_an_upload_without_a_file_asks_for_one(site: Site, admin: FlaskClient) -> None:
    response = post(admin, "/beheer/admin/gebiedskaart", version="2026-2")
    assert response.status_code == 422
    assert "Kies het GeoJSON-bestand" in field_error(text_of(response), "map-file")


# -- rulebook ------------------------------------------------------------------------------------


def current_text(client: FlaskClient) -> str:
    found = TEXTAREA.search(text_of(client.get("/beheer/admin/regelboek")))
    assert found
    return html.unescape(found.group(1))


def edited(text: str, version: str, **leads: str) -> str:
    data = yaml.safe_load(text)
    data["version"] = version
    for rule in data["rules"]:
        rule["lead"] = leads.get(rule["id"], rule["lead"])
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def rulebook_post(client: FlaskClient, text: str, step: str, sha: str | None = None) -> Any:
    data = {"text": text, "stap": step}
    if sha is not None:
        data["sha"] = sha
    return post(client, "/beheer/admin/regelboek", "/beheer/admin/regelboek", **data)


def leads(site: Site) -> dict[Any, str | None]:
    return {i: site.app.get_initiative(i).lead_team for i in site.app.initiative_ids()}


def test_the_rulebook_page_holds_the_demo_file_as_written(site: Site, admin: FlaskClient) -> None:
    text = current_text(admin)
    assert text == DEMO_RULEBOOK.read_text(encoding="utf-8")
    assert text.startswith("# Routeringsregels voor de fictieve demogemeente Lindewaard (GM9999).")
    assert "default_acceptance_days: 5     # werkdagen\n" in text


def test_a_published_text_comes_back_with_its_comments_and_layout(
    site: Site, admin: FlaskClient
) -> None:
    written = current_text(admin).replace(
        'version: "2026-1"', 'version: "2026-2"  # na de herindeling van maart'
    )
    written += "\n# Laatste wijziging: Bea, na overleg met regie.\n"
    sha = SHA.search(text_of(rulebook_post(admin, written, "backtest")))
    assert sha
    page = followed(admin, rulebook_post(admin, written, "publiceren", sha.group(1)))
    assert "Regelboek 2026-2 is gepubliceerd" in page
    shown = current_text(admin)
    assert shown == written
    assert 'version: "2026-2"  # na de herindeling van maart\n' in shown
    assert shown.endswith("\n\n# Laatste wijziging: Bea, na overleg met regie.\n")
    assert site.app.history(site.app.rulebook().id)[-1].source == written


def test_a_version_published_without_its_text_is_written_out_as_yaml(
    site: Site, admin: FlaskClient
) -> None:
    """Versions published before the text was kept (or from data) are shown as their rules."""
    current = site.app.rulebook().versions["2026-1"]
    site.app.publish_rulebook("2026-1z", "zonder tekst", 7, current["rules"], Actor.system("test"))
    text = current_text(admin)
    assert not text.startswith("#")
    data = yaml.safe_load(text)
    assert (data["version"], data["description"]) == ("2026-1z", "zonder tekst")
    assert data["default_acceptance_days"] == 7
    assert data["rules"][0] == {
        "id": "wijk-centrum",
        "description": "Initiatieven in de wijk Centrum gaan naar het gebiedsteam Centrum",
        "priority": 10,
        "match": {"areas": ["WK999901"]},
        "lead": "gebiedsteam-centrum",
    }
    published = site.app.rulebook().versions["2026-1z"]
    assert [r["id"] for r in data["rules"]] == [r["id"] for r in published["rules"]]
    # The text as shown describes the same rulebook: backtesting it under a new label moves nothing.
    page = text_of(rulebook_post(admin, edited(text, "2026-1b"), "backtest"))
    assert "en 0 naar een ander team" in page


def test_backtest_shows_the_moves_and_publishes_nothing(site: Site, admin: FlaskClient) -> None:
    text = edited(current_text(admin), "2026-2", **{"wijk-centrum": "gebiedsteam-oude-haven"})
    before = events(site)
    response = rulebook_post(admin, text, "backtest")
    assert response.status_code == 200
    page = text_of(response)
    assert "Backtest van versie 2026-2" in page
    summary = re.search(r'<table class="queue" id="verschuivingen">(.*?)</table>', page, re.S)
    assert summary
    row = re.search(
        r"<td>Gebiedsteam Centrum</td><td>Gebiedsteam Oude Haven</td><td>(\d+)</td>",
        summary.group(1),
    )
    assert row and int(row.group(1)) > 0
    assert page.count("wijk-centrum → wijk-centrum") == int(row.group(1))
    assert SHA.search(page) and 'value="publiceren"' in page
    assert events(site) == before
    assert site.app.rulebook().current_version == "2026-1"


def test_publishing_needs_the_hash_of_exactly_the_backtested_text(
    site: Site, admin: FlaskClient
) -> None:
    text = edited(current_text(admin), "2026-2", **{"wijk-centrum": "gebiedsteam-oude-haven"})
    sha = SHA.search(text_of(rulebook_post(admin, text, "backtest")))
    assert sha
    before = events(site)
    # No hash, a made-up hash, or the text changed after the backtest: refused.
    for candidate, digest in [(text, None), (text, "0" * 64), (text + "# later\n", sha.group(1))]:
        response = rulebook_post(admin, candidate, "publiceren", digest)
        assert response.status_code == 409
        page = text_of(response)
        assert "Er is niets gepubliceerd" in page
        assert "Backtest van versie 2026-2" in page  # the backtest of the text as it is now
        assert site.app.rulebook().current_version == "2026-1"
    assert events(site) == before
    # The backtest shown with the refusal carries the hash of the new text, which is accepted.
    changed = text + "# later\n"
    fresh = SHA.search(text_of(rulebook_post(admin, changed, "publiceren", sha.group(1))))
    assert fresh and fresh.group(1) != sha.group(1)
    open_work = leads(site)
    page = followed(admin, rulebook_post(admin, changed, "publiceren", fresh.group(1)))
    assert "Regelboek 2026-2 is gepubliceerd" in page
    assert "Lopende initiatieven zijn niet verplaatst" in page
    assert site.app.rulebook().current_version == "2026-2"
    assert site.app.rulebook().versions["2026-2"]["rules"][0]["lead"] == "gebiedsteam-oude-haven"
    assert leads(site) == open_work  # publishing never moves open work
    assert 'id="huidige-versie">2026-2' in page
    published = site.app.history(site.app.rulebook().id)[-1]
    assert published.actor == Actor(id="staff:beheer", role=Role.ADMIN, team=None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: edited(t, "2026-2", **{"wijk-centrum": "team-bestaat-niet"}),
            "regel wijk-centrum, veld lead: onbekend team 'team-bestaat-niet'",
        ),
        (lambda t: t, "versie 2026-1 bestaat al"),
        (lambda t: "version: 2\nrules: [\n", "Dit is geen geldige YAML (regel 3"),
        (lambda t: "version: '2'\nrules:\n  - id: x\n", "rules.0.lead"),
        (lambda t: "   ", "Vul het regelboek in"),
    ],
)
def test_a_bad_rulebook_shows_its_problems_and_publishes_nothing(
    site: Site, admin: FlaskClient, change: Any, message: str
) -> None:
    text = change(current_text(admin))
    before = events(site)
    for step in ("backtest", "publiceren"):
        response = rulebook_post(admin, text, step, "0" * 64)
        assert response.status_code == 422
        page = text_of(response)
        assert message in html.unescape(field_error(page, "rules-text"))
        assert 'href="#veld-rules-text"' in page and 'value="publiceren"' not in page
    assert events(site) == before and site.app.rulebook().current_version == "2026-1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- " * 20_000 + "x", "Dit regelboek is niet te gebruiken (regel 1): nested more than 64"),
        ("version: x\nrules: " + "[" * 20_000, "niet te gebruiken (regel 2): nested more than 64"),
        ("version: x\nrules:\n- priority: " + "9" * 5000, "(regel 3): a number has 5000 digits"),
        ("version: x\nrules: &r [*r]\n", "(regel 2): aliases (*name) are not supported"),
    ],
)
def test_a_rulebook_nested_too_deep_or_with_a_huge_number_is_a_field_error(
    site: Site, admin: FlaskClient, text: str, message: str
) -> None:
    before = events(site)
    response = rulebook_post(admin, text, "backtest")
    assert response.status_code == 422
    assert message in html.unescape(field_error(text_of(response), "rules-text"))
    assert events(site) == before


# -- failed jobs ---------------------------------------------------------------------------------


def test_failed_jobs_without_redis_shows_a_calm_message(site: Site, admin: FlaskClient) -> None:
    assert not site.container.settings.redis_url
    page = admin.get("/beheer/admin/taken")
    assert page.status_code == 200
    assert 'id="geen-redis"' in text_of(page) and "Er is geen Redis ingesteld" in text_of(page)
    refused = post(admin, "/beheer/admin/taken", alles="1")
    assert refused.status_code == 409 and "Er is geen Redis ingesteld" in text_of(refused)


@pytest.fixture
def redis_site(tmp_path: Path) -> Iterator[Site]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue = unique_queue()
        site = make_site(Settings(var_dir=tmp_path / "var", redis_url=url, queue_name=queue))
        try:
            yield site
        finally:
            site.container.close()
            drop_queue(url, queue)


@pytest.mark.redis
def test_failed_jobs_are_listed_and_requeued(redis_site: Site) -> None:
    import redis
    from rq import Queue, SimpleWorker
    from rq.registry import FailedJobRegistry

    settings = redis_site.container.settings
    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue(settings.queue_name, connection=connection)
    # The job id holds the queue name, so drop_queue removes its keys from a shared Redis.
    job_id = f"{settings.queue_name}-kapot"
    job = queue.enqueue("builtins.int", "geen getal", job_id=job_id)
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    registry = FailedJobRegistry(queue=queue)
    assert registry.get_job_ids() == [job.id]

    add_admin(redis_site)
    admin = admin_client(redis_site)
    page = text_of(admin.get("/beheer/admin/taken"))
    assert job_id in page and "ValueError: invalid literal for int()" in page
    nothing = post(admin, "/beheer/admin/taken", "/beheer/admin/taken")
    assert nothing.status_code == 422
    assert "Kies eerst één of meer taken." in field_error(text_of(nothing), "jobs-ids")
    assert registry.get_job_ids() == [job.id]

    response = post(admin, "/beheer/admin/taken", "/beheer/admin/taken", ids=[job_id, "onbekend"])
    page = followed(admin, response)
    assert "1 taak staat weer in de wachtrij." in page
    assert "niet opnieuw in de wachtrij gezet: onbekend" in page
    assert 'id="geen-taken"' in page
    assert registry.get_job_ids() == [] and queue.job_ids == [job_id]


# -- themes --------------------------------------------------------------------------------------

DEMO_THEMES = (
    "groen", "energie", "verkeer", "veiligheid", "wonen", "armoede",
    "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
)  # fmt: skip
DEMO_LABELS = {
    "groen": ("Groen", "Green"), "energie": ("Energie", "Energy"),
    "verkeer": ("Verkeer", "Traffic"), "veiligheid": ("Veiligheid", "Safety"),
    "wonen": ("Wonen", "Housing"), "armoede": ("Armoede", "Poverty"),
    "jeugd": ("Jeugd", "Youth"), "ondernemen": ("Ondernemen", "Business"),
    "zorg": ("Zorg", "Care"), "cultuur": ("Cultuur", "Culture"), "sport": ("Sport", "Sport"),
    "openbare_ruimte": ("Openbare ruimte", "Public space"),
}  # fmt: skip


def theme_form(**changes: Any) -> dict[str, Any]:
    """The themes form as the page fills it for the demo list, with `changes` on top."""
    form: dict[str, Any] = {}
    for code in DEMO_THEMES:
        nl, en = DEMO_LABELS[code]
        form |= {f"{code}-nl": nl, f"{code}-en": en, f"{code}-active": "1"}
    form |= {"versie": "2027-1", "reden": "Coalitieakkoord 2027"}
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def test_the_themes_page_shows_the_list_and_its_versions(site: Site, admin: FlaskClient) -> None:
    response = admin.get("/beheer/admin/themas")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    assert '<p id="themaversie">Huidige versie: 2026-1</p>' in page
    assert re.findall(r'<fieldset class="fieldset" id="thema-([a-z_]+)">', page) == [
        *DEMO_THEMES,
        "nieuw",
    ]
    assert 'id="veld-groen-nl" name="groen-nl" value="Groen"' in page
    assert 'id="veld-openbare_ruimte-en" name="openbare_ruimte-en" value="Public space"' in page
    assert 'name="verkeer-active" value="1" checked' in page
    versions = re.search(r'<table class="queue" id="versies">.*?</table>', page, re.S)
    assert versions and '<th scope="row">2026-1</th>' in versions.group(0)
    assert "De thema&#39;s van de demogemeente" in versions.group(0)
    assert "system:demo-loader" in versions.group(0)


def test_an_admin_renames_retires_and_adds_a_theme_as_a_new_version(
    site: Site, admin: FlaskClient
) -> None:
    form = theme_form(
        **{
            "groen-nl": "Groen en water",
            "verkeer-active": None,  # unchecked: retired
            "nieuw-code": "hitte",
            "nieuw-nl": "Hittestress",
            "nieuw-en": "Heat stress",
        }
    )
    response = post(admin, "/beheer/admin/themas", "/beheer/admin/themas", **form)
    page = followed(admin, response)
    assert "Themalijst 2027-1 vastgelegd: 3 thema&#39;s gewijzigd." in page
    catalogue = site.app.theme_list()
    assert catalogue.version == "2027-1"
    assert catalogue.active_codes == (
        "groen", "energie", "veiligheid", "wonen", "armoede", "jeugd",
        "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte", "hitte",
    )  # fmt: skip
    assert catalogue.label("groen", "nl") == "Groen en water"
    assert catalogue.label("verkeer", "en") == "Traffic"  # retired, still readable
    # The Open311 description of a renamed theme is kept (the page does not edit it).
    assert catalogue.get("groen").description.startswith("Bomen, plantsoenen")  # type: ignore[union-attr]
    history = site.app.theme_history()
    assert history is not None
    assert [(r.label, r.actor, r.reason) for r in history.history][-1] == (
        "2027-1",
        "staff:beheer",
        "Coalitieakkoord 2027",
    )
    assert "verkeer</span> – ingetrokken</legend>" in page
    # The resident's form offers the new list at once; the API and Open311 too.
    submit_form = text_of(site.client().get("/indienen"))
    assert 'value="hitte"' in submit_form and ">Hittestress</label>" in submit_form
    assert 'value="verkeer"' not in submit_form
    assert ">Groen en water</label>" in submit_form
    themes = site.client().get("/api/v1/themes", headers={"Accept-Language": "en"}).get_json()
    assert {"code": "hitte", "name": "Heat stress", "active": True} in themes
    assert {"code": "verkeer", "name": "Traffic", "active": False} in themes
    services = site.client().get("/open311/v2/services.json").get_json()
    assert [s["service_code"] for s in services][-1] == "hitte"
    assert "verkeer" not in [s["service_code"] for s in services]


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"versie": ""}, "versie", "Geef een versie van 1 tot 40 tekens, zoals 2027-1."),
        ({"versie": "2026-1"}, "versie", "Deze versie bestaat al; kies een nieuwe naam."),
        ({"reden": ""}, "reden", "Geef een reden van hoogstens 2000 tekens."),
        ({"groen-nl": ""}, "groen-nl", "Geef een naam van 1 tot 60 tekens."),
        ({"wonen-en": "x" * 61}, "wonen-en", "Geef een naam van 1 tot 60 tekens."),
        (
            {"zorg-nl": "Zorg\nen welzijn"},
            "zorg-nl",
            "Gebruik geen regeleinden, tabs of andere onzichtbare tekens.",
        ),
        (
            {"nieuw-code": "Hitte stress", "nieuw-nl": "H", "nieuw-en": "H"},
            "nieuw-code",
            "Gebruik 2 tot 40 kleine letters, cijfers en _, beginnend met een letter.",
        ),
        (
            {"nieuw-code": "groen", "nieuw-nl": "Groen", "nieuw-en": "Green"},
            "nieuw-code",
            "Dit thema bestaat al; pas het hierboven aan.",
        ),
        ({"nieuw-code": "hitte"}, "nieuw-nl", "Geef een naam van 1 tot 60 tekens."),
        (
            {f"{code}-active": None for code in DEMO_THEMES},
            "versie",
            "Houd minstens één thema in gebruik.",
        ),
    ],
)
def test_a_wrong_themes_form_gets_field_errors_and_records_nothing(
    site: Site, admin: FlaskClient, changes: dict[str, Any], key: str, message: str
) -> None:
    before = events(site)
    response = post(admin, "/beheer/admin/themas", "/beheer/admin/themas", **theme_form(**changes))
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, key) == f"Fout:  {message}"  # the hidden "Fout:" is read out first
    assert f'<a href="#veld-{key}">' in page  # the summary links to the field
    assert events(site) == before
    assert site.app.theme_list().version == "2026-1"


def test_the_same_list_again_records_nothing(site: Site, admin: FlaskClient) -> None:
    before = events(site)
    response = post(admin, "/beheer/admin/themas", "/beheer/admin/themas", **theme_form())
    assert "Er is niets veranderd; er is niets vastgelegd." in followed(admin, response)
    assert events(site) == before


# -- e-mail --------------------------------------------------------------------------------------

WELCOME = "submitted-{}-v1-initiator"  # the key a message to an initiative's initiator has
LEDGER = re.compile(r'<table class="queue" id="mail-log">.*?</table>', re.S)


def seed_mail(site: Site) -> str:
    """A message to an initiator in the outbox (with markup in it), one permanent failure, one
    retry. Returns the outbox name of the message."""
    mailer = site.container.mailer
    initiative_id = site.app.initiative_ids()[0]
    key = WELCOME.format(initiative_id)
    welcome = compose(
        "anna@example.org",
        "Welkom <b>Anna</b>",
        "Hallo Anna,\n<script>alert('tekst')</script>",
        html="<p>Hallo Anna,</p><script>alert('html')</script>",
    )
    assert mailer.send(key, welcome, audience="initiator", kind="submitted") == "sent"
    log = mailer.log
    assert log.claim("submitted-9-team", f"team:{CENTRUM}", "submitted", "initiatief-9")
    log.failed("submitted-9-team", "recipient refused: 550 5.1.1 <adres>: Recipient rejected")
    assert log.claim("deadline-3-team", f"team:{CENTRUM}", "deadline")
    log.retry("deadline-3-team", "ConnectionRefusedError: [Errno 111] Connection refused")
    return f"{key}.eml"


def test_the_mail_page_shows_counts_failures_and_the_outbox(site: Site, admin: FlaskClient) -> None:
    welcome = seed_mail(site)
    response = admin.get("/beheer/admin/mail")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    counts = dict(re.findall(r'<dd id="aantal-(\w+)">(\d+)</dd>', page))
    assert counts == {"sending": "0", "retry": "1", "sent": "1", "failed": "1"}
    assert 'id="mail-mislukt"' in page and "1 bericht kon niet worden bezorgd" in page
    ledger = LEDGER.search(page)
    assert ledger, "no ledger table"
    rows = re.findall(r'<tr id="mail-\d+" data-state="(\w+)">(.*?)</tr>', ledger.group(0), re.S)
    assert [state for state, _ in rows] == ["retry", "failed", "sent"]  # last changed first
    failed = rows[1][1]
    assert "submitted-9-team" in failed and "initiatief-9" in failed
    assert '<strong class="result--failed">Mislukt</strong>' in failed
    assert "recipient refused: 550 5.1.1 &lt;adres&gt;: Recipient rejected" in failed
    assert "<caption>" in ledger.group(0) and '<th scope="row">' in ledger.group(0)
    # The outbox lists the message by its subject (escaped), linking to the message page.
    assert f'href="/beheer/admin/mail/bericht/{welcome}">Welkom &lt;b&gt;Anna&lt;/b&gt;' in page
    # The home page says something failed.
    assert "1 bericht niet bezorgd" in text_of(admin.get("/beheer/admin/"))


OUTBOX_ROW = re.compile(r'<th scope="row"><a href="/beheer/admin/mail/bericht/([^"]+)">([^<]*)</a>')


def test_the_outbox_is_listed_in_pages_of_fifty_newest_first(
    site: Site, admin: FlaskClient
) -> None:
    outbox = site.container.mailer.outbox
    assert outbox is not None
    for number in range(1, 121):
        message = compose("centrum@gemeente.example", f"Bericht {number}", "Tekst.")
        site.container.mailer.send(f"los-{number}", message)
        os.utime(outbox.folder / f"los-{number}.eml", (1_700_000_000 + number,) * 2)
    first = text_of(admin.get("/beheer/admin/mail"))
    rows = OUTBOX_ROW.findall(first)
    assert len(rows) == 50
    assert rows[0] == ("los-120.eml", "Bericht 120") and rows[-1] == ("los-71.eml", "Bericht 71")
    assert "Bericht 1 tot en met 50 van 120, nieuwste eerst." in first
    assert "Pagina 1 van 3" in first
    assert 'href="/beheer/admin/mail?pagina=2#postvak-uit" rel="next"' in first
    assert 'rel="prev"' not in first
    last = text_of(admin.get("/beheer/admin/mail?pagina=3&status=sent"))
    rows = OUTBOX_ROW.findall(last)
    assert [subject for _, subject in rows] == [f"Bericht {n}" for n in range(20, 0, -1)]
    assert "Bericht 101 tot en met 120 van 120, nieuwste eerst." in last
    assert 'href="/beheer/admin/mail?status=sent&amp;pagina=2#postvak-uit" rel="prev"' in last
    assert 'rel="next"' not in last
    # Past the end shows the last page; a page that is no number, the first.
    assert OUTBOX_ROW.findall(text_of(admin.get("/beheer/admin/mail?pagina=99")))[0][1] == (
        "Bericht 20"
    )
    for wrong in ("0", "-1", "x", "9" * 40):
        page = text_of(admin.get(f"/beheer/admin/mail?pagina={wrong}"))
        assert OUTBOX_ROW.findall(page)[0][1] == "Bericht 120", wrong


def test_a_mail_job_that_failed_for_good_shows_with_its_error(
    site: Site, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from participatie.notifications import messages

    initiative_id = site.app.initiative_ids()[0]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sjabloon <onleesbaar>")

    monkeypatch.setattr(messages.Notifier, "_render", broken)
    with pytest.raises(RuntimeError):
        messages.deliver(site.container, initiative_id, 1, final=True)
    page = text_of(admin.get("/beheer/admin/mail?status=failed"))
    assert "1 bericht kon niet worden bezorgd" in page
    ledger = LEDGER.search(page)
    assert ledger, "no ledger table"
    [(state, row)] = re.findall(
        r'<tr id="mail-\d+" data-state="(\w+)">(.*?)</tr>', ledger.group(0), re.S
    )
    assert state == "failed"
    assert f"event-{initiative_id}-v1" in row and str(initiative_id) in row
    assert "RuntimeError: sjabloon &lt;onleesbaar&gt;" in row


def test_the_mail_page_filters_the_ledger_by_state(site: Site, admin: FlaskClient) -> None:
    welcome = seed_mail(site)
    page = text_of(admin.get("/beheer/admin/mail?status=failed"))
    ledger = LEDGER.search(page)
    assert ledger and "submitted-9-team" in ledger.group(0)
    assert "deadline-3-team" not in ledger.group(0)
    assert welcome.removesuffix(".eml") not in ledger.group(0)
    assert '<option value="failed" selected>' in page
    assert "Berichten met status „Mislukt”" in page
    assert 'id="geen-mail"' in text_of(admin.get("/beheer/admin/mail?status=sending"))
    unknown = text_of(admin.get("/beheer/admin/mail?status=<x>"))  # shows everything
    everything = LEDGER.search(unknown)
    assert everything and "deadline-3-team" in everything.group(0) and "&lt;x&gt;" not in unknown


def test_an_outbox_message_is_shown_as_text_and_nothing_in_it_runs(
    site: Site, admin: FlaskClient
) -> None:
    welcome = seed_mail(site)
    response = post(admin, f"/beheer/admin/mail/bericht/{welcome}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    assert "<h1>Welkom &lt;b&gt;Anna&lt;/b&gt;</h1>" in page
    assert "<dd>anna@example.org</dd>" in page
    assert f"<dd>{html.escape(site.container.settings.mail_from)}</dd>" in page
    assert "Hallo Anna,\n&lt;script&gt;alert(&#39;tekst&#39;)&lt;/script&gt;" in page
    assert "&lt;p&gt;Hallo Anna,&lt;/p&gt;&lt;script&gt;alert(&#39;html&#39;)" in page
    assert "<script>alert" not in page and "<b>Anna" not in page


def test_a_message_to_a_resident_opens_only_by_a_recorded_post(
    site: Site, admin: FlaskClient
) -> None:
    """Its address and content are the resident's personal data: a link (GET) shows what the
    message is, the button (POST with CSRF) records the opening first, then shows them."""
    welcome = seed_mail(site)
    initiative_id = site.app.initiative_ids()[0]
    subject_id = site.app.get_initiative(initiative_id).initiator.subject_id
    url = f"/beheer/admin/mail/bericht/{welcome}"
    before = len(site.app.processing_log())
    asked = text_of(admin.get(url))
    assert "<h1>Welkom &lt;b&gt;Anna&lt;/b&gt;</h1>" in asked
    assert "anna@example.org" not in asked and "Hallo Anna" not in asked
    assert "verborgen (persoonsgegevens van een bewoner)" in asked
    assert f'<form method="post" action="{url}">' in asked
    # Without its CSRF token (a post from another site) nothing opens and nothing is recorded.
    refused = admin.post(url, data={})
    assert refused.status_code == 400 and "anna@example.org" not in text_of(refused)
    assert len(site.app.processing_log()) == before
    opened = text_of(post(admin, url, url))
    assert "<dd>anna@example.org</dd>" in opened and "Hallo Anna," in opened
    [record] = site.app.processing_log()[before:]
    assert (record.subject_id, record.initiative_id) == (subject_id, initiative_id)
    assert record.actor.id == "staff:beheer" and record.purpose == "controle verzonden e-mail"
    assert record.fields == ["email", "mail"]


def test_team_mail_shows_at_once_and_unattributable_mail_not_at_all(
    site: Site, admin: FlaskClient
) -> None:
    mailer = site.container.mailer
    initiative_id = site.app.initiative_ids()[0]
    team = compose("centrum@gemeente.example", "Nieuw initiatief", "Er is een initiatief voor u.")
    team_key = f"handoff-{initiative_id}-v2-team:{CENTRUM}"
    assert mailer.send(team_key, team, audience=f"team:{CENTRUM}", kind="handoff") == "sent"
    stray = compose("iemand@example.org", "Los bericht", "Beste Iemand, ...")
    assert mailer.send("los-bericht-1", stray) == "sent"
    before = len(site.app.processing_log())
    shown = text_of(
        admin.get(f"/beheer/admin/mail/bericht/handoff-{initiative_id}-v2-team_{CENTRUM}.eml")
    )
    assert "<dd>centrum@gemeente.example</dd>" in shown and "Er is een initiatief voor u." in shown
    for answer in (
        admin.get("/beheer/admin/mail/bericht/los-bericht-1.eml"),
        post(admin, "/beheer/admin/mail/bericht/los-bericht-1.eml"),
    ):
        page = text_of(answer)
        assert answer.status_code == 200 and "<h1>Los bericht</h1>" in page
        assert "iemand@example.org" not in page and "Beste Iemand" not in page
        assert "niet vast te stellen voor wie het was" in page
    assert len(site.app.processing_log()) == before


@pytest.mark.parametrize(
    "name", ["onbekend.eml", "..%2Fmail.sqlite", "..%2F..%2Fsecret.key", ".eml", "mail.sqlite"]
)
def test_only_messages_in_the_outbox_can_be_shown(
    site: Site, admin: FlaskClient, name: str
) -> None:
    seed_mail(site)
    assert admin.get(f"/beheer/admin/mail/bericht/{name}").status_code == 404


def test_the_mail_pages_are_for_admins_only(site: Site) -> None:
    welcome = seed_mail(site)
    site.container.staff.add(
        "audrey", "Audrey", Role.AUDITOR, [], ADMIN_PASSWORD, Actor.system("test")
    )
    client = site.client()
    assert login(client, "audrey", ADMIN_PASSWORD).status_code == 303
    for url in ("/beheer/admin/mail", f"/beheer/admin/mail/bericht/{welcome}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "anna@example.org" not in text_of(response)
    token = csrf_token(client, "/beheer/")
    opening = client.post(f"/beheer/admin/mail/bericht/{welcome}", data={"csrf_token": token})
    assert opening.status_code == 403 and "anna@example.org" not in text_of(opening)


# -- accessibility -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def seed_retention(site: Site) -> None:
    """An initiative withdrawn half a year ago, so the privacy page lists it for retention."""
    from datetime import timedelta

    from tests.conftest import submission

    past = site.app.clock() - timedelta(days=200)
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    iid = site.app.submit(data, at=past).initiative_id
    initiator = Actor.initiator(site.app.get_initiative(iid).initiator.subject_id)
    site.app.act(iid, Withdraw(), actor=initiator, at=past + timedelta(days=1))
    site.project()


NEW_PAGES = ("themas", "themas-fouten")  # also checked in English and at 390 px


def test_every_admin_page_has_no_wcag_violations(site: Site) -> None:
    """axe-core (WCAG 2.1 A and AA) on each admin page, also with errors and a backtest shown."""
    import os
    import threading

    from werkzeug.serving import make_server

    from tests.conftest import missing_service
    from tests.services import free_port

    chromium = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        missing_service(f"chromium not found at {chromium} (apt-get install chromium)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    add_admin(site)
    site.container.staff.add(
        "gea", "Gea", Role.AREA_MANAGER, [CENTRUM], ADMIN_PASSWORD, Actor.system("test")
    )
    welcome = seed_mail(site)
    seed_retention(site)
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    found: dict[str, list[str]] = {}

    def submit(page: Any, action: str) -> None:
        page.click(f"main form[action='{action}'] button[type=submit]")
        page.wait_for_load_state()

    def rulebook_backtest(page: Any) -> None:
        text = page.input_value("#veld-rules-text")
        page.fill(
            "#veld-rules-text",
            edited(text, "2026-2", **{"wijk-centrum": "gebiedsteam-oude-haven"}),
        )
        page.click("button[value=backtest]")
        page.wait_for_selector("#backtest")

    def rulebook_publish(page: Any) -> None:
        rulebook_backtest(page)  # the text goes through the browser's textarea and back
        page.click("button[value=publiceren]")
        page.wait_for_selector("#melding-1")

    states: list[tuple[str, str, Any]] = [
        ("home", "/beheer/admin/", None),
        ("medewerkers", "/beheer/admin/medewerkers", None),
        (
            "medewerkers-fouten",
            "/beheer/admin/medewerkers",
            lambda p: submit(p, "/beheer/admin/medewerkers"),
        ),
        ("medewerker", "/beheer/admin/medewerkers/gea", None),
        (
            "medewerker-fouten",
            "/beheer/admin/medewerkers/gea",
            lambda p: submit(p, "/beheer/admin/medewerkers/gea/deactiveren"),
        ),
        ("eigen-account", "/beheer/admin/medewerkers/beheer", None),
        ("teams", "/beheer/admin/teams?team=gebiedsteam-centrum", None),
        ("teams-fouten", "/beheer/admin/teams", lambda p: submit(p, "/beheer/admin/teams")),
        ("opgaven", "/beheer/admin/opgaven", None),
        ("opgaven-fouten", "/beheer/admin/opgaven", lambda p: submit(p, "/beheer/admin/opgaven")),
        ("themas", "/beheer/admin/themas", None),
        ("themas-fouten", "/beheer/admin/themas", lambda p: submit(p, "/beheer/admin/themas")),
        ("gebiedskaart", "/beheer/admin/gebiedskaart", None),
        (
            "gebiedskaart-fouten",
            "/beheer/admin/gebiedskaart",
            lambda p: submit(p, "/beheer/admin/gebiedskaart"),
        ),
        ("regelboek", "/beheer/admin/regelboek", None),
        (
            "regelboek-fouten",
            "/beheer/admin/regelboek",
            lambda p: p.click("button[value=backtest]"),
        ),
        ("regelboek-backtest", "/beheer/admin/regelboek", rulebook_backtest),
        ("regelboek-gepubliceerd", "/beheer/admin/regelboek", rulebook_publish),
        ("taken", "/beheer/admin/taken", None),
        ("mail", "/beheer/admin/mail", None),
        ("mail-mislukt", "/beheer/admin/mail?status=failed", None),
        ("mail-bericht", f"/beheer/admin/mail/bericht/{welcome}", None),
        (
            "mail-bericht-geopend",
            f"/beheer/admin/mail/bericht/{welcome}",
            lambda p: submit(p, f"/beheer/admin/mail/bericht/{welcome}"),
        ),
        ("privacy", "/beheer/admin/privacy", None),
        (
            "privacy-fouten",
            "/beheer/admin/privacy",
            lambda p: submit(p, "/beheer/admin/privacy/verwijderen"),
        ),
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.goto(base + "/beheer/inloggen")
                page.fill("#veld-username", "beheer")
                page.fill("#veld-password", ADMIN_PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_url(re.compile(r".*/beheer/admin/$"))
                axe = Axe()
                for name, url, prepare in states:
                    if prepare is None:
                        continue  # a plain GET: tests/e2e/test_axe_everywhere.py checks it
                    page.goto(base + url)
                    if prepare is not None:
                        prepare(page)
                        page.wait_for_load_state()
                    if name.endswith("-fouten"):
                        assert page.locator(".error-summary").count() == 1, name
                    violations = axe.run(page, options=wcag).response["violations"]
                    if violations:
                        found[name] = [
                            f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations
                        ]
                # Pages added since: also in English and at 390 px, where nothing may make the
                # page scroll sideways (WCAG 1.4.10 reflow).
                for language in ("nl", "en"):
                    page.goto(f"{base}/taal/{language}?terug=/beheer/admin/")
                    for width in (1280, 390):
                        page.set_viewport_size({"width": width, "height": 900})
                        for name, url, prepare in states:
                            if name not in NEW_PAGES or prepare is None:
                                continue  # plain GETs: test_axe_everywhere.py, both widths
                            page.goto(base + url)
                            if prepare is not None:
                                prepare(page)
                                page.wait_for_load_state()
                            assert page.evaluate("document.documentElement.lang") == language
                            key = f"{name}-{language}-{width}"
                            result = axe.run(page, options=wcag).response["violations"]
                            if result:
                                found[key] = [
                                    f"{v['id']}: {v['nodes'][0]['target']}" for v in result
                                ]
                            sideways = page.evaluate(
                                "document.documentElement.scrollWidth"
                                " > document.documentElement.clientWidth"
                            )
                            if sideways:
                                found[key] = [*found.get(key, []), "scrolls sideways"]
            finally:
                browser.close()
    finally:
        server.shutdown()
    assert not found, found
    assert site.app.rulebook().current_version == "2026-2"


def _aggregates_in(value: Any, depth: int = 0) -> list[str]:
    """Aggregates reachable from a template's context value (lists, tuples, dicts, rows)."""
    from dataclasses import fields, is_dataclass

    from eventsourcing.domain import Aggregate

    if isinstance(value, Aggregate):
        return [type(value).__name__]
    if depth > 3:
        return []
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    elif is_dataclass(value) and not isinstance(value, type):
        items = [getattr(value, f.name) for f in fields(value)]
    else:
        return []
    return [name for item in items for name in _aggregates_in(item, depth + 1)]


def test_admin_and_staff_templates_receive_plain_data_not_aggregates(
    site: Site, admin: FlaskClient
) -> None:
    from flask import template_rendered

    seen: list[tuple[str, str, list[str]]] = []

    def record(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendered.append(template.name)
        for key, value in context.items():
            found = _aggregates_in(value)
            if found:
                seen.append((template.name, key, found))

    rendered: list[str] = []
    template_rendered.connect(record, site.flask)
    try:
        for url in (*PAGES, "/beheer/admin/teams?team=" + CENTRUM, "/beheer/"):
            assert admin.get(url).status_code == 200, url
    finally:
        template_rendered.disconnect(record, site.flask)
    assert {"admin/accounts.html", "admin/account.html", "admin/teams.html"} <= set(rendered)
    assert "admin/challenges.html" in rendered and "staff/home.html" in rendered
    assert seen == []
