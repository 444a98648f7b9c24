"""The resident's web pages in a real browser (Debian's chromium, headless, via Playwright).

The platform runs for real: the Flask app on a loopback port, and `participatie relay`,
`participatie worker` and `participatie projector` as processes on Redis. Every public page is
checked with axe-core in both languages, and screenshots of each page at desktop and 390 px width
are written to `artifacts/screenshots/` (override with PARTICIPATIE_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from participatie.config import Settings
from participatie.domain.commands import AcceptHandoff, RequestInfo
from participatie.domain.values import Actor, Role
from participatie.notifications.links import support_link
from tests.conftest import REDIS_URL, missing_service
from tests.e2e.conftest import Site, make_site, past_similar
from tests.services import (
    Processes,
    drop_queue,
    free_port,
    redis_for_test,
    unique_queue,
    wait_until,
)

CHROMIUM = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("PARTICIPATIE_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts"
)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WIDTHS = {"desktop": 1280, "mobiel": 390}

pytestmark = [pytest.mark.slow, pytest.mark.browser]


class Live:
    """The site served on a loopback port, with the platform's processes running beside it."""

    def __init__(self, site: Site, base: str) -> None:
        self.site = site
        self.base = base

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("browser")
    with redis_for_test(REDIS_URL, workdir) as redis_url:
        queue = unique_queue()
        settings = Settings(
            var_dir=workdir / "var", redis_url=redis_url, queue_name=queue, reconcile_after=5
        )
        # The projector runs as a process: a person's own change is waited for (web/fresh.py).
        site = make_site(settings, SUBMIT_RATE_LIMIT="100 per minute", FRESH_WAIT_MS=5000)
        server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        processes = Processes(settings.as_environ(), workdir / "logs")
        try:
            for name in ("relay", "worker", "projector"):
                processes.start(name, name)
            yield Live(site, f"http://127.0.0.1:{server.server_port}")
        finally:
            processes.stop_all()
            server.shutdown()
            site.container.close()
            drop_queue(redis_url, queue)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing_service(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def tab_to(page: Any, element_id: str, limit: int = 60) -> None:
    """Press Tab until `element_id` has the focus: it must be reachable by keyboard, in order."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def type_into(page: Any, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def wait_for_text(page: Any, url: str, text: str, timeout: float = 60.0) -> str:
    """Reload `url` until it shows `text` (the workers and projector run in the background)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        body = str(page.content())
        if text in body:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared on {url}")
        time.sleep(0.5)


def test_a_resident_submits_by_keyboard_is_routed_answers_and_withdraws(
    live: Live, page: Any
) -> None:
    page.goto(live.url("/indienen"))
    page.keyboard.press("Tab")
    assert focused_id(page) == "" and page.evaluate("document.activeElement.className") == (
        "skip-link"
    )
    type_into(page, "veld-name", "Fatima El Amrani")
    type_into(page, "veld-email", "fatima@example.org")
    type_into(page, "veld-title", "Speeltuin opknappen")
    type_into(page, "veld-description", "De speeltuin aan de Kerkstraat is verouderd en onveilig.")
    tab_to(page, "veld-themes")
    page.keyboard.press("Space")  # groen
    tab_to(page, "theme-jeugd")
    page.keyboard.press("Space")
    tab_to(page, "veld-area_code")
    page.keyboard.type("Kerkbuurt")  # a select answers to typing its option's text
    tab_to(page, "veld-consent")
    page.keyboard.press("Space")
    assert page.evaluate("document.getElementById('veld-area_code').value") == "BU99990101"
    assert page.is_checked("#veld-themes") and page.is_checked("#theme-jeugd")
    for _ in range(10):  # on to the submit button, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    past_similar(page)
    page.wait_for_url(re.compile(r".*/ontvangen$"))
    code = page.text_content("#volgcode").strip()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{5}-){2}[0-9A-HJKMNP-TV-Z]{5}", code)
    app = live.site.app
    initiative_id = app.find_by_tracking_code(code)
    assert app.get_initiative(initiative_id).themes == ["groen", "jeugd"]
    # The relay hands the submission to a mail job: the confirmation arrives in the outbox.
    outbox = live.site.container.mailer.folder
    assert outbox is not None
    mail = outbox / f"submitted-{initiative_id}-v1-initiator.eml"
    assert wait_until(mail.exists, 30), "no confirmation mail"
    assert "To: fatima@example.org" in mail.read_text()

    # The relay and the worker route it; the page says so in plain Dutch with the team.
    body = wait_for_text(page, live.url("/mijn-initiatief"), "Doorgestuurd naar een team")
    lead = app.get_initiative(initiative_id).lead_team
    team_name = {t.code: t.name for t in app.teams()}[lead]
    assert team_name in page.text_content("#team")
    assert "Doorgestuurd naar " + team_name in body

    staff = Actor(id="staff:browser", role=Role.AREA_MANAGER, team=lead)
    app.act(initiative_id, AcceptHandoff(), actor=staff)
    app.act(initiative_id, RequestInfo(question="Welke toestellen mist u?"), actor=staff)
    page.goto(live.url("/mijn-initiatief"))
    assert page.text_content("#vraag").strip() == "Welke toestellen mist u?"
    type_into(page, "veld-answer", "Een schommel en een glijbaan.")
    page.keyboard.press("Tab")  # the send button
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/mijn-initiatief\?gedaan=provide_info$"))
    assert "Bedankt, uw antwoord is naar het team gestuurd." in page.content()
    assert app.get_initiative(initiative_id).status.value == "in_progress"

    type_into(page, "veld-reason", "De buurt regelt het zelf.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*gedaan=withdraw$"))
    assert "Ingetrokken" in page.text_content("#status")
    assert app.get_initiative(initiative_id).status.value == "withdrawn"


def test_a_business_with_an_invalid_kvk_number_sees_the_field_error_and_nothing_is_stored(
    live: Live, page: Any
) -> None:
    app = live.site.app
    before = app.recorder.max_notification_id()
    page.goto(live.url("/indienen"))
    page.check("#kind-business")
    page.fill("#veld-name", "Jan Bakker")
    page.fill("#veld-email", "jan@bakkerij.example")
    page.fill("#veld-organisation_name", "Bakkerij Bakker")
    page.fill("#veld-kvk_number", "12AB")
    page.fill("#veld-title", "Fietsenrekken bij de bakkerij")
    page.fill("#veld-description", "Klanten zetten hun fiets nu tegen de etalage, dat is onveilig.")
    page.check("#theme-ondernemen")
    page.select_option("#veld-area_code", "BU99990102")
    page.check("#consent-nee")
    page.click("button[type=submit]")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.locator("a").all_text_contents() == [
        "KvK-nummer: Een KvK-nummer bestaat uit 8 cijfers."
    ]
    assert "Een KvK-nummer bestaat uit 8 cijfers." in page.text_content("#fout-kvk_number")
    assert page.get_attribute("#veld-kvk_number", "aria-invalid") == "true"
    assert page.input_value("#veld-organisation_name") == "Bakkerij Bakker"
    page.click(".error-summary a[href='#veld-kvk_number']")
    assert focused_id(page) == "veld-kvk_number"
    assert app.recorder.max_notification_id() == before


def open_tracking_link(page: Any, url: str) -> None:
    """Follow a tracking link as a person does: the link asks, the button opens."""
    page.goto(url)
    page.click("#volgen-openen button[type=submit]")
    page.wait_for_url(re.compile(r".*/mijn-initiatief$"))


def _public_pages(live: Live, browser: Any) -> list[tuple[str, str, Any]]:
    """(name, url, prepare) for every public page; prepare(page) brings it into its state."""
    app = live.site.app
    context = browser.new_context()
    page = context.new_page()
    page.goto(live.url("/indienen"))
    page.fill("#veld-name", "Axe Tester")
    page.fill("#veld-email", "axe@example.org")
    page.fill("#veld-title", "Meer bomen in de Lijnbaan")
    page.fill("#veld-description", "Er staan bijna geen bomen; in de zomer is het er erg heet.")
    page.check("#veld-themes")
    page.select_option("#veld-area_code", "BU99990204")
    page.check("#veld-consent")
    page.click("button[type=submit]")
    past_similar(page)
    code = page.text_content("#volgcode").strip()
    context.close()
    initiative_id = app.find_by_tracking_code(code)
    wait_until_routed(app, initiative_id)
    lead = app.get_initiative(initiative_id).lead_team
    staff = Actor(id="staff:axe", role=Role.AREA_MANAGER, team=lead)
    app.act(initiative_id, AcceptHandoff(), actor=staff)
    app.act(initiative_id, RequestInfo(question="Waar precies?"), actor=staff)
    live.site.project()

    confirm_token = live.site.container.tokens.make("confirm-email", {"i": str(initiative_id)})
    link = support_link(app, live.site.container.tokens, initiative_id, "axe@example.org")
    assert link is not None
    support_token = link.token

    def submit_with_errors(page: Any) -> None:
        page.fill("#veld-kvk_number", "123")
        page.click("button[type=submit]")
        page.wait_for_selector(".error-summary")

    def wrong_code(page: Any) -> None:
        page.fill("#veld-code", "nope")
        page.click("button[type=submit]")
        page.wait_for_selector(".error-summary")

    def tracked(page: Any) -> None:
        open_tracking_link(page, live.url(f"/volgen/{code}"))

    return [
        ("home", "/", None),
        ("indienen", "/indienen", None),
        ("indienen-fouten", "/indienen", submit_with_errors),
        ("ontvangen", "/ontvangen", None),
        ("volgen", "/volgen", None),
        ("volgen-fout", "/volgen", wrong_code),
        ("volgen-link", f"/volgen/{code}", None),
        ("mijn-initiatief", "/mijn-initiatief", tracked),
        ("wijk", "/gebieden/WK999902", None),
        ("buurt", "/gebieden/BU99990204", None),
        ("initiatief", f"/initiatieven/{initiative_id}", None),
        ("steun-bevestigen", f"/steun/{support_token}", None),
        ("e-mail-bevestigen", f"/bevestigen/{confirm_token}", None),
        ("privacy", "/privacy", None),
        ("toegankelijkheid", "/toegankelijkheid", None),
        ("niet-gevonden", "/bestaat-niet", None),
    ]


def wait_until_routed(app: Any, initiative_id: Any, timeout: float = 60.0) -> None:
    from tests.services import wait_until

    assert wait_until(
        lambda: app.get_initiative(initiative_id).status.value != "submitted", timeout
    ), "the workers did not route the initiative"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_public_page_has_no_wcag_violations_and_is_photographed(
    live: Live, browser: Any, language: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    pages = _public_pages(live, browser)
    violations: dict[str, list[str]] = {}
    for width_name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(live.url(f"/taal/{language}"))
        for name, path, prepare in pages:
            if prepare is not None and prepare.__name__ == "tracked":
                prepare(page)
            page.goto(live.url(path))
            if prepare is not None and prepare.__name__ != "tracked":
                prepare(page)
            assert page.get_attribute("html", "lang") == language
            if width_name == "desktop" or name.startswith("indienen"):
                found = axe.run(page, options=WCAG).response["violations"]
                if found:
                    violations[f"{name}@{width_name}"] = [
                        f"{v['id']}: {v['help']} ({len(v['nodes'])}x: {v['nodes'][0]['target']})"
                        for v in found
                    ]
            page.screenshot(path=str(shots / f"{language}-{name}-{width_name}.png"), full_page=True)
        context.close()
    assert violations == {}
    for name, _, _ in pages:
        for width_name in WIDTHS:
            assert (shots / f"{language}-{name}-{width_name}.png").stat().st_size > 0


# -- staff ---------------------------------------------------------------------------------------


def staff_login(page: Any, live: Live, username: str) -> None:
    from tests.e2e.conftest import PASSWORD

    page.goto(live.url("/beheer/inloggen"))
    page.fill("#veld-username", username)
    page.fill("#veld-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r".*/beheer/$"))


def open_action(page: Any, action: str) -> None:
    page.click(f"#actie-{action} > summary")


def test_a_manager_triages_and_the_resident_sees_the_decision(
    live: Live, browser: Any, page: Any
) -> None:
    from tests.e2e.conftest import add_staff

    app = live.site.app
    team = "gebiedsteam-centrum"
    add_staff(live.site, "gm.browser", Role.AREA_MANAGER, [team])

    # The resident submits (their own browser).
    resident = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    resident.goto(live.url("/indienen"))
    resident.fill("#veld-name", "Ria de Bruin")
    resident.fill("#veld-email", "ria@example.org")
    resident.fill("#veld-title", "Bankjes op het Kerkplein")
    resident.fill(
        "#veld-description", "Op het Kerkplein kun je nergens zitten; graag drie bankjes."
    )
    resident.check("#theme-cultuur")
    resident.select_option("#veld-area_code", "BU99990101")
    resident.check("#veld-consent")
    resident.click("button[type=submit]")
    past_similar(resident)
    code = resident.text_content("#volgcode").strip()
    initiative_id = app.find_by_tracking_code(code)
    wait_until_routed(app, initiative_id)
    assert app.get_initiative(initiative_id).lead_team == team

    # The manager logs in, filters the queue and opens the initiative.
    staff_login(page, live, "gm.browser")
    page.click(f"a[href='/beheer/wachtrij/{team}']")
    page.select_option("#filter-theme", "cultuur")
    page.select_option("#filter-status", "routed")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*theme=cultuur.*"))
    for _ in range(60):  # the projector may still be catching up
        if page.locator("a", has_text="Bankjes op het Kerkplein").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    rows = page.locator("table.queue tbody tr")
    titles = [rows.nth(i).locator("td").nth(1).text_content() for i in range(rows.count())]
    assert all(titles) and any("Bankjes op het Kerkplein" in t for t in titles)
    page.click("a:has-text('Bankjes op het Kerkplein')")
    page.wait_for_url(re.compile(rf".*/beheer/initiatieven/{initiative_id}$"))

    open_action(page, "accept_handoff")
    page.click("#actie-accept_handoff button[type=submit]")
    page.wait_for_url(re.compile(r".*gedaan=accept_handoff$"))
    assert "In behandeling" in page.text_content("#status")

    open_action(page, "request_info")
    page.fill("#veld-request_info-question", "Waar op het plein wilt u de bankjes?")
    page.click("#actie-request_info button[type=submit]")
    page.wait_for_url(re.compile(r".*gedaan=request_info$"))
    assert "Wacht op informatie" in page.text_content("#status")

    # The resident answers on the public tracking page.
    open_tracking_link(resident, live.url(f"/volgen/{code}"))
    assert resident.text_content("#vraag").strip() == "Waar op het plein wilt u de bankjes?"
    resident.fill("#veld-answer", "Bij de oude lindeboom, in de schaduw.")
    resident.click("form.form button[type=submit]")
    resident.wait_for_url(re.compile(r".*gedaan=provide_info$"))

    # The manager sees the answer, decides, and publishes the decision separately.
    page.goto(live.url(f"/beheer/initiatieven/{initiative_id}"))
    assert "Bij de oude lindeboom, in de schaduw." in page.text_content("#tijdlijn")
    open_action(page, "decide")
    page.select_option("#veld-decide-outcome", "honoured")
    page.fill("#veld-decide-rationale", "Drie bankjes passen bij de lindeboom; ze komen in mei.")
    page.fill("#veld-decide-reason", "Past in het budget openbare ruimte 2027")
    page.click("#actie-decide button[type=submit]")
    page.wait_for_url(re.compile(r".*gedaan=decide$"))
    resident.goto(live.url("/mijn-initiatief"))
    assert "Drie bankjes" not in resident.content()  # not published yet

    open_action(page, "publish_decision")
    page.click("#actie-publish_decision button[type=submit]")
    page.wait_for_url(re.compile(r".*gedaan=publish_decision$"))

    # The resident sees the decision and its rationale.
    body = wait_for_text(resident, live.url("/mijn-initiatief"), "Drie bankjes passen")
    assert "Besluit: Gehonoreerd" in " ".join(resident.text_content("#besluit-kop").split())
    assert "Drie bankjes passen bij de lindeboom; ze komen in mei." in body
    resident.context.close()


def _routed_to(live: Live, title: str, team: str) -> Any:
    """A fresh initiative the workers route to `team` (cultuur in the Centrum does)."""
    from participatie.application.schemas import SubmissionSchema
    from tests.conftest import submission

    app = live.site.app
    data = SubmissionSchema.of(app).load_submission(
        submission(title=title, themes=["cultuur"], location={"area_code": "BU99990101"})
    )
    initiative_id = app.submit(data).initiative_id
    wait_until_routed(app, initiative_id)
    assert app.get_initiative(initiative_id).lead_team == team
    return initiative_id


def test_the_queue_shows_a_bulk_accept_at_once_and_offers_only_what_the_team_may_do(
    live: Live, browser: Any, page: Any
) -> None:
    """Read your own writes: after the bulk accept the row says "In behandeling" on the page
    the manager lands on, though the views are kept by a separate projector process. Work the
    team is only involved in has no checkbox."""
    from tests.e2e.conftest import add_staff

    team = "gebiedsteam-centrum"
    add_staff(live.site, "gm.bulk", Role.AREA_MANAGER, [team])
    initiative_id = _routed_to(live, "Zitbanken bij de bibliotheek", team)
    staff_login(page, live, "gm.bulk")
    queue = live.url(f"/beheer/wachtrij/{team}?sort=activity")  # the newest work first
    wait_for_text(page, queue, "Zitbanken bij de bibliotheek")
    page.check(f"#kies-{initiative_id}")
    page.select_option("#bulk-action", "accept_handoff")
    page.click("fieldset.bulk button[type=submit]")
    page.wait_for_selector("#resultaten")
    assert "opgeslagen, maar de lijst" not in page.text_content("#resultaten")
    row = page.locator("tr", has_text="Zitbanken bij de bibliotheek")  # the page landed on
    assert row.count() == 1 and "In behandeling" in row.text_content()
    # Involved work is there to read: no checkbox, and it says so.
    page.goto(live.url(f"/beheer/wachtrij/{team}?role=involved"))
    rows = page.locator("table.queue tbody tr")
    assert rows.count() > 0
    assert page.locator("table.queue tbody input[type=checkbox]").count() == 0
    assert rows.first.locator("td").first.text_content().strip() == "Alleen inzien"


def test_the_demo_s_regie_dashboard_shows_only_the_escalation_it_means_to(
    live: Live, browser: Any, page: Any
) -> None:
    """A fresh demo (with its processes running, as `make run` starts it): the regie dashboard
    shows the one hand-off the demo misses on purpose, taken up by regie, and nothing late."""
    from tests.e2e.conftest import add_staff

    add_staff(live.site, "regie.demo", Role.REGIE, ["regie"])
    staff_login(page, live, "regie.demo")
    page.goto(live.url("/beheer/regie"))
    assert page.text_content("#aantal-escalated") == "1"
    assert page.text_content("#aantal-expired") == "0"
    assert "Kookclub voor alleenstaande ouderen" in page.text_content("#lijst-escalated")
    assert page.locator(".deadline--overdue").count() == 0


def test_notes_from_two_tabs_are_both_kept(live: Live, browser: Any, page: Any) -> None:
    """Two tabs on the same initiative each add an internal note: no 409, both are kept."""
    from tests.e2e.conftest import add_staff

    team = "gebiedsteam-centrum"
    add_staff(live.site, "gm.tabs", Role.AREA_MANAGER, [team])
    initiative_id = _routed_to(live, "Leesplekken in het park", team)
    staff_login(page, live, "gm.tabs")
    detail = live.url(f"/beheer/initiatieven/{initiative_id}")
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(detail)
    for tab, note in ((page, "Eerst de buurt vragen."), (other, "Budget bij cultuur navragen.")):
        open_action(tab, "add_internal_note")
        tab.fill("#veld-add_internal_note-note", note)
        tab.click("#actie-add_internal_note button[type=submit]")
        tab.wait_for_url(re.compile(r".*gedaan=add_internal_note$"))
    timeline = other.text_content("#tijdlijn")
    assert "Eerst de buurt vragen." in timeline and "Budget bij cultuur navragen." in timeline


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_staff_page_has_no_wcag_violations(live: Live, browser: Any, language: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.conftest import add_staff

    app = live.site.app
    team = "gebiedsteam-centrum"
    for name, role, teams in (
        (f"axe.gm.{language}", Role.AREA_MANAGER, [team]),
        (f"axe.regie.{language}", Role.REGIE, ["regie"]),
    ):
        add_staff(live.site, name, role, teams)
    iid = next(
        i
        for i in app.initiative_ids()
        if app.get_initiative(i).lead_team == team and app.get_initiative(i).is_open
    )
    axe = Axe()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    violations: dict[str, list[str]] = {}

    def check(page: Any, name: str) -> None:
        assert page.get_attribute("html", "lang") == language
        for details in page.locator("details").all():  # every action form, opened
            details.evaluate("d => d.open = true")
        found = axe.run(page, options=WCAG).response["violations"]
        if found:
            violations[name] = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])}x: {v['nodes'][0]['target']})"
                for v in found
            ]
        page.screenshot(path=str(shots / f"{language}-staff-{name}.png"), full_page=True)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live.url(f"/taal/{language}"))
    page.goto(live.url("/beheer/inloggen"))
    check(page, "inloggen")
    page.fill("#veld-username", f"axe.gm.{language}")
    page.fill("#veld-password", "wrong password here")
    page.click("form.form button[type=submit]")
    check(page, "inloggen-fout")
    staff_login(page, live, f"axe.gm.{language}")
    check(page, "werkvoorraad")
    page.goto(live.url(f"/beheer/wachtrij/{team}"))
    check(page, "wachtrij")
    page.goto(live.url(f"/beheer/initiatieven/{iid}"))
    check(page, "initiatief")
    page.click("#contact button[type=submit]")  # opening is recorded: a post
    page.wait_for_selector("#contact dl.facts")
    check(page, "initiatief-contact")
    page.locator("#actie-add_internal_note").evaluate("d => d.open = true")
    page.click("#actie-add_internal_note button[type=submit]")  # empty: field error
    page.wait_for_selector(".error-summary")
    check(page, "initiatief-fout")
    page.goto(live.url("/beheer/regie"))  # not for a manager
    check(page, "geen-toegang")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live.url(f"/taal/{language}"))
    staff_login(page, live, f"axe.regie.{language}")
    page.goto(live.url("/beheer/regie"))
    check(page, "regie")
    context.close()

    # The admin pages have their own axe run in tests/e2e/test_admin_pages.py.
    assert violations == {}
