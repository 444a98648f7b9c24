"""The admin tools in a real browser: an admin lands on the admin home, previews an area map
before importing it, and pages through a full outbox; axe-core (WCAG 2.1 A and AA) on the new
pages at 1280 and 390 px in Dutch and English, with no sideways scrolling at 390 px."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from participatie.notifications.mail import compose
from tests.conftest import missing_service
from tests.e2e.conftest import CHROMIUM_ARGS, Site
from tests.e2e.test_admin_pages import ADMIN_PASSWORD, add_admin, changed_demo_map
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def base(site: Site) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        missing_service(f"chromium not found at {chromium} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def fill_outbox(site: Site, count: int) -> None:
    """`count` messages to a team's mailbox, so the outbox needs more than one page."""
    initiative = site.app.initiative_ids()[0]
    for number in range(count):
        message = compose("centrum@gemeente.example", f"Nieuw initiatief {number}", "Tekst.")
        key = f"handoff-{initiative}-v{number}-team:gebiedsteam-centrum"
        site.container.mailer.send(key, message, audience="team:gebiedsteam-centrum")


def violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def test_an_admin_previews_a_map_then_imports_it_and_the_new_pages_pass_axe(
    site: Site, base: str, browser: Any, tmp_path: Path
) -> None:
    add_admin(site)
    fill_outbox(site, 60)
    upload = tmp_path / "wijken 2026.geojson"
    upload.write_bytes(changed_demo_map())
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/beheer/inloggen")
    page.fill("#veld-username", "beheer")
    page.fill("#veld-password", ADMIN_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/beheer/admin/$"))  # the admin home, not the work queue

    page.goto(base + "/beheer/admin/gebiedskaart")
    page.fill("#veld-map-version", "2026-2")
    page.set_input_files("#veld-map-file", str(upload))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/gebiedskaart/voorvertoning/[A-Za-z0-9_-]{32}$"))
    preview = page.url
    assert page.inner_text("h1") == "Voorvertoning kaartversie 2026-2"
    assert page.inner_text("#hernoemd") == "BU99990101 Kerkbuurt wordt Kerkhof"
    assert page.locator("#nieuwe-kaart svg path").count() == 15
    assert site.app.area_map_version() == "2026-1"  # nothing imported yet

    found: dict[str, list[str]] = {}
    pages = {"voorvertoning": preview, "mail-pagina-2": base + "/beheer/admin/mail?pagina=2"}
    for language in ("nl", "en"):
        page.goto(f"{base}/taal/{language}?terug=/beheer/admin/")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                page.goto(url)
                assert page.evaluate("document.documentElement.lang") == language
                key = f"{name}-{language}-{width}"
                result = violations(page)
                if page.evaluate(
                    "document.documentElement.scrollWidth > document.documentElement.clientWidth"
                ):
                    result.append("scrolls sideways")
                if result:
                    found[key] = result
    assert not found, found

    page.goto(f"{base}/taal/nl?terug=/beheer/admin/")
    page.goto(preview)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/beheer/admin/gebiedskaart$"))
    assert "Kaartversie 2026-2 is geïmporteerd: 20 gebieden." in page.inner_text("#melding-1")
    assert page.inner_text("#huidige-versie") == "2026-2"
    assert site.app.area_index().name("BU99990101") == "Kerkhof"
