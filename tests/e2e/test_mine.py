"""Never lose your initiative: the personal tracking link mailed after the address is confirmed,
and "mijn initiatieven" (a sign-in link by e-mail shows every initiative and support of an
address), through the Flask test client with the mail jobs run as the relay would."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

from click.testing import CliRunner
from flask.testing import FlaskClient

from participatie.cli import main
from participatie.config import Settings
from participatie.domain.values import Actor, Role
from participatie.notifications.addresses import address_key, signin_mail_prefix
from participatie.notifications.messages import deliver
from participatie.privacy.erasure import erase_subject, finish_erasures
from tests.e2e.conftest import Site, csrf_token, make_site
from tests.e2e.test_public_pages import submit

ADDRESS = "kees.kanarie@example.org"  # the address the submission form of test_public_pages uses
LINK = re.compile(r"http://localhost(/[^\s\"<>]+)")
PRIVACY = Actor(id="privacy-officer", role=Role.ADMIN)


def read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def mails(site: Site, start: str) -> list[EmailMessage]:
    return [read(m) for m in site.container.mailer.messages() if m.name.startswith(start)]


def run_mail_jobs(site: Site, initiative_id: UUID) -> None:
    """What the relay does: one mail job per event (the ledger sends each message once)."""
    for version in range(1, site.app.get_initiative(initiative_id).version + 1):
        deliver(site.container, initiative_id, version)


def press(client: FlaskClient, path: str) -> Any:
    """Open a mailed link as a person does: the page, then its button."""
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token})


def submit_and_confirm(site: Site, **overrides: Any) -> tuple[str, UUID]:
    """Submit through the form, confirm the address with the mailed link; return code and id."""
    code = submit(site, **overrides)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    run_mail_jobs(site, initiative_id)
    (submitted,) = mails(site, f"submitted-{initiative_id}")
    confirm = next(p for p in LINK.findall(text_of(submitted)) if p.startswith("/bevestigen/"))
    assert press(site.client(), confirm).status_code == 200
    run_mail_jobs(site, initiative_id)
    return code, initiative_id


def test_after_confirming_the_initiator_gets_a_link_that_opens_the_tracking_page(
    site: Site,
) -> None:
    code, initiative_id = submit_and_confirm(site)
    (mail,) = mails(site, f"tracking_link-{initiative_id}")
    assert mail["To"] == ADDRESS
    assert mail["Subject"] == "Uw link naar de volgpagina: Bankje bij de vijver"
    body = text_of(mail)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (body, html, str(mail)):
        for form in (code, code.replace("-", ""), code.lower()):
            assert form not in part  # never the tracking code itself
    (path,) = [p for p in LINK.findall(body) if p.startswith("/volgen/toegang/")]
    assert "/mijn-initiatieven" in body
    # Running the job again sends nothing new.
    run_mail_jobs(site, initiative_id)
    assert len(mails(site, f"tracking_link-{initiative_id}")) == 1
    # A fresh browser: the link asks first (mail scanners), the button opens the page.
    browser = site.client()
    asked = browser.get(path)
    assert asked.status_code == 200 and "Volgpagina openen" in asked.get_data(as_text=True)
    assert asked.headers["Cache-Control"] == "no-store"
    assert asked.headers["Referrer-Policy"] == "no-referrer"
    assert browser.get("/mijn-initiatief").status_code == 303  # nothing opened by the GET
    opened = press(browser, path)
    assert opened.status_code == 303 and opened.headers["Location"] == "/mijn-initiatief"
    page = browser.get("/mijn-initiatief")
    assert page.status_code == 200 and "Bankje bij de vijver" in page.get_data(as_text=True)
    # An altered link opens nothing; a token made for another purpose neither.
    assert browser.get(path[:-3] + "xyz").status_code == 404
    other = site.container.tokens.make("confirm-email", {"i": str(initiative_id)})
    assert site.client().get(f"/volgen/toegang/{other}").status_code == 404


def test_an_expired_tracking_link_is_gone(site: Site) -> None:
    _, initiative_id = submit_and_confirm(site)
    old = site.container.tokens.make("track", {"i": str(initiative_id)}, now=1_000_000)
    answer = site.client().get(f"/volgen/toegang/{old}")
    assert answer.status_code == 410


def sign_in(site: Site, client: FlaskClient, address: str) -> Any:
    """Ask for a sign-in link for `address`, then open the newest one mailed."""
    before = {m.name for m in site.container.mailer.messages()}
    token = csrf_token(client, "/mijn-initiatieven")
    asked = client.post("/mijn-initiatieven", data={"csrf_token": token, "email": address})
    assert asked.status_code == 303
    assert asked.headers["Location"] == "/mijn-initiatieven?verstuurd=1"
    (new,) = [m for m in site.container.mailer.messages() if m.name not in before]
    assert new.name.startswith("signin-")
    message = read(new)
    assert message["To"] == address
    (path,) = LINK.findall(text_of(message))
    assert path.startswith("/mijn-initiatieven/toegang/")
    return press(client, path)


def support(site: Site, initiative_id: UUID, address: str) -> None:
    client = site.client()
    page = f"/initiatieven/{initiative_id}"
    token = csrf_token(client, page)
    before = {m.name for m in site.container.mailer.messages()}
    asked = client.post(f"{page}/steunen", data={"csrf_token": token, "email": address})
    assert asked.status_code == 303, asked.status_code
    (new,) = [m for m in site.container.mailer.messages() if m.name not in before]
    (path,) = [p for p in LINK.findall(text_of(read(new))) if p.startswith("/steun/")]
    assert press(client, path).status_code == 303
    run_mail_jobs(site, initiative_id)


def test_mijn_initiatieven_lists_every_initiative_and_support_of_the_address(site: Site) -> None:
    _, first = submit_and_confirm(site)
    _, second = submit_and_confirm(site, title="Speeltuin bij de school", email=ADDRESS.upper())
    unconfirmed = site.app.find_by_tracking_code(submit(site, title="Hondenveldje"))
    assert unconfirmed is not None
    run_mail_jobs(site, unconfirmed)  # mailed, never confirmed: not listed
    _, theirs = submit_and_confirm(
        site, title="Moestuin op het plein", email="buurvrouw@example.org", name="Ria Buur"
    )
    site.project()
    support(site, theirs, "Kees.Kanarie@Example.org ")  # a pasted space is taken off
    site.project()

    browser = site.client()
    assert browser.get("/mijn-initiatieven").status_code == 200  # the request form
    assert sign_in(site, browser, ADDRESS).headers["Location"] == "/mijn-initiatieven"
    page = browser.get("/mijn-initiatieven").get_data(as_text=True)
    own = page[page.index('id="ingediend"') : page.index('id="gesteund"')]
    assert "Bankje bij de vijver" in own and "Speeltuin bij de school" in own
    assert "Hondenveldje" not in page
    supported = page[page.index('id="gesteund"') :]
    assert "Moestuin op het plein" in supported
    assert f'href="/initiatieven/{theirs}"' in supported
    assert "buurvrouw" not in page and "Ria Buur" not in page

    # From the list the resident opens each of their own tracking pages, and only those.
    token = csrf_token(browser, "/mijn-initiatieven")
    for initiative_id, title in ((second, "Speeltuin bij de school"), (first, "Bankje")):
        opened = browser.post(
            "/mijn-initiatieven/volgen", data={"csrf_token": token, "initiative": initiative_id}
        )
        assert opened.status_code == 303
        assert title in browser.get("/mijn-initiatief").get_data(as_text=True)
    for foreign in (theirs, unconfirmed, "niet-een-id"):
        refused = browser.post(
            "/mijn-initiatieven/volgen", data={"csrf_token": token, "initiative": foreign}
        )
        assert refused.status_code == 404

    # Signing out forgets the address in this browser.
    assert browser.post("/mijn-initiatieven/afmelden", data={"csrf_token": token}).status_code
    assert "Stuur mij een link" in browser.get("/mijn-initiatieven").get_data(as_text=True)
    assert browser.get("/mijn-initiatief").status_code == 303


def test_an_unknown_address_gets_the_same_answer_and_sees_nothing(site: Site) -> None:
    submit_and_confirm(site)
    browser = site.client()
    assert sign_in(site, browser, "onbekend@example.org").status_code == 303
    page = browser.get("/mijn-initiatieven").get_data(as_text=True)
    assert "geen initiatief ingediend" in page and "steunt u geen initiatief" in page
    assert "Bankje bij de vijver" not in page


def test_a_bad_address_is_a_field_error_and_mails_nothing(site: Site) -> None:
    client = site.client()
    token = csrf_token(client, "/mijn-initiatieven")
    answer = client.post("/mijn-initiatieven", data={"csrf_token": token, "email": "geen-adres"})
    assert answer.status_code == 422
    assert 'href="#veld-email"' in answer.get_data(as_text=True)
    client.get("/taal/en")
    english = client.post("/mijn-initiatieven", data={"csrf_token": token, "email": "x@"})
    assert english.status_code == 422 and "Enter a valid email address" in english.get_data(
        as_text=True
    )
    assert site.container.mailer.messages() == []


def test_an_expired_or_altered_sign_in_link_opens_nothing(site: Site) -> None:
    tokens = site.container.tokens
    old = tokens.make("sign-in", {"a": "0" * 64}, now=1_000_000)
    client = site.client()
    assert client.get(f"/mijn-initiatieven/toegang/{old}").status_code == 410
    assert client.get("/mijn-initiatieven/toegang/gAAAAABnietecht").status_code == 404
    track = tokens.make("track", {"i": "x"})
    assert client.get(f"/mijn-initiatieven/toegang/{track}").status_code == 404


def test_sign_in_requests_are_limited_per_client(tmp_path: Path) -> None:
    limited = make_site(Settings(var_dir=tmp_path / "var"), SIGNIN_RATE_LIMIT="2 per minute")
    try:
        client = limited.client()
        token = csrf_token(client, "/mijn-initiatieven")
        answers = [
            client.post("/mijn-initiatieven", data={"csrf_token": token, "email": address})
            for address in ("a@example.org", "b@example.org", "c@example.org")
        ]
        assert [a.status_code for a in answers] == [303, 303, 429]
        assert len(limited.container.mailer.messages()) == 2
    finally:
        limited.container.close()


def test_erasing_the_initiator_ends_their_links_and_their_place_in_the_list(site: Site) -> None:
    _, initiative_id = submit_and_confirm(site)
    (mail,) = mails(site, f"tracking_link-{initiative_id}")
    (path,) = [p for p in LINK.findall(text_of(mail)) if p.startswith("/volgen/toegang/")]
    browser = site.client()
    assert press(browser, path).status_code == 303  # opened before the erasure
    signed_in = site.client()
    sign_in(site, signed_in, ADDRESS)
    assert site.container.addresses.count() == 1
    subject = site.app.get_initiative(initiative_id).initiator.subject_id
    erase_subject(site.container, subject, PRIVACY, "verzoek van de indiener")

    assert site.container.addresses.count() == 0
    assert site.client().get(path).status_code == 410
    assert browser.get("/mijn-initiatief").status_code == 303  # the open page is closed too
    page = signed_in.get("/mijn-initiatieven").get_data(as_text=True)
    assert "geen initiatief ingediend" in page
    left = [m.name for m in site.container.mailer.messages()]
    assert not [name for name in left if name.startswith(("signin-", "tracking_link-"))]
    assert site.container.mailer.log.keys_starting("signin-") == []


def test_the_index_can_be_rebuilt_from_the_log_and_skips_the_erased(site: Site) -> None:
    _, kept = submit_and_confirm(site)
    _, erased = submit_and_confirm(site, title="Speeltuin bij de school", email="ria@example.org")
    unconfirmed = site.app.find_by_tracking_code(submit(site, title="Hondenveldje"))
    assert unconfirmed is not None
    subject = site.app.get_initiative(erased).initiator.subject_id
    erase_subject(site.container, subject, PRIVACY, "verzoek van de indiener")
    book = site.container.addresses
    book.tables.change("DELETE FROM participatie_addresses")  # an upgrade: no index yet
    assert book.count() == 0
    result = CliRunner().invoke(main, ["privacy", "index-addresses"], env=cli_env(site))
    assert result.exit_code == 0, result.output
    assert "1 adressen" in result.output
    assert [(e.initiative_id, e.role) for e in book.of(address_key(site.app, ADDRESS))] == [
        (kept, "initiator")
    ]
    again = CliRunner().invoke(main, ["privacy", "index-addresses"], env=cli_env(site))
    assert "1 adressen" in again.output  # twice is harmless


def test_sign_in_mails_go_once_their_link_has_expired(site: Site) -> None:
    sign_in(site, site.client(), "oud@example.org")
    sign_in(site, site.client(), "nieuw@example.org")
    log = site.container.mailer.log
    old = first_key(site)
    (new,) = [k for k, _ in log.keys_starting("signin-") if k != old]
    log.tables.change(
        "UPDATE participatie_mail_log SET created_at = ? WHERE key = ?",
        ((datetime.now(UTC) - timedelta(hours=25)).isoformat(timespec="microseconds"), old),
    )
    finish_erasures(site.container)
    assert [k for k, _ in log.keys_starting("signin-")] == [new]
    names = [m.name for m in site.container.mailer.messages()]
    assert [n for n in names if n.startswith("signin-")] == [f"{new}.eml"]


def cli_env(site: Site) -> dict[str, str | None]:
    """The environment a command needs to work on the site's own store."""
    env: dict[str, str | None] = {n: None for n in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")}
    env["PARTICIPATIE_VAR_DIR"] = str(site.container.settings.var_dir)
    return env


def first_key(site: Site) -> str:
    """The ledger key of the sign-in mail to oud@example.org."""
    prefix = signin_mail_prefix(address_key(site.app, "oud@example.org"))
    (key,) = [k for k, _ in site.container.mailer.log.keys_starting(prefix)]
    return key


# -- mail preferences ------------------------------------------------------------------------


def test_the_initiator_turns_kinds_of_mail_off_and_on_on_the_tracking_page(site: Site) -> None:
    code, initiative_id = submit_and_confirm(site)
    browser = site.client()
    token = csrf_token(browser, "/volgen")
    browser.post("/volgen", data={"csrf_token": token, "code": code})
    page = browser.get("/mijn-initiatief").get_data(as_text=True)
    for kind in (
        "handoff_accepted",
        "information_requested",
        "public_update",
        "decision_published",
        "execution_started",
        "completed",
    ):
        assert f'id="bericht-{kind}" name="mail" value="{kind}" checked' in page
    keep = ["handoff_accepted", "information_requested", "decision_published", "completed"]
    token = csrf_token(browser, "/mijn-initiatief")
    saved = browser.post(
        "/mijn-initiatief/berichten", data={"csrf_token": token, "mail": [*keep, "bogus"]}
    )
    assert saved.status_code == 303
    assert site.app.get_initiative(initiative_id).muted_mail == [
        "public_update",
        "execution_started",
    ]
    page = browser.get("/mijn-initiatief").get_data(as_text=True)
    assert 'value="public_update" >' in page or 'value="public_update">' in page
    assert 'value="completed" checked' in page
    # The same choice again stores nothing; all on again is one more event.
    version = site.app.get_initiative(initiative_id).version
    browser.post("/mijn-initiatief/berichten", data={"csrf_token": token, "mail": keep})
    assert site.app.get_initiative(initiative_id).version == version
    everything = [*keep, "public_update", "execution_started"]
    browser.post("/mijn-initiatief/berichten", data={"csrf_token": token, "mail": everything})
    assert site.app.get_initiative(initiative_id).muted_mail == []
    assert site.app.get_initiative(initiative_id).version == version + 1


def mute_token(site: Site, payload: dict[str, str]) -> str:
    return site.container.tokens.make("mute", payload)


def test_the_link_in_a_mail_turns_its_kind_off_once(site: Site) -> None:
    _, initiative_id = submit_and_confirm(site)
    path = f"/berichten/uit/{mute_token(site, {'i': str(initiative_id), 'k': 'public_update'})}"
    client = site.client()
    asked = client.get(path)
    assert asked.status_code == 200
    assert "nieuws over mijn initiatief plaatst" in asked.get_data(as_text=True)
    assert site.app.get_initiative(initiative_id).muted_mail == []  # a GET changes nothing
    done = press(client, path)
    assert done.status_code == 200 and "Deze berichten staan uit" in done.get_data(as_text=True)
    assert site.app.get_initiative(initiative_id).muted_mail == ["public_update"]
    assert "stonden al uit" in client.get(path).get_data(as_text=True)  # no button any more
    again = client.post(path, data={"csrf_token": csrf_token(client, "/volgen")})
    assert "stonden al uit" in again.get_data(as_text=True)
    # A token naming a kind that always goes, another purpose, or altered: nothing.
    always = mute_token(site, {"i": str(initiative_id), "k": "submitted"})
    assert client.get(f"/berichten/uit/{always}").status_code == 404
    other = site.container.tokens.make("track", {"i": str(initiative_id)})
    assert client.get(f"/berichten/uit/{other}").status_code == 404
    assert client.get(path[:-4] + "abcd").status_code == 404
    # Erased: gone.
    subject = site.app.get_initiative(initiative_id).initiator.subject_id
    erase_subject(site.container, subject, PRIVACY, "verzoek van de indiener")
    assert client.get(path).status_code == 410


def test_a_supporter_asks_for_updates_and_stops_them_with_the_link(site: Site) -> None:
    _, initiative_id = submit_and_confirm(site)
    site.project()
    client = site.client()
    client.get("/taal/en")
    page = f"/initiatieven/{initiative_id}"
    token = csrf_token(client, page)
    form = {"csrf_token": token, "email": "bas@example.org", "updates": "ja"}
    assert client.post(f"{page}/steunen", data=form).status_code == 303
    (mail,) = [m for m in site.container.mailer.messages() if m.name.startswith("support-")]
    (path,) = [p for p in LINK.findall(text_of(read(mail))) if p.startswith("/steun/")]
    assert press(client, path).status_code == 303
    initiative = site.app.get_initiative(initiative_id)
    (supported,) = [e for e in site.app.history(initiative_id) if type(e).__name__ == "Supported"]
    assert (supported.updates, supported.language) == (True, "en")  # type: ignore[attr-defined]
    subject = supported.supporter.subject_id  # type: ignore[attr-defined]
    assert initiative.updates_for == [subject.hex]
    stop = f"/berichten/uit/{mute_token(site, {'i': str(initiative_id), 's': subject.hex})}"
    asked = client.get(stop).get_data(as_text=True)
    assert "Your support stays" in asked
    assert "no more email about this initiative" in press(client, stop).get_data(as_text=True)
    assert site.app.get_initiative(initiative_id).updates_for == []
    assert len(site.app.get_initiative(initiative_id).supporters) == 1  # the support stays
    again = client.post(stop, data={"csrf_token": csrf_token(client, "/volgen")})
    assert "already off" in again.get_data(as_text=True)


def test_erasing_an_initiative_counts_every_mail_it_removes(site: Site) -> None:
    from participatie.privacy.erasure import erase_initiative

    _, initiative_id = submit_and_confirm(site)  # the submitted mail and the personal link
    site.project()
    client = site.client()
    page = f"/initiatieven/{initiative_id}"
    token = csrf_token(client, page)
    form = {"csrf_token": token, "email": "nooit@example.org"}
    assert client.post(f"{page}/steunen", data=form).status_code == 303  # never confirmed
    sign_in(site, site.client(), ADDRESS)  # a sign-in mail to the initiator's address
    before = {m.name.split("-")[0] for m in site.container.mailer.messages()}
    assert before == {"submitted", "tracking_link", "support", "signin"}
    erasure = erase_initiative(site.container, initiative_id, PRIVACY, "verzoek")
    # By hand: submitted, tracking link, the support request and the sign-in mail.
    assert erasure.mails_removed == 4
    assert site.container.mailer.messages() == []


def test_erasing_an_initiator_takes_the_digests_that_list_their_initiative(site: Site) -> None:
    from participatie.notifications.digest import send_digests

    _, initiative_id = submit_and_confirm(site)
    _, other = submit_and_confirm(site, title="Speeltuin bij de school", email="ria@example.org")
    app = site.app
    for initiative in (initiative_id, other):
        app.route_initiative(initiative, Actor.system("worker"))
    lead = app.get_initiative(initiative_id).lead_team
    assert lead is not None and app.get_initiative(other).lead_team == lead
    site.container.staff.add(
        "lea", "Lea", Role.AREA_MANAGER, [lead], "een lang genoeg wachtwoord", PRIVACY, "l@x.nl"
    )
    site.project()
    (sent,) = send_digests(site.container, app.clock())
    assert sent.endswith(": sent")
    (digest,) = [m for m in site.container.mailer.messages() if m.name.startswith("digest-")]
    assert b"Bankje bij de vijver" in digest.read_bytes()
    subject = app.get_initiative(other).initiator.subject_id
    erase_subject(site.container, subject, PRIVACY, "verzoek van de indiener")
    assert not [m for m in site.container.mailer.messages() if m.name.startswith("digest-")]
