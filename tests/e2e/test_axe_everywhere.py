"""Every staff, admin and audit page in a real browser (Debian's chromium): axe-core finds no
WCAG 2.1 A/AA violation and no page scrolls sideways at 390 px (WCAG 1.4.10 reflow), in Dutch
and English, at 1280 and 390 px.

The pages are the GET routes of the whole URL map as tests/e2e/test_csrf_everywhere.py lists
them (a route added there is checked here too), on its world: the demo's 50 initiatives and
more, a question waiting for its initiator, area agendas, a mail in the outbox, an opening of
contact details in the processing log. A few states only a form reaches are added by hand: a
rulebook backtest result, a search with results.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from participatie.domain.values import Actor, Role
from tests.conftest import missing_service
from tests.e2e.conftest import CHROMIUM_ARGS, page_problems
from tests.e2e.test_csrf_everywhere import GETS, STAFF_COOKIE, World, _new_rulebook, world
from tests.services import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
AREAS = ("staff.", "admin.", "audit.")
NOT_PAGES = (".svg", ".csv", ".xlsx", ".json")
# Tables (in their scrolling wrapper) wider than the wrapper: a column is cut off.
CLIPPED = """[...document.querySelectorAll('.table-wrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .map(w => (w.querySelector('table') || w).id || w.getAttribute('aria-labelledby') || 'table')
"""
__all__ = ["world"]  # the shared world fixture, used below


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[str]:
    site = world.site
    # A processing log with an entry on it: a team member opened contact details.
    site.app.open_personal_data(
        world.case, Actor("staff:gea", Role.AREA_MANAGER, "gebiedsteam-centrum"), "behandeling"
    )
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def pages(world: World) -> list[tuple[str, str | None, str]]:
    """(name, user, path) of every HTML page of the staff, admin and audit areas."""
    found = []
    for endpoint, request in sorted(GETS.items()):
        if not endpoint.startswith(AREAS):
            continue
        req = request(world)
        if req.path.split("?")[0].endswith(NOT_PAGES) or "/fotos/" in req.path:
            continue  # a chart, a file or a photo: no page
        found.append((endpoint, req.user, req.path))
    return found


def backtest(page: Any) -> None:
    """The rulebook editor with a backtest result on it."""
    page.fill("#veld-rules-text", _new_rulebook())
    page.click("button[value=backtest]")
    page.wait_for_selector("#backtest")


EXTRA: list[tuple[str, str, str, Any]] = [
    ("admin.rulebook-backtest", "beheer", "/beheer/admin/regelboek", backtest),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_staff_admin_and_audit_page_passes_axe_and_reflows(
    world: World, served: str, language: str
) -> None:
    chromium = Path(os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        missing_service(f"chromium not found at {chromium} (apt-get install chromium)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base = served
    states = [(name, user, path, None) for name, user, path in pages(world)] + EXTRA
    assert len(states) > 30, [s[0] for s in states]
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            contexts = {}
            for user in sorted({str(s[1]) for s in states}):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                if user != "None":
                    token = world.site.container.staff.sessions.start(user)
                    context.add_cookies(
                        [{"name": STAFF_COOKIE, "value": token, "url": base + "/beheer"}]
                    )
                tab = context.new_page()
                tab.set_default_timeout(15_000)
                tab.goto(f"{base}/taal/{language}?terug=/privacy")
                contexts[user] = tab
            axe = Axe()
            for width in (1280, 390):
                for tab in contexts.values():
                    tab.set_viewport_size({"width": width, "height": 900})
                for name, user, path, prepare in states:
                    tab = contexts[str(user)]
                    response = tab.goto(base + path)
                    assert response is not None and response.status < 400, (name, response)
                    if prepare is not None:
                        prepare(tab)
                    assert tab.evaluate("document.documentElement.lang") == language
                    key = f"{name}-{language}-{width}"
                    if problems := page_problems(tab, axe):
                        found[key] = problems
                    if width == 1280:  # on a desktop a table fits: no column cut off
                        clipped = tab.evaluate(CLIPPED)
                        if clipped:
                            found[key] = [*found.get(key, []), f"clipped: {clipped}"]
        finally:
            browser.close()
    assert not found, found
