"""Issue 23's journey in a real browser (Debian's chromium): a resident submits with two photos;
nothing is public until a moderator approves; the public page then shows the text and photos
(read back with Pillow: no EXIF); the moderator redacts the description; the public page and
Open311 show the redacted text. The new pages have no WCAG 2.1 A/AA violation (axe-core) in
Dutch and English at 1280 and 390 px, and do not scroll sideways."""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.serving import make_server

from participatie.config import Settings
from participatie.domain.values import Role
from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    Site,
    add_staff,
    browser_page,
    make_site,
    page_problems,
    past_similar,
)
from tests.e2e.test_search_browser import chromium
from tests.services import free_port
from tests.unit.test_photos import CANARY, camera_jpeg, png_with_text, traces

pytestmark = [pytest.mark.slow, pytest.mark.browser]
TITLE = "Omgewaaide boom in het Vijverpark"
DESCRIPTION = "Na de storm ligt een boom over het pad. Buurman Jansen van nummer 12 zag het."
REDACTED = "Na de storm ligt een boom over het pad."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str, Path]]:
    folder = tmp_path_factory.mktemp("journey")
    site = make_site(Settings(var_dir=folder / "var"), moderated=True)
    add_staff(site, "rita", Role.REGIE, ["regie"])
    server = make_server("127.0.0.1", free_port(), site.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    photos = folder / "fotos"
    photos.mkdir()
    (photos / f"IMG_{CANARY}.jpg").write_bytes(camera_jpeg())
    (photos / "tuin.png").write_bytes(png_with_text())
    try:
        yield site, f"http://127.0.0.1:{server.server_port}", photos
    finally:
        server.shutdown()
        site.container.close()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_submit_with_photos_moderate_then_redact(served: tuple[Site, str, Path]) -> None:
    site, base, photos = served
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    problems: dict[str, list[str]] = {}

    def check(page: Any, name: str) -> None:
        for language in ("nl", "en"):
            page.goto(base + f"/taal/{language}")
            page.goto(page_url[name])
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                found = page_problems(page, axe)
                if found:
                    problems[f"{name} {language} {width}"] = found
            page.goto(base + "/taal/nl")

    page_url: dict[str, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        try:
            resident = browser_page(browser, base)
            resident.goto(base + "/indienen")
            resident.fill("#veld-name", "Bo Boom")
            resident.fill("#veld-email", "bo@example.org")
            resident.fill("#veld-title", TITLE)
            resident.fill("#veld-description", DESCRIPTION)
            resident.check("#veld-themes")
            resident.select_option("#veld-area_code", "BU99990101")
            resident.set_input_files("#veld-photos", [str(p) for p in sorted(photos.iterdir())])
            resident.check("#veld-consent")
            resident.click("main form button[type=submit]")
            past_similar(resident)
            resident.wait_for_url(re.compile(r".*/ontvangen$"))
            site.project()
            initiative_id = next(
                i for i in site.app.initiative_ids() if site.app.get_initiative(i).title == TITLE
            )
            assert len(site.app.get_initiative(initiative_id).photos) == 2
            public = f"{base}/initiatieven/{initiative_id}"
            assert fetch(public)[0] == 404  # not public before a moderator looked
            assert fetch(f"{public}/fotos/1")[0] == 404

            moderator = browser_page(browser, base, "rita")
            moderator.goto(base + "/beheer/moderatie")
            moderator.check(f"#kies-{initiative_id}")
            page_url["moderation"] = base + "/beheer/moderatie"
            moderator.click("#goedkeuren")
            moderator.wait_for_selector("#resultaten .result--ok")
            site.project()

            resident.goto(public)
            assert resident.text_content("h1") == TITLE
            assert DESCRIPTION in (resident.text_content("main") or "")
            assert resident.locator("ul.photos img").count() == 2
            for position in (1, 2):
                status, data = fetch(f"{public}/fotos/{position}")
                assert status == 200 and traces(data) == []
                with Image.open(io.BytesIO(data)) as image:
                    assert not image.getexif() and not image.info.get("comment")
            page_url["public"] = public

            moderator.goto(f"{base}/beheer/moderatie/{initiative_id}")
            page_url["moderate"] = f"{base}/beheer/moderatie/{initiative_id}"
            moderator.click("#actie-redact_public_text summary")
            moderator.fill("#veld-redact_public_text-description", REDACTED)
            moderator.fill("#veld-redact_public_text-reason", "Naam van een buurman weggehaald")
            moderator.click("#actie-redact_public_text button[type=submit]")
            moderator.wait_for_selector("#gedaan")
            site.project()

            resident.goto(public)
            text = resident.text_content("main") or ""
            assert REDACTED in text and "Jansen" not in text
            status, body = fetch(f"{base}/open311/v2/requests/{initiative_id}.json")
            (request,) = json.loads(body)
            assert request["description"] == REDACTED
            assert request["media_url"] == f"http://localhost/initiatieven/{initiative_id}/fotos/1"

            check(moderator, "moderation")
            check(moderator, "moderate")
            check(resident, "public")
            resident.goto(base + "/mijn-initiatief")
            status_text = resident.text_content("#openbaar") or ""
            assert "Ja, in een versie die de moderator heeft aangepast." in status_text
            page_url["track"] = base + "/mijn-initiatief"
            check(resident, "track")
        finally:
            browser.close()
    assert problems == {}
