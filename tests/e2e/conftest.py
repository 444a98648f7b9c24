"""A demo municipality behind the Flask app, with its views projected on demand."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from participatie.bootstrap import Container
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import AUTO_APPROVE
from tests.services import catch_up
from web import container_of, create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    flask: Flask
    container: Container

    @property
    def app(self) -> Any:
        return self.container.app

    def client(self) -> FlaskClient:
        return self.flask.test_client()

    def project(self) -> None:
        catch_up(Projector(ViewsProjection(self.container.views, self.app)))

    def events(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = CSRF.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def follow(client: FlaskClient, code: str) -> TestResponse:
    """Open a tracking code as a person does from a link: the page, then its button (POST)."""
    token = csrf_token(client, f"/volgen/{code}")
    return client.post(f"/volgen/{code}", data={"csrf_token": token})


# Flask's test client asks for http://localhost/...: the site's public address, which every
# link it hands out starts with, is that too unless a test chooses another.
CLIENT_URL = "http://localhost"
DEFAULT_PUBLIC_URL = next(f.default for f in fields(Settings) if f.name == "public_url")


def make_site(
    settings: Settings, *, agendas: bool = True, moderated: bool = False, **config: Any
) -> Site:
    """The demo municipality behind a Flask test client. Its public text is approved at once
    (PARTICIPATIE_AUTO_APPROVE) unless the test is about moderation (`moderated`)."""
    if settings.public_url == DEFAULT_PUBLIC_URL:
        settings = settings.with_(public_url=CLIENT_URL)
    settings = settings.with_(auto_approve=not moderated)
    # No projector runs behind a test site (tests project on demand): never wait for one.
    defaults = {"RATELIMIT_KEY_PREFIX": f"t{id(settings)}", "FRESH_WAIT_MS": 0}
    template = _demo_template(settings, agendas) if _copyable(settings) else None
    if template is not None:
        shutil.copytree(template, settings.var_dir, dirs_exist_ok=True)
    flask = create_app(settings, test_config={**defaults, **config})
    container = container_of(flask)
    if template is None:
        load_demo(container.app, agendas=agendas)
    site = Site(flask, container)
    site.project()
    return site


# Per test process: a var/ with the demo loaded and projected, by (agendas, auto_approve), closed;
# a site on SQLite starts from a copy (about 0.1 s) instead of loading the demo (1.5-3 s).
_TEMPLATES: dict[tuple[bool, bool], Path] = {}


def _copyable(settings: Settings) -> bool:
    """Whether the site's whole store is a fresh var/ (SQLite in it) that a copy can fill."""
    var = settings.var_dir
    fresh = not var.exists() or not any(var.iterdir())
    return fresh and not settings.database_url and settings.sqlite_path is None


def _demo_template(settings: Settings, agendas: bool) -> Path:
    key = (agendas, settings.auto_approve)
    if key not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="demo-site-")) / "var"
        atexit.register(shutil.rmtree, folder.parent, True)
        built = create_app(
            Settings(var_dir=folder, auto_approve=settings.auto_approve),
            test_config={"FRESH_WAIT_MS": 0},
        )
        container = container_of(built)
        load_demo(container.app, agendas=agendas)
        catch_up(Projector(ViewsProjection(container.views, container.app)))
        container.close()
        _TEMPLATES[key] = folder
    return _TEMPLATES[key]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = make_site(Settings(var_dir=tmp_path / "var", auto_approve=AUTO_APPROVE))
    try:
        yield built
    finally:
        built.container.close()


PASSWORD = "een lang wachtwoord 2026"


def add_staff(site: Site, username: str, role: Any, teams: list[str]) -> None:
    """Create a staff account with the test password."""
    from participatie.domain.values import Actor

    site.container.staff.add(
        username, username.title(), role, teams, PASSWORD, Actor.system("test")
    )


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Log in through the login form; return the response (303 on success)."""
    token = csrf_token(client, "/beheer/inloggen")
    return client.post(
        "/beheer/inloggen",
        data={"csrf_token": token, "username": username, "password": password},
    )


def open_contact(client: FlaskClient, initiative_id: object) -> Any:
    """Open an initiator's contact details as the detail page's button does (a post)."""
    token = csrf_token(client, "/beheer/")
    return client.post(
        f"/beheer/initiatieven/{initiative_id}/contactgegevens", data={"csrf_token": token}
    )


def export_events(client: FlaskClient, **fields: str) -> Any:
    """Export events as the audit page's form does (a post); `fields` as the form names them."""
    token = csrf_token(client, "/beheer/audit/")
    return client.post("/beheer/audit/export", data={"csrf_token": token, **fields})


def client_of(site: Site, username: str) -> FlaskClient:
    """A client logged in as `username` through the login form."""
    client = site.client()
    assert login(client, username).status_code == 303
    return client


# The WCAG 2.1 A/AA rules axe-core runs on every page in the browser tests.
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def page_problems(page: Any, axe: Any) -> list[str]:
    """What axe-core finds on the page (one line per rule), and whether it scrolls sideways."""
    found = [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in axe.run(page, options=WCAG).response["violations"]
    ]
    if page.evaluate(SIDEWAYS):
        found.append("scrolls sideways")
    return found


def staff_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("participatie_medewerker", path="/beheer")
    return cookie.value if cookie else None


# Debian's chromium, headless, with nothing that reaches beyond this machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_page(browser: Any, base: str, username: str = "") -> Any:
    """A new page at 1280 px, logged in through the login form as `username` (if given)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    if username:
        page.goto(base + "/beheer/inloggen")
        page.fill("#veld-username", username)
        page.fill("#veld-password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/beheer/$"))
    return page


def past_similar(page: Any) -> None:
    """After a submission in the browser: when similar initiatives nearby are shown first
    (an earlier test submitted the same), submit anyway, as the resident would."""
    page.wait_for_load_state()
    if page.locator("#vergelijkbaar").count():
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
