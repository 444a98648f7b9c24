"""Never lose your initiative, in a real browser (Debian's chromium): a resident submits twice,
confirms the address by mail, gets the personal tracking link and opens it in a fresh browser;
having lost every session, they ask for a sign-in link and see both initiatives, and open one.
The new pages have no WCAG 2.1 A/AA violation (axe-core) in Dutch and English at 1280 and
390 px, and do not scroll sideways."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from werkzeug.serving import make_server

from participatie.config import Settings
from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    Site,
    browser_page,
    make_site,
    page_problems,
    past_similar,
)
from tests.e2e.test_mine import LINK, mails, run_mail_jobs, text_of
from tests.e2e.test_search_browser import chromium
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADDRESS = "lotte.linde@example.org"
TITLES = ("Fietsenrekken bij het station", "Zwerfafval in de Lindengracht")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("mine") / "var"))
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        site.container.close()


def submit(page: Any, base: str, title: str) -> None:
    page.goto(base + "/indienen")
    page.fill("#veld-name", "Lotte Linde")
    page.fill("#veld-email", ADDRESS)
    page.fill("#veld-title", title)
    page.fill(
        "#veld-description", f"{title}: graag aandacht van de gemeente, het is al maanden zo."
    )
    page.check("#veld-themes")
    page.select_option("#veld-area_code", "BU99990101")
    page.check("#veld-consent")
    page.click("main form button[type=submit]")
    past_similar(page)
    page.wait_for_url(re.compile(r".*/ontvangen$"))


def check_page(page: Any, base: str, axe: Any, problems: dict[str, list[str]], name: str) -> None:
    """axe and reflow on the page now open, in both languages at both widths (what is found
    goes into `problems`); the page is left open in Dutch at 1280 px."""
    here = page.url
    for language in ("nl", "en"):
        page.goto(f"{base}/taal/{language}")
        page.goto(here)
        assert page.evaluate("document.documentElement.lang") == language
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            found = page_problems(page, axe)
            if found:
                problems[f"{name} {language} {width}"] = found
        page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/taal/nl")
    page.goto(here)


def newest(site: Site, title: str) -> UUID:
    return next(i for i in site.app.initiative_ids() if site.app.get_initiative(i).title == title)


def mailed_path(site: Site, start: str, prefix: str) -> str:
    (message,) = mails(site, start)
    (path,) = [p for p in LINK.findall(text_of(message)) if p.startswith(prefix)]
    return path


def test_submit_confirm_get_the_link_lose_the_session_and_sign_in(
    served: tuple[Site, str],
) -> None:
    site, base = served
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    problems: dict[str, list[str]] = {}

    def check(page: Any, name: str) -> None:
        check_page(page, base, axe, problems, name)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            ids = []
            for title in TITLES:
                resident = browser_page(browser, base)
                submit(resident, base, title)
                initiative_id = newest(site, title)
                run_mail_jobs(site, initiative_id)
                confirm = mailed_path(site, f"submitted-{initiative_id}", "/bevestigen/")
                resident.goto(base + confirm)
                resident.click("main form button[type=submit]")
                resident.wait_for_selector(".panel--success")
                run_mail_jobs(site, initiative_id)
                ids.append(initiative_id)
                resident.context.close()

            # The personal link in the mail opens the tracking page in a browser that never
            # saw the code.
            link = mailed_path(site, f"tracking_link-{ids[0]}", "/volgen/toegang/")
            fresh = browser_page(browser, base)
            fresh.goto(base + link)
            check(fresh, "track_access")
            fresh.click("main form button[type=submit]")
            fresh.wait_for_url(re.compile(r".*/mijn-initiatief$"))
            assert TITLES[0] in (fresh.text_content("main") or "")
            fresh.context.close()

            # Every session lost: the resident asks for a sign-in link with the address.
            lost = browser_page(browser, base)
            lost.goto(base + "/volgen")
            lost.click("text=Vraag met uw e-mailadres een link aan naar mijn initiatieven")
            lost.wait_for_url(re.compile(r".*/mijn-initiatieven$"))
            check(lost, "mine_request")
            lost.fill("#veld-email", ADDRESS)
            lost.click("main form button[type=submit]")
            lost.wait_for_selector(".panel--success")
            check(lost, "mine_request_sent")
            sign_in = mailed_path(site, "signin-", "/mijn-initiatieven/toegang/")
            lost.goto(base + sign_in)
            check(lost, "mine_sign_in")
            lost.click("main form button[type=submit]")
            lost.wait_for_selector("#ingediend")
            own = lost.text_content("#ingediend") or ""
            assert TITLES[0] in own and TITLES[1] in own
            check(lost, "mine")
            lost.click(f"#ingediend li:has-text('{TITLES[1]}') button")
            lost.wait_for_url(re.compile(r".*/mijn-initiatief$"))
            assert TITLES[1] in (lost.text_content("main") or "")
        finally:
            browser.close()
    assert problems == {}


def test_after_completion_the_resident_rates_and_reopens_and_the_team_gets_it_back(
    served: tuple[Site, str],
) -> None:
    """Issue 24: a completed initiative is rated and reopened from the tracking page; the lead
    team has it in its queue again with a new hand-off deadline, and the area's P&C page shows
    the rating per team."""
    site, base = served
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from participatie.domain.commands import (
        AcceptHandoff,
        Complete,
        Decide,
        PublishDecision,
        StartExecution,
    )
    from participatie.domain.values import Actor, Outcome, Role
    from tests.e2e.conftest import add_staff

    axe = Axe()
    problems: dict[str, list[str]] = {}
    title = "Losliggende stoeptegels bij de bibliotheek"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            resident = browser_page(browser, base)
            submit(resident, base, title)
            initiative_id = newest(site, title)
            app = site.app
            app.route_initiative(initiative_id, Actor.system("worker"))
            lead = app.get_initiative(initiative_id).lead_team
            assert lead is not None
            team = Actor(f"u-{lead}", Role.AREA_MANAGER, lead)
            for command in (
                AcceptHandoff(),
                Decide(Outcome.HONOURED, "Wij leggen de tegels opnieuw.", "schouw"),
                PublishDecision(),
                StartExecution(),
                Complete(),
            ):
                app.act(initiative_id, command, actor=team)
            site.project()

            resident.goto(base + "/mijn-initiatief")
            assert resident.locator("#beoordelen-kop").is_visible()
            check_page(resident, base, axe, problems, "track_finished")  # both new forms on it
            resident.check("#score-2")
            resident.fill("#veld-comment", "Er liggen nog steeds losse tegels.")
            resident.click("form[action$='/beoordelen'] button[type=submit]")
            resident.wait_for_selector("#beoordeling")
            resident.fill("#veld-reason", "Twee tegels liggen nog los voor de ingang.")
            resident.click("form[action$='/heropenen'] button[type=submit]")
            resident.wait_for_url(re.compile(r".*gedaan=reopen.*"))
            assert "heropend" in (resident.text_content("main") or "")
            site.project()

            # The team has it back, waiting for its hand-off answer, with a new deadline.
            add_staff(site, "lea", Role.AREA_MANAGER, [lead])
            staff = browser_page(browser, base, "lea")
            staff.goto(f"{base}/beheer/initiatieven/{initiative_id}")
            text = staff.text_content("main") or ""
            assert "Heropend op verzoek van de indiener" in text
            assert "Twee tegels liggen nog los voor de ingang." in text
            initiative = app.get_initiative(initiative_id)
            completed_at = next(
                e.timestamp for e in app.history(initiative_id) if type(e).__name__ == "Completed"
            )
            # A new hand-off, started at the reopening (after the completion), not yet due.
            assert initiative.handoff_pending and initiative.lead_team == lead
            assert initiative.handoff_since is not None and initiative.handoff_due is not None
            assert completed_at < initiative.handoff_since < initiative.handoff_due
            assert initiative.status.value == "routed"
            area = initiative.location.area_code
            staff.goto(f"{base}/beheer/gebieden/{area}/pc")
            rows = staff.locator("#pc-tevredenheid tbody tr")
            assert rows.count() == 1
            cells = rows.first.locator("td").all_text_contents()
            assert cells[1:] == ["1", "2"]  # one rating, a 2
            check_page(staff, base, axe, problems, "pc")
        finally:
            browser.close()
    assert problems == {}


def test_a_similar_initiative_nearby_is_suggested_and_supporting_it_instead_works(
    served: tuple[Site, str],
) -> None:
    site, base = served
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    title = "Watertappunt op het Kerkplein voor wandelaars"
    from participatie.application.schemas import SubmissionSchema

    resident_code = site.app.submit(
        {
            **SubmissionSchema.of(site.app).load_submission(
                {
                    "initiator": {"kind": "resident", "name": "Ria", "email": "ria@example.org"},
                    "title": title,
                    "description": "Wandelaars en hardlopers kunnen hier nergens water tappen.",
                    "themes": ["groen"],
                    "location": {"area_code": "BU99990101"},
                    "consent_to_publish": True,
                }
            ),
            "language": "nl",
        }
    )
    known = resident_code.initiative_id
    site.project()
    count = len(site.app.initiative_ids())
    axe = Axe()
    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            page = browser_page(browser, base)
            for language in ("nl", "en"):
                page.goto(f"{base}/taal/{language}")
                page.goto(base + "/indienen")
                page.fill("#veld-name", "Lotte Linde")
                page.fill("#veld-email", ADDRESS)
                page.fill("#veld-title", "Een watertappunt bij het Kerkplein")
                page.fill("#veld-description", "Graag een kraan met drinkwater op het plein.")
                page.check("#veld-themes")
                page.select_option("#veld-area_code", "BU99990101")
                page.check("#veld-consent")
                page.click("main form button[type=submit]")
                page.wait_for_selector("#vergelijkbaar")
                assert title in (page.text_content("#vergelijkbaar") or "")
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    if found := page_problems(page, axe):
                        problems[f"suggestion {language} {width}"] = found
                page.set_viewport_size({"width": 1280, "height": 900})
            assert len(site.app.initiative_ids()) == count  # nothing stored
            page.click(f"a[href='/initiatieven/{known}#steun-kop']")
            page.wait_for_url(re.compile(rf".*/initiatieven/{known}#steun-kop$"))
            page.fill("#veld-email", "lotte.linde@example.org")
            page.click("form[action$='/steunen'] button[type=submit]")
            page.wait_for_url(re.compile(r".*steun=verstuurd.*"))
            mails = [m for m in site.container.mailer.messages() if m.name.startswith("support-")]
            assert mails and any(str(known) in m.name for m in mails)
            assert len(site.app.initiative_ids()) == count  # supported, not submitted again
        finally:
            browser.close()
    assert problems == {}


def test_a_resident_follows_a_wijk_confirms_by_mail_and_stops_from_an_alert(
    served: tuple[Site, str],
) -> None:
    """Follow an area in a browser: the link on the wijk's page, the form (a bad address is a
    field error first), the confirmation link from the mail, an alert about a new initiative
    in a buurt of the wijk, and its stop link; axe 0 on the three new pages, nl+en, 1280+390."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_follow import follow_jobs

    site, base = served
    axe = Axe()
    problems: dict[str, list[str]] = {}
    address = "wijkvolger@example.org"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            resident = browser_page(browser, base)
            resident.goto(base + "/gebieden/WK999901")
            resident.click("#volgen")
            resident.wait_for_url(re.compile(r".*/gebieden/WK999901/volgen$"))
            resident.fill("#veld-email", "geen adres")
            resident.click("main form button[type=submit]")
            resident.wait_for_selector(".error-summary")
            check_page(resident, base, axe, problems, "follow with an error")
            resident.fill("#veld-email", address)
            resident.click("main form button[type=submit]")
            resident.wait_for_selector("#verstuurd")
            check_page(resident, base, axe, problems, "follow asked")
            follow_jobs(site)
            confirm = mailed_path(site, "follow-", "/gebieden/volgen/bevestigen/")
            resident.goto(base + confirm)
            check_page(resident, base, axe, problems, "follow confirm")
            resident.click("main form button[type=submit]")
            resident.wait_for_selector("#bevestigd")
            check_page(resident, base, axe, problems, "follow confirmed")
            follow_jobs(site)

            submit(resident, base, "Watertappunt bij de Kerkbuurt")  # BU99990101, in WK999901
            initiative_id = newest(site, "Watertappunt bij de Kerkbuurt")
            run_mail_jobs(site, initiative_id)
            (follow_id,) = site.container.followers.confirmed_in(["WK999901"])
            stop = mailed_path(site, f"follow-{follow_id}-{initiative_id}", "/gebieden/volgen/")
            resident.goto(base + stop)
            check_page(resident, base, axe, problems, "follow stop")
            resident.click("main form button[type=submit]")
            resident.wait_for_selector("#gestopt")
            check_page(resident, base, axe, problems, "follow stopped")
            assert site.container.followers.confirmed_in(["WK999901"]) == []
        finally:
            browser.close()
    assert problems == {}
