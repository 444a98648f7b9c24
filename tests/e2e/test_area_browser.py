"""The area steering pages in a real browser (Debian's chromium): axe-core finds no WCAG 2.1
A/AA violation, in Dutch and English, at 1280 and 390 px, with a realistic agenda on them, and
nothing makes a page scroll sideways at 390 px (WCAG 1.4.10 reflow)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from participatie.demo import ROUTER
from participatie.domain.agenda import Priority
from participatie.domain.values import Actor, Role
from tests.conftest import missing_service, submission
from tests.e2e.conftest import CHROMIUM_ARGS, PASSWORD, Site, browser_page, make_site, page_problems
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
OUDE_HAVEN = "WK999902"
YEAR = str(datetime.now(tz=UTC).year)
MANAGER = Actor("staff:gea", Role.AREA_MANAGER, "gebiedsteam-oude-haven")
REGIE = Actor("staff:rita", Role.REGIE, "regie")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("areas") / "var"), agendas=False)
    system = Actor.system("test")
    site.container.staff.add("rita", "Rita Regie", Role.REGIE, ["regie"], PASSWORD, system)
    site.container.staff.add("audrey", "Audrey Audit", Role.AUDITOR, [], PASSWORD, system)
    app = site.app
    priorities = [
        Priority(
            "rondkomen",
            "Niemand valt tussen wal en schip",
            "Schulden eerder in beeld bij 200 huishoudens",
            ("gesprekken schuldhulp", "bereik voedselbank"),
            "opgaveteam-bestaanszekerheid",
            ("bestaanszekerheid",),
            (),
        ),
        Priority(
            "warmte",
            "Havenfront van het gas af",
            "400 woningen op het warmtenet",
            ("aansluitingen warmtenet",),
            "opgaveteam-energie",
            ("energietransitie",),
            ("BU99990202",),
        ),
        Priority(
            "spelen",
            "Veilig buiten spelen",
            "Twee nieuwe speelplekken",
            (),
            "opgaveteam-jeugd",
            ("veilig-opgroeien",),
            ("BU99990202", "BU99990201"),
        ),
    ]
    app.draft_agenda(OUDE_HAVEN, YEAR, priorities, "na de buurtgesprekken", MANAGER)
    app.adopt_agenda(OUDE_HAVEN, YEAR, "regieoverleg", REGIE)
    app.revise_agenda(OUDE_HAVEN, YEAR, "voorjaarsnota", REGIE)
    order = ["bestaanszekerheid", "veilig-opgroeien", "energietransitie"]
    app.decide_challenge_order(
        OUDE_HAVEN, order, "armoede eerst, zo besloten in het regieoverleg", REGIE
    )
    data = SubmissionSchema.of(app).load_submission(
        submission(themes=["energie"], location={"area_code": "BU99990202"})
    )
    energy = app.submit(data).initiative_id
    app.route_initiative(energy, ROUTER)
    revised = app.agenda(OUDE_HAVEN, YEAR)
    assert revised is not None
    app.link_to_priority(OUDE_HAVEN, YEAR, energy, "rondkomen", "buurtgesprek", MANAGER)
    site.project()
    site.energy = energy  # type: ignore[attr-defined]
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        site.container.close()


def test_the_area_pages_have_no_wcag_violations_and_reflow(served: tuple[Site, str]) -> None:
    site, base = served
    energy = site.energy  # type: ignore[attr-defined]
    chromium = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        missing_service(f"chromium not found at {chromium} (apt-get install chromium)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    def open_trends(page: Any) -> None:
        for summary in page.locator("details.trend summary").all()[:2]:
            summary.click()

    def capacity_errors(page: Any) -> None:
        page.fill("#veld-cases", "veel")
        page.click("form[action$='/capaciteit'] button[type=submit]")
        page.wait_for_selector(".error-summary")

    def errors(page: Any) -> None:
        page.click("#opgaven ~ form button[type=submit]")  # no reason given
        page.wait_for_selector(".error-summary")

    moment = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M")
    # Plain GETs of the staff pages are in tests/e2e/test_axe_everywhere.py (matrix, capacity,
    # regie, P&C, challenge); here the pages with this fixture's agendas, errors and states.
    states: list[tuple[str, str, str, Any]] = [
        ("rita", "gebied", f"/beheer/gebieden/{OUDE_HAVEN}", None),
        ("rita", "gebied-fouten", f"/beheer/gebieden/{OUDE_HAVEN}", errors),
        ("rita", "buurt", "/beheer/gebieden/BU99990202", None),
        ("rita", "initiatief-agenda", f"/beheer/initiatieven/{energy}", None),
        ("rita", "capaciteit", "/beheer/capaciteit", open_trends),
        ("rita", "capaciteit-fouten", "/beheer/capaciteit", capacity_errors),
        ("anon", "openbaar-gebied", f"/gebieden/{OUDE_HAVEN}", None),
        (
            "audrey",
            "audit-agenda",
            f"/beheer/audit/gebiedsagenda?agenda={OUDE_HAVEN}|{YEAR}&op={moment}",
            None,
        ),
    ]
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
        )
        try:
            pages = {}
            for user in ("rita", "audrey", "anon"):
                pages[user] = browser_page(browser, base, "" if user == "anon" else user)
            axe = Axe()
            for language in ("nl", "en"):
                for page in pages.values():
                    page.goto(f"{base}/taal/{language}?terug=/privacy")
                for width in (1280, 390):
                    for page in pages.values():
                        page.set_viewport_size({"width": width, "height": 900})
                    for user, name, url, prepare in states:
                        page = pages[user]
                        page.goto(base + url)
                        if prepare is not None:
                            prepare(page)
                        assert page.evaluate("document.documentElement.lang") == language
                        key = f"{name}-{language}-{width}"
                        if problems := page_problems(page, axe):
                            found[key] = problems
        finally:
            browser.close()
    assert not found, found
