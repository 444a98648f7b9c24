"""The staff search in a real browser (Debian's chromium): an auditor types words of a title and
opens the initiative; the search pages have no WCAG 2.1 A/AA violation (axe-core) in Dutch and
English at 1280 and 390 px, and do not scroll sideways at 390 px."""

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
from participatie.domain.values import Role
from tests.conftest import missing_service
from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    Site,
    add_staff,
    browser_page,
    make_site,
    page_problems,
)
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
MOESTUIN = "Buurtmoestuin op het braakliggende veld aan de Graanstraat"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("search") / "var"))
    add_staff(site, "audrey", Role.AUDITOR, [])
    add_staff(site, "gea", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        site.container.close()


def chromium() -> Path:
    found = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not found.exists():
        missing_service(f"chromium not found at {found} (apt-get install chromium)")
    return found


def test_an_auditor_types_title_words_and_opens_the_initiative(served: tuple[Site, str]) -> None:
    _, base = served
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            page = browser_page(browser, base, "audrey")
            page.fill("#veld-q", "Buurtmoestuin graanstraat")
            page.click("form[role=search] button[type=submit]")
            page.wait_for_url(re.compile(r".*/beheer/zoeken\?q=Buurtmoestuin\+graanstraat$"))
            assert page.locator("#resultaten tbody tr").count() == 1
            page.click(f"#resultaten a:has-text('{MOESTUIN}')")
            page.wait_for_url(re.compile(r".*/beheer/initiatieven/[0-9a-f-]{36}$"))
            assert page.text_content("h1") == MOESTUIN
        finally:
            browser.close()


def test_the_search_pages_have_no_wcag_violations_and_reflow(served: tuple[Site, str]) -> None:
    _, base = served
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    def too_short(page: Any) -> None:
        page.fill("#veld-q", "ab")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_selector("#fout-q")

    states: list[tuple[str, str, str, Any]] = [
        ("audrey", "home", "/beheer/", None),
        ("audrey", "resultaten", "/beheer/zoeken?q=het", None),
        ("audrey", "leeg", "/beheer/zoeken", None),
        ("audrey", "fout", "/beheer/zoeken", too_short),
        ("gea", "geen-resultaten", "/beheer/zoeken?q=Buurtmoestuin", None),
        ("audrey", "audit-home", "/beheer/audit/", None),
        ("audrey", "audit-resultaten", "/beheer/audit/zoeken?q=station", None),
        # The public search (issue 24): the form, results with a next page, field errors.
        ("anon", "openbaar-zoeken", "/zoeken", None),
        ("anon", "openbaar-resultaten", "/zoeken?q=de", None),
        ("anon", "openbaar-fouten", "/zoeken?van=gisteren&gebied=XX", None),
        ("anon", "mijn-initiatieven", "/mijn-initiatieven", None),
    ]
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            pages = {
                user: browser_page(browser, base, "" if user == "anon" else user)
                for user in ("audrey", "gea", "anon")
            }
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
