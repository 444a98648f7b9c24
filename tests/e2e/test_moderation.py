"""Moderation before publication, through the pages: a resident's text is public nowhere (page,
lists, Open311, API) until a moderator approves it; a redacted version is what everyone outside
then sees; hiding takes it away again. Bad input changes nothing; only moderators moderate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.values import Role
from tests.e2e.conftest import Site, add_staff, client_of, csrf_token, make_site

KERKBUURT = "BU99990101"
TITLE = "Speelplek bij de vijver"
DESCRIPTION = "Een speelplek bij de vijver. Mevrouw De Wit op nummer 4 is het er ook mee eens."
REDACTED = "Een speelplek bij de vijver; de buren zijn het er ook mee eens."
PENDING = "Nog niet: een moderator bekijkt uw tekst eerst."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("moderation") / "var", auto_approve=False)
    built = make_site(settings, moderated=True)
    add_staff(built, "rita", Role.REGIE, ["regie"])
    add_staff(built, "gea", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    add_staff(built, "beheer", Role.ADMIN, [])
    try:
        yield built
    finally:
        built.container.close()


def submit(site: Site, title: str = TITLE) -> tuple[UUID, FlaskClient]:
    """A resident submits with consent through the form; returns the id and their client (it
    follows the tracking code shown on the receipt)."""
    client = site.client()
    form = {
        "csrf_token": csrf_token(client, "/indienen"),
        "kind": "resident",
        "name": "Wim Vijver",
        "email": "wim@example.org",
        "title": title,
        "description": DESCRIPTION,
        "themes": ["groen"],
        "area_code": KERKBUURT,
        "consent": "ja",
        "doorgaan": "1",  # submit even when an earlier test's initiative is alike
    }
    receipt = client.post("/indienen", data=form, follow_redirects=True).get_data(as_text=True)
    code = re.search(r'id="volgcode"[^>]*>([^<]+)<', receipt)
    assert code, receipt[:3000]
    followed = client.post(
        "/volgen", data={"csrf_token": csrf_token(client, "/volgen"), "code": code.group(1)}
    )
    assert followed.status_code == 303
    site.project()
    found = next(i for i in site.app.initiative_ids() if site.app.get_initiative(i).title == title)
    return found, client


def public_everywhere(site: Site, initiative_id: UUID) -> dict[str, Any]:
    """What each public entrance says of the initiative (None: not there)."""
    client = site.client()
    page = client.get(f"/initiatieven/{initiative_id}")
    area = client.get(f"/gebieden/{KERKBUURT}").get_data(as_text=True)
    open311 = client.get(f"/open311/v2/requests/{initiative_id}.json").get_json()
    listing = client.get("/open311/v2/requests.json").get_json()
    link = f'href="/initiatieven/{initiative_id}"'
    return {
        "page": page.get_data(as_text=True) if page.status_code == 200 else None,
        "area list": re.search(rf"{link}>([^<]*)<", area).group(1) if link in area else None,  # type: ignore[union-attr]
        "open311": open311[0]["description"] or None,
        "open311 list": any(r["service_request_id"] == str(initiative_id) for r in listing),
    }


def moderate(client: FlaskClient, initiative_id: UUID, version: int, **form: str) -> Any:
    page = f"/beheer/moderatie/{initiative_id}"
    data = {"csrf_token": csrf_token(client, page), "version": str(version), **form}
    return client.post(page, data=data)


def test_a_text_is_public_nowhere_until_approved_then_redacted_then_hidden(site: Site) -> None:
    initiative_id, resident = submit(site)
    hidden = public_everywhere(site, initiative_id)
    assert hidden == {"page": None, "area list": None, "open311": None, "open311 list": False}
    assert PENDING in resident.get("/mijn-initiatief").get_data(as_text=True)

    rita = client_of(site, "rita")
    queue = rita.get("/beheer/moderatie").get_data(as_text=True)
    assert TITLE in queue and "Mevrouw De Wit" in queue  # the moderator reads it as submitted
    version = site.app.get_initiative(initiative_id).version
    approved = rita.post(
        "/beheer/moderatie",
        data={
            "csrf_token": csrf_token(rita, "/beheer/moderatie"),
            "ids": [str(initiative_id)],
            f"version-{initiative_id}": str(version),
        },
    )
    assert approved.status_code == 200
    assert "Goedgekeurd: nu openbaar." in approved.get_data(as_text=True)
    site.project()
    shown = public_everywhere(site, initiative_id)
    assert DESCRIPTION in shown["page"] and shown["area list"] == TITLE
    assert shown["open311"] == DESCRIPTION and shown["open311 list"]

    version = site.app.get_initiative(initiative_id).version
    redacted = moderate(
        rita,
        initiative_id,
        version,
        action="redact_public_text",
        title=TITLE,
        description=REDACTED,
        reason="Naam van een buurvrouw weggehaald",
    )
    assert redacted.status_code == 303
    site.project()
    shown = public_everywhere(site, initiative_id)
    assert REDACTED in shown["page"] and "De Wit" not in shown["page"]
    assert shown["open311"] == REDACTED
    track = resident.get("/mijn-initiatief").get_data(as_text=True)
    assert "Ja, in een versie die de moderator heeft aangepast." in track
    assert "Naam van een buurvrouw weggehaald" in track and REDACTED in track
    staff = rita.get(f"/beheer/initiatieven/{initiative_id}").get_data(as_text=True)
    assert "Mevrouw De Wit" in staff  # staff keep the text as written
    assert "Openbaar in een aangepaste versie" in staff

    version = site.app.get_initiative(initiative_id).version
    assert (
        moderate(
            rita, initiative_id, version, action="hide_public_text", reason="Op verzoek"
        ).status_code
        == 303
    )
    site.project()
    assert public_everywhere(site, initiative_id) == hidden
    history = [type(e).__name__ for e in site.app.history(initiative_id)]
    assert history[-3:] == ["PublicTextApproved", "PublicTextRedacted", "PublicTextHidden"]


# (what the moderator sends: "=" means the text as it is public now, the field, the message).
BAD = [
    (
        {"action": "hide_public_text", "reason": " "},
        "hide_public_text-reason",
        "Dit veld is verplicht.",
    ),
    (
        {"action": "redact_public_text", "title": "Kort", "description": REDACTED, "reason": "r"},
        "redact_public_text-title",
        "Geef een titel van 5 tot 150 tekens.",
    ),
    (
        {"action": "redact_public_text", "title": "=", "description": "=", "reason": "r"},
        "redact_public_text-title",
        "Er is niets veranderd.",
    ),
]


@pytest.mark.parametrize(("number", "bad"), list(enumerate(BAD)))
def test_bad_moderation_input_is_a_field_error_and_changes_nothing(
    site: Site, number: int, bad: tuple[dict[str, str], str, str]
) -> None:
    form, field, message = bad
    initiative_id, _ = submit(site, title=f"Bankje nummer {number}")
    rita = client_of(site, "rita")
    version = site.app.get_initiative(initiative_id).version
    assert moderate(rita, initiative_id, version, action="approve_public_text").status_code == 303
    now = {"title": f"Bankje nummer {number}", "description": DESCRIPTION}
    form = {k: now[k] if v == "=" else v for k, v in form.items()}
    before = site.events()
    answer = moderate(rita, initiative_id, version + 1, **form)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422, body[:2000]
    assert f'id="veld-{field}"' in body and message in body
    assert site.events() == before


def test_only_moderators_moderate_and_a_stale_version_is_409(site: Site) -> None:
    initiative_id, _ = submit(site, title="Boom bij de school")
    gea = client_of(site, "gea")
    assert gea.get("/beheer/moderatie").status_code == 403
    assert gea.get(f"/beheer/moderatie/{initiative_id}").status_code == 403
    assert "/beheer/moderatie" not in gea.get("/beheer/").get_data(as_text=True)
    admin = client_of(site, "beheer")
    assert admin.get("/beheer/moderatie").status_code == 200  # admin moderates by default
    before = site.events()
    seen = site.app.get_initiative(initiative_id).version - 1  # someone acted since
    stale = moderate(admin, initiative_id, seen, action="hide_public_text", reason="te laat")
    assert stale.status_code == 409 and 'id="melding"' in stale.get_data(as_text=True)
    assert site.events() == before


def test_the_moderation_queue_lists_the_oldest_first(site: Site) -> None:
    rita = client_of(site, "rita")
    page = rita.get("/beheer/moderatie").get_data(as_text=True)
    titles = re.findall(r"<strong>([^<]+)</strong></a>", page)
    submitted = {
        str(site.app.get_initiative(i).title): site.app.get_initiative(i).created_on
        for i in site.app.initiative_ids()
    }
    assert titles == sorted(titles, key=lambda t: submitted[t])
