"""The public pages through the Flask test client: submit, confirm, track, answer, withdraw."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from babel.dates import format_date
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.commands import AcceptHandoff, AddInternalNote, RequestInfo
from participatie.domain.values import Actor, Role
from participatie.notifications.messages import deliver
from tests.conftest import REDIS_URL
from tests.e2e.conftest import Site, csrf_token, follow, make_site
from tests.services import free_port, redis_for_test

CODE = re.compile(r'id="volgcode">([0-9A-Z-]+)<')


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "resident",
        "name": "Kees Kanarie",
        "email": "kees.kanarie@example.org",
        "phone": "06-11223344",
        "address": "",
        "organisation_name": "",
        "kvk_number": "",
        "title": "Bankje bij de vijver",
        "description": "Een bankje bij de vijver zodat ouderen er even kunnen uitrusten.",
        "themes": ["groen", "openbare_ruimte"],
        "area_code": "BU99990101",
        "lat": "",
        "lon": "",
        "consent": "ja",
        "requested_support": "",
        "website": "",
        # Submit even when similar initiatives are near (tests/e2e/test_similar.py shows them).
        "doorgaan": "1",
    }
    data.update(overrides)
    return data


def post_submission(client: FlaskClient, **overrides: Any) -> Any:
    token = csrf_token(client, "/indienen")
    return client.post("/indienen", data={"csrf_token": token, **form(**overrides)})


def submit(site: Site, client: FlaskClient | None = None, **overrides: Any) -> str:
    """Submit through the form; return the tracking code the confirmation page shows."""
    client = client or site.client()
    response = post_submission(client, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = CODE.search(page)
    assert found, page
    return found.group(1)


def test_home_shows_the_map_of_buurten_and_recent_public_initiatives(site: Site) -> None:
    page = site.client().get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert page.count('<a href="/gebieden/BU') == 15  # every demo buurt is a link on the map
    assert 'aria-label="Kerkbuurt: ' in page
    assert "Recente initiatieven" in page
    assert page.count('class="card"') == 8


def test_a_stored_map_with_buurten_that_cannot_be_drawn_still_serves_every_public_page(
    site: Site,
) -> None:
    # Imported before the import refused such geometry: three buurten are not polygons.
    broken = {
        "BU99990101": {"type": "Point", "coordinates": [5.15, 52.06]},
        "BU99990102": {"type": "LineString", "coordinates": [[5.15, 52.06], [5.16, 52.07]]},
        "BU99990103": {
            "type": "GeometryCollection",
            "geometries": [{"type": "Point", "coordinates": [5.15, 52.06]}],
        },
    }
    areas = [
        dataclasses.replace(a, geometry=broken.get(a.code, a.geometry))
        for a in site.app.area_index().areas.values()
    ]
    site.app.import_area_map("2026-oud", areas, "test", Actor.system("test"))
    client = site.client()
    home = client.get("/")
    assert home.status_code == 200
    assert home.get_data(as_text=True).count('<a href="/gebieden/BU') == 12  # 15 - 3 left out
    assert client.get("/indienen").status_code == 200
    assert client.get("/gebieden/BU99990101").status_code == 200
    code = submit(site, client, area_code="BU99990101")
    assert client.get("/mijn-initiatief").status_code == 200, code


def test_a_resident_submits_and_gets_a_tracking_code_that_opens_the_initiative(site: Site) -> None:
    client = site.client()
    code = submit(site, client)
    # 15 symbols of Crockford's base32 (no I, L, O, U) in groups of five: read out over the phone
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    initiative = site.app.get_initiative(initiative_id)
    assert initiative.title == "Bankje bij de vijver"
    assert initiative.themes == ["groen", "openbare_ruimte"]
    assert initiative.location.area_code == "BU99990101"
    assert initiative.consent_to_publish is True
    assert site.app.personal_data(initiative_id)["email"] == "kees.kanarie@example.org"
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    assert "Bankje bij de vijver" in page
    assert "Ontvangen, wordt doorgestuurd" in page
    due = initiative.decision_due
    assert due is not None
    expected = format_date(due.astimezone(AMSTERDAM).date(), "long", locale="nl")
    assert f'<dd id="besluit-uiterlijk">{expected}</dd>' in page


def test_a_point_with_a_decimal_comma_lands_in_its_buurt(site: Site) -> None:
    code = submit(site, area_code="", lat="52,0800", lon="5,1100")
    initiative = site.app.get_initiative(site.app.find_by_tracking_code(code))
    assert initiative.location.area_code.startswith("BU9999")
    assert initiative.location.lat == pytest.approx(52.08)


def test_a_business_with_an_invalid_kvk_number_gets_the_field_error_and_nothing_is_stored(
    site: Site,
) -> None:
    before = site.events()
    response = post_submission(
        site.client(), kind="business", organisation_name="Bakkerij Brood", kvk_number="1234"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        '<a href="#veld-kvk_number">KvK-nummer: Een KvK-nummer bestaat uit 8 cijfers.</a>' in page
    )
    assert 'id="veld-kvk_number" name="kvk_number" value="1234"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="Bakkerij Brood"' in page  # nothing the user typed is lost
    assert site.events() == before


def test_every_error_is_listed_in_page_order_and_linked_to_its_field(site: Site) -> None:
    response = post_submission(
        site.client(),
        name="",
        email="geen-adres",
        title="Kort",
        themes=[],
        area_code="",
        consent="",
    )
    page = response.get_data(as_text=True)
    links = re.findall(r'<li><a href="#veld-(\w+)">', page)
    assert links == ["name", "email", "title", "themes", "area_code", "consent"]
    for field in links:
        assert f'id="veld-{field}"' in page
    assert "<title>Fout: Initiatief indienen" in page


def test_errors_are_in_english_after_the_language_switch(site: Site) -> None:
    client = site.client()
    switched = client.get("/taal/en?terug=/indienen")
    assert switched.status_code == 303 and switched.headers["Location"] == "/indienen"
    page = post_submission(client, title="Kort").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<a href="#veld-title">Title: Give a title of 5 to 150 characters.</a>' in page
    assert "Geef een titel" not in page


def test_language_switch_never_redirects_off_site(site: Site) -> None:
    response = site.client().get("/taal/en?terug=//evil.example/")
    assert response.headers["Location"] == "/"


def test_a_post_without_csrf_token_is_refused_and_stores_nothing(site: Site) -> None:
    before = site.events()
    response = site.client().post("/indienen", data=form())
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.get_data(as_text=True)
    assert site.events() == before


def test_the_honeypot_stores_nothing(site: Site) -> None:
    before = site.events()
    response = post_submission(site.client(), website="http://spam.example")
    assert response.status_code == 303
    assert site.events() == before


def test_submissions_over_the_rate_limit_get_429_with_redis_storage(tmp_path: Path) -> None:
    with redis_for_test(REDIS_URL, tmp_path) as url:
        settings = Settings(var_dir=tmp_path / "var", redis_url=url)
        limited = make_site(settings, SUBMIT_RATE_LIMIT="2 per minute")
        try:
            client = limited.client()
            # Refused forms do not count: a resident may fix mistakes.
            assert post_submission(client, title="x").status_code == 422
            submit(limited, client)
            submit(limited, client)
            before = limited.events()
            response = post_submission(client)
            assert response.status_code == 429
            assert "Even wachten" in response.get_data(as_text=True)
            assert 1 <= int(response.headers["Retry-After"]) <= 61  # the minute, whole seconds
            assert limited.events() == before
            import redis

            keys = redis.Redis.from_url(url).keys(
                f"*{limited.flask.config['RATELIMIT_KEY_PREFIX']}*"
            )
            assert keys, "the limiter keeps its counters in Redis"
        finally:
            limited.container.close()


def test_security_headers_on_every_page(site: Site) -> None:
    client = site.client()
    for url in ("/", "/indienen", "/gebieden/GM9999", "/privacy"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
    submit(site, client)
    for url in ("/mijn-initiatief", "/volgen"):
        tracking = client.get(url).headers
        assert tracking["Cache-Control"] == "no-store"
        assert tracking["Referrer-Policy"] == "no-referrer"


def test_unknown_tracking_code_is_a_field_error(site: Site) -> None:
    client = site.client()
    token = csrf_token(client, "/volgen")
    response = client.post("/volgen", data={"csrf_token": token, "code": "0000-1111"})
    assert response.status_code == 422
    assert "Deze volgcode kennen we niet" in response.get_data(as_text=True)
    assert client.get("/mijn-initiatief").status_code == 303


def test_a_typo_in_a_tracking_code_is_named_as_one(site: Site) -> None:
    code = submit(site)
    symbols = code.replace("-", "")
    # Swap two different neighbours that are not 0 and Z (the one pair the check cannot see).
    at = next(
        i
        for i in range(14)
        if symbols[i] != symbols[i + 1] and {symbols[i], symbols[i + 1]} != {"0", "Z"}
    )
    swapped = symbols[:at] + symbols[at + 1] + symbols[at] + symbols[at + 2 :]
    client = site.client()
    token = csrf_token(client, "/volgen")
    response = client.post("/volgen", data={"csrf_token": token, "code": swapped})
    assert response.status_code == 422
    assert "Deze volgcode bevat een tikfout" in response.get_data(as_text=True)
    assert client.get("/mijn-initiatief").status_code == 303
    # Read out over the phone: lower case, spaces, and O for 0 find it all the same.
    spoken = " ".join(code.lower().split("-")).replace("0", "o")
    response = client.post("/volgen", data={"csrf_token": token, "code": spoken})
    assert response.status_code == 303


def test_tries_of_unknown_codes_are_limited_per_client_and_typos_or_hits_do_not_count(
    tmp_path: Path,
) -> None:
    limited = make_site(Settings(var_dir=tmp_path / "var"), TRACK_RATE_LIMIT="3 per minute")
    try:
        code = submit(limited)
        client = limited.client()
        token = csrf_token(client, "/volgen")

        def attempt(text: str) -> int:
            return client.post("/volgen", data={"csrf_token": token, "code": text}).status_code

        unknown = ["00000-00000-00000", "11111-11111-1111B", "ZZZZZ-ZZZZZ-ZZZZE"]  # valid checks
        typo = "00000-00000-00001"
        assert [attempt(typo) for _ in range(5)] == [422] * 5  # typos do not count
        assert [attempt(code) for _ in range(5)] == [303] * 5  # nor does the right code
        assert attempt(unknown[0]) == 422
        assert client.get(f"/volgen/{unknown[1]}").status_code == 404  # a link's GET counts
        assert client.post(f"/volgen/{unknown[2]}", data={"csrf_token": token}).status_code == 404
        refused = client.post("/volgen", data={"csrf_token": token, "code": code})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert client.get(f"/volgen/{code}").status_code == 429
        api = client.post("/api/v1/tracking", json={"tracking_code": code})
        assert api.status_code == 429
        # Another client is not held up.
        other = limited.client()
        elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
        body = {"tracking_code": code}
        answer = other.post("/api/v1/tracking", json=body, environ_base=elsewhere)
        assert answer.status_code == 200
    finally:
        limited.container.close()


def test_a_tracking_code_opens_the_page_in_a_fresh_browser(site: Site) -> None:
    code = submit(site)
    client = site.client()
    token = csrf_token(client, "/volgen")
    response = client.post("/volgen", data={"csrf_token": token, "code": code.lower()})
    assert response.status_code == 303
    assert "Bankje bij de vijver" in client.get("/mijn-initiatief").get_data(as_text=True)
    link = site.client()
    assert follow(link, code).headers["Location"] == "/mijn-initiatief"
    assert "Bankje bij de vijver" in link.get("/mijn-initiatief").get_data(as_text=True)


def test_a_tracking_link_changes_nothing_until_its_button_is_pressed(site: Site) -> None:
    """A link on another site cannot make a browser follow someone else's initiative."""
    mine, theirs = submit(site), submit(site, title="Speeltuin bij de school")
    client = site.client()
    assert follow(client, mine).status_code == 303
    # Following the other initiative's link only asks; the browser still follows its own.
    page = client.get(f"/volgen/{theirs}")
    assert page.status_code == 200
    assert f'action="/volgen/{theirs}"' in page.get_data(as_text=True)
    assert "Bankje bij de vijver" in client.get("/mijn-initiatief").get_data(as_text=True)
    # A cross-site form post carries no CSRF token: refused, nothing changes.
    assert client.post(f"/volgen/{theirs}", data={}).status_code == 400
    assert "Bankje bij de vijver" in client.get("/mijn-initiatief").get_data(as_text=True)
    # The person's own click opens it.
    assert follow(client, theirs).status_code == 303
    assert "Speeltuin bij de school" in client.get("/mijn-initiatief").get_data(as_text=True)
    # An unknown code is not found, by GET and by POST alike.
    unknown = "00000-00000-00000"
    assert client.get(f"/volgen/{unknown}").status_code == 404


def _route_and_ask(site: Site, code: str, question: str) -> Any:
    initiative_id = site.app.find_by_tracking_code(code)
    site.app.route_initiative(initiative_id, Actor.system("worker"))
    lead = site.app.get_initiative(initiative_id).lead_team
    actor = Actor(id="staff:1", role=Role.AREA_MANAGER, team=lead)
    site.app.act(initiative_id, AcceptHandoff(), actor=actor)
    site.app.act(initiative_id, RequestInfo(question=question), actor=actor)
    return initiative_id


def test_the_resident_answers_the_teams_question(site: Site) -> None:
    client = site.client()
    code = submit(site, client)
    initiative_id = _route_and_ask(site, code, "Welke kant van de vijver bedoelt u?")
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    assert "Welke kant van de vijver bedoelt u?" in page
    assert "Wacht op informatie van de indiener" in page
    assert "De termijn staat stil tot u de vraag hieronder beantwoordt." in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    token = csrf_token(client, "/mijn-initiatief")
    response = client.post(
        "/mijn-initiatief/antwoord",
        data={"csrf_token": token, "version": version, "answer": "De noordkant, bij de eik."},
    )
    assert response.status_code == 303
    initiative = site.app.get_initiative(initiative_id)
    assert initiative.status.value == "in_progress"
    answer = site.app.history(initiative_id)[-1]
    assert answer.answer == "De noordkant, bij de eik."
    assert answer.actor == Actor.initiator(initiative.initiator.subject_id)
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    assert "De noordkant, bij de eik." in page
    assert "Bedankt, uw antwoord" not in page  # only right after answering


def test_a_stale_answer_gets_409_keeps_the_text_and_stores_nothing(site: Site) -> None:
    client = site.client()
    code = submit(site, client)
    initiative_id = _route_and_ask(site, code, "Welke kant?")
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    lead = site.app.get_initiative(initiative_id).lead_team
    site.app.act(
        initiative_id,
        AddInternalNote(note="Even nakijken"),
        actor=Actor(id="staff:2", role=Role.AREA_MANAGER, team=lead),
    )
    before = site.events()
    token = csrf_token(client, "/mijn-initiatief")
    response = client.post(
        "/mijn-initiatief/antwoord",
        data={"csrf_token": token, "version": str(version), "answer": "Mijn zorgvuldige antwoord"},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "intussen gewijzigd" in body
    assert "Mijn zorgvuldige antwoord</textarea>" in body
    assert site.events() == before


def test_the_resident_withdraws(site: Site) -> None:
    client = site.client()
    code = submit(site, client)
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    token = csrf_token(client, "/mijn-initiatief")
    response = client.post(
        "/mijn-initiatief/intrekken",
        data={"csrf_token": token, "version": version, "reason": "Opgelost met de buren"},
    )
    assert response.status_code == 303
    initiative = site.app.get_initiative(site.app.find_by_tracking_code(code))
    assert initiative.status.value == "withdrawn"
    page = client.get("/mijn-initiatief").get_data(as_text=True)
    assert "Ingetrokken door de indiener" in page
    assert "Initiatief intrekken</button>" not in page


def test_public_pages_show_no_personal_data_and_hide_unpublished_initiatives(site: Site) -> None:
    canary = uuid.uuid4().hex[:10]
    public = submit(
        site,
        name=f"Naam{canary}",
        email=f"{canary}@example.org",
        phone="06-99887766",
        address=f"Straat{canary} 1",
    )
    private = submit(site, title="Alleen voor de gemeente", consent="nee")
    site.project()
    client = site.client()
    public_id = site.app.find_by_tracking_code(public)
    private_id = site.app.find_by_tracking_code(private)
    pages = [
        client.get(url).get_data(as_text=True)
        for url in ("/", "/gebieden/BU99990101", "/gebieden/GM9999", f"/initiatieven/{public_id}")
    ]
    assert "Bankje bij de vijver" in pages[0] and "Bankje bij de vijver" in pages[1]
    for page in pages:
        assert canary not in page
        assert "06-99887766" not in page
        assert "Alleen voor de gemeente" not in page
    assert client.get(f"/initiatieven/{private_id}").status_code == 404


def test_the_public_timeline_names_the_team_in_the_readers_language(site: Site) -> None:
    code = submit(site)
    initiative_id = site.app.find_by_tracking_code(code)
    site.app.route_initiative(initiative_id, Actor.system("worker"))
    site.project()
    lead = site.app.get_initiative(initiative_id).lead_team
    name = {t.code: t.name for t in site.app.teams()}[lead]
    client = site.client()
    page = client.get(f"/initiatieven/{initiative_id}").get_data(as_text=True)
    assert page.count("Initiatief ingediend") == 1
    assert f"Doorgestuurd naar {name}" in page
    client.get("/taal/en")
    page = client.get(f"/initiatieven/{initiative_id}").get_data(as_text=True)
    assert "Initiative submitted" in page
    assert f"Forwarded to {name}" in page


def test_area_page_counts_and_lists_its_initiatives(site: Site) -> None:
    page = site.client().get("/gebieden/WK999901").get_data(as_text=True)
    assert "<h1>Centrum</h1>" in page
    assert 'href="/gebieden/BU99990101">Kerkbuurt</a>' in page
    assert site.client().get("/gebieden/XX").status_code == 404


LINK = re.compile(r"http://localhost(/steun/[A-Za-z0-9_=-]+)")


def _ask_support(site: Site, client: FlaskClient, initiative_id: Any, email: str) -> Any:
    page = f"/initiatieven/{initiative_id}"
    token = csrf_token(client, page)
    return client.post(f"{page}/steunen", data={"csrf_token": token, "email": email})


def support_mails(site: Site) -> list[Path]:
    return [m for m in site.container.mailer.messages() if m.name.startswith("support-")]


def _published(site: Site) -> Any:
    initiative_id = site.app.find_by_tracking_code(submit(site))
    site.project()
    return initiative_id


def test_support_is_counted_once_per_confirmed_address(site: Site) -> None:
    initiative_id = _published(site)
    client = site.client()
    before = site.events()
    response = _ask_support(site, client, initiative_id, "steuner@example.org")
    assert response.status_code == 303
    assert site.events() == before  # nothing is stored before the address is confirmed
    assert "Bijna klaar" in client.get(response.headers["Location"]).get_data(as_text=True)
    (mail,) = support_mails(site)
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["To"] == "steuner@example.org"
    assert message["Subject"] == "Bevestig uw steun voor: Bankje bij de vijver"
    text = message.get_content()  # type: ignore[attr-defined]
    path = LINK.search(text).group(1)  # type: ignore[union-attr]
    assert "steuner" not in path  # the address is not readable in the link
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Ja, ik steun dit initiatief" in confirm.get_data(as_text=True)
    assert site.events() == before  # a mail scanner following the link changes nothing
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert len(site.app.get_initiative(initiative_id).supporters) == 1
    # The same link again, or a new one for the same address: still one support.
    again = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "steunt u dit initiatief al" in again
    _ask_support(site, client, initiative_id, "STEUNER@example.org")
    assert len(site.app.get_initiative(initiative_id).supporters) == 1
    site.project()
    page = client.get(f"/initiatieven/{initiative_id}").get_data(as_text=True)
    assert '<dd id="steun">1</dd>' in page
    assert "steuner@example.org" not in page


def test_asking_again_mails_a_fresh_link(site: Site) -> None:
    initiative_id = _published(site)
    client = site.client()
    for _ in range(2):
        assert _ask_support(site, client, initiative_id, "steuner@example.org").status_code == 303
    first, second = (m.read_text() for m in support_mails(site))
    assert LINK.search(first).group(1) != LINK.search(second).group(1)  # type: ignore[union-attr]


def test_a_support_request_while_the_mail_server_is_down_says_try_again(tmp_path: Path) -> None:
    down = Settings(
        var_dir=tmp_path / "var", smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none"
    )
    site = make_site(down)
    try:
        initiative_id = _published(site)
        before = site.events()
        response = _ask_support(site, site.client(), initiative_id, "steuner@example.org")
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "We konden de e-mail nu niet versturen" in page
        assert 'value="steuner@example.org"' in page  # what was typed is kept
        assert site.events() == before
    finally:
        site.container.close()


def test_a_support_request_with_a_bad_address_is_a_field_error(site: Site) -> None:
    initiative_id = _published(site)
    response = _ask_support(site, site.client(), initiative_id, "geen-adres")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#veld-email">E-mailadres: Vul een geldig e-mailadres in' in page
    assert support_mails(site) == []


def test_an_expired_or_altered_support_link_is_refused(site: Site) -> None:
    initiative_id = _published(site)
    tokens = site.container.tokens
    old = tokens.make("support", {"i": str(initiative_id), "e": "a@example.org"}, now=1_000_000)
    client = site.client()
    expired = client.get(f"/steun/{old}")
    assert expired.status_code == 410
    assert "Deze link is verlopen" in expired.get_data(as_text=True)
    assert client.get("/steun/gAAAAABnietecht").status_code == 404
    other = tokens.make("confirm-email", {"i": str(initiative_id), "e": "a@example.org"})
    assert client.get(f"/steun/{other}").status_code == 404


def test_support_requests_over_the_rate_limit_get_429(tmp_path: Path) -> None:
    limited = make_site(Settings(var_dir=tmp_path / "var"), SUPPORT_RATE_LIMIT="1 per minute")
    try:
        initiative_id = _published(limited)
        client = limited.client()
        assert _ask_support(limited, client, initiative_id, "een@example.org").status_code == 303
        assert _ask_support(limited, client, initiative_id, "twee@example.org").status_code == 429
        assert len(support_mails(limited)) == 1
    finally:
        limited.container.close()


def test_the_initiator_confirms_their_address_once_with_the_mailed_link(site: Site) -> None:
    code = submit(site)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    assert site.container.mailer.messages() == []  # mail leaves through the relay, not the request
    deliver(site.container, initiative_id, 1)  # the job the relay enqueues for the submission
    (mail,) = site.container.mailer.messages()  # one per submission
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert mail.name == f"submitted-{initiative_id}-v1-initiator.eml"
    assert message["To"] == "kees.kanarie@example.org"
    assert message["Subject"] == "Uw initiatief is ontvangen: Bankje bij de vijver"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    path = re.search(r"http://localhost(/bevestigen/\S+)", text).group(1)  # type: ignore[union-attr]
    client = site.client()  # another browser: the link alone is enough
    before = site.events()
    assert "Ja, dit is mijn e-mailadres" in client.get(path).get_data(as_text=True)
    assert site.events() == before
    token = csrf_token(client, path)
    done = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "uw e-mailadres is bevestigd" in done
    assert site.app.get_initiative(initiative_id).email_confirmed is True
    again = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "Deze link is al gebruikt" in again
    assert site.events() == before + 1
    old = site.container.tokens.make("confirm-email", {"i": str(initiative_id)}, now=1_000_000)
    assert client.get(f"/bevestigen/{old}").status_code == 410


SCRIPTS_OWN = ("info", "incr", "incrby", "ttl", "pttl", "expire", "decr", "get")


def test_the_limiter_costs_one_redis_round_trip_on_the_hot_path(tmp_path: Path) -> None:
    """An accepted submission and a found tracking code: one script call each; a form with
    errors gives its reservation back (two); an unknown code is counted after (two)."""
    with redis_for_test(REDIS_URL, tmp_path) as url:
        limited = make_site(Settings(var_dir=tmp_path / "var", redis_url=url))
        try:
            server = redis.Redis.from_url(url)

            def commands() -> dict[str, int]:
                """What Redis itself counts (the limiter reads some answers late); the scripts'
                own commands count too, and are left out below."""
                stats = server.info("commandstats")
                return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}

            client = limited.client()
            code = submit(limited, client)  # loads the scripts
            token = csrf_token(client, "/volgen")
            for action, expected in (
                (lambda: submit(limited, client), {"evalsha": 1}),
                (lambda: post_submission(client, title="x"), {"evalsha": 2}),
                (lambda: client.post("/volgen", data={"csrf_token": token, "code": code}),
                 {"evalsha": 1}),
                (lambda: client.get("/volgen/00000-00000-00000"), {"evalsha": 2}),
                (lambda: client.get("/"), {}),
            ):  # fmt: skip
                before = commands()
                action()
                after = commands()
                sent = {
                    name: after[name] - before.get(name, 0)
                    for name in after
                    if name not in SCRIPTS_OWN and after[name] != before.get(name, 0)
                }
                assert sent == expected
        finally:
            limited.container.close()
