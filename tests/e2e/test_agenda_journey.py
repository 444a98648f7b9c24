"""The area agenda end to end in a real browser (Debian's chromium): an area manager drafts a
ranked agenda, regie adopts it, the area manager links an initiative to a priority from its
detail page, the public area page shows it, and an auditor opens the agenda as it was before the
adoption and sees the draft."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from participatie.demo import ROUTER
from participatie.domain.values import Actor, Role
from tests.conftest import missing_service, submission
from tests.e2e.conftest import CHROMIUM_ARGS, PASSWORD, Site, browser_page, make_site
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
OUDE_HAVEN = "WK999902"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("journey") / "var"), agendas=False)
    system = Actor.system("test")
    staff = site.container.staff
    staff.add("gea", "Gea", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"], PASSWORD, system)
    staff.add("rita", "Rita", Role.REGIE, ["regie"], PASSWORD, system)
    staff.add("audrey", "Audrey", Role.AUDITOR, [], PASSWORD, system)
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        site.container.close()


def add_priority(page: Any, key: str, title: str, team: str, challenge: str, reason: str) -> None:
    page.fill("#veld-priority-key", key)
    page.fill("#veld-priority-title", title)
    page.fill("#veld-priority-result", f"Resultaat van {title.lower()}")
    page.select_option("#veld-priority-team", team)
    page.check(f"input[name=challenges][value={challenge}]")
    page.fill("#veld-priority-reason", reason)
    page.click("form[action$='/agenda/prioriteit'] button[type=submit]")
    page.wait_for_selector("#melding-1")


def test_draft_adopt_link_publish_and_look_back(served: tuple[Site, str]) -> None:
    site, base = served
    chromium = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        missing_service(f"chromium not found at {chromium} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    app = site.app
    data = SubmissionSchema.of(app).load_submission(
        submission(
            title="Zonnepanelen op de buurtschool",
            themes=["energie"],
            location={"area_code": "BU99990202"},
        )
    )
    energy = app.submit(data).initiative_id
    assert app.route_initiative(energy, ROUTER)
    site.project()
    year = str(app.clock().year)
    area_url = f"{base}/beheer/gebieden/{OUDE_HAVEN}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
        )
        try:
            # The area manager drafts two priorities and puts the second first.
            gea = browser_page(browser, base, "gea")
            gea.goto(area_url)
            add_priority(
                gea, "warmte", "Havenfront van het gas af", "opgaveteam-energie",
                "energietransitie", "na de buurtgesprekken",
            )  # fmt: skip
            add_priority(
                gea, "rondkomen", "Niemand valt tussen wal en schip",
                "opgaveteam-bestaanszekerheid", "bestaanszekerheid", "tweede prioriteit",
            )  # fmt: skip
            gea.select_option("#veld-move-key", "rondkomen")
            gea.select_option("#veld-move-move", "up")
            gea.fill("#veld-move-reason", "armoede eerst")
            gea.click("form[action$='/agenda/volgorde'] button[type=submit]")
            gea.wait_for_selector("#melding-1")
            assert gea.locator("#prioriteiten > li h3").all_text_contents() == [
                "Niemand valt tussen wal en schip (rondkomen)",
                "Havenfront van het gas af (warmte)",
            ]
            assert gea.locator("form[action$='/agenda/vaststellen']").count() == 0
            time.sleep(1.2)
            before_adoption = datetime.now(tz=UTC)
            time.sleep(1.2)

            # Regie adopts it.
            rita = browser_page(browser, base, "rita")
            rita.goto(area_url)
            rita.fill("#veld-vaststellen-reason", "regieoverleg")
            rita.click("form[action$='/agenda/vaststellen'] button[type=submit]")
            rita.wait_for_selector("#melding-1")
            assert "Versie 1 van de gebiedsagenda is vastgesteld." in rita.text_content(
                "#melding-1"
            )
            assert "Versie 1 is vastgesteld" in rita.text_content("#agenda-status")

            # The area manager confirms the suggested priority on the initiative's page.
            gea.goto(f"{base}/beheer/initiatieven/{energy}")
            suggestion = gea.locator("#agenda-suggesties li", has_text="Havenfront van het gas af")
            suggestion.locator("input[name=reason]").fill("zonnepanelen dragen bij aan warmte")
            suggestion.locator("button[type=submit]").click()
            gea.wait_for_selector("#agenda-koppelingen")
            assert "Havenfront van het gas af" in gea.text_content("#agenda-koppelingen")

            # The public area page shows the adopted agenda with the initiative.
            site.project()
            public = browser_page(browser, base, "")
            public.goto(f"{base}/gebieden/{OUDE_HAVEN}")
            warmte = public.locator("#prioriteit-warmte")
            assert warmte.locator("h3").text_content() == "Havenfront van het gas af"
            assert "Zonnepanelen op de buurtschool" in warmte.text_content()
            assert public.locator(".priorities > li h3").all_text_contents()[:2] == [
                "Niemand valt tussen wal en schip",
                "Havenfront van het gas af",
            ]

            # The auditor looks at the agenda as it was before the adoption: a draft.
            audrey = browser_page(browser, base, "audrey")
            moment = quote(before_adoption.isoformat())
            audrey.goto(f"{base}/beheer/audit/gebiedsagenda?agenda={OUDE_HAVEN}|{year}&op={moment}")
            assert audrey.text_content("#versie-1") == "Versie 1: concept"
            assert "Niemand valt tussen wal en schip" in audrey.text_content("#sectie-versie-1")
            audrey.goto(
                f"{base}/beheer/audit/gebiedsagenda?agenda={OUDE_HAVEN}|{year}"
                f"&op={quote(datetime.now(tz=UTC).isoformat())}"
            )
            assert audrey.text_content("#versie-1") == "Versie 1: vastgesteld"
        finally:
            browser.close()
