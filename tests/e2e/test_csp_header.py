"""The security headers of every kind of answer, each written out in full by hand.

Public pages, tracking pages, staff, admin and audit pages, the JSON API (public, with a bearer
token, an error), its docs page, Open311, the health check, an error page and a CSRF refusal:
all carry the same Content-Security-Policy and the same five other security headers. Only the
Referrer-Policy and Cache-Control differ, as the table below says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.values import Actor, Role
from tests.conftest import submission
from tests.e2e.conftest import Site, follow, make_site

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
EVERYWHERE = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STAFF_COOKIE = "participatie_medewerker"
CENTRUM = "gebiedsteam-centrum"

# name: (who asks, method, path, status, Referrer-Policy, Cache-Control or None)
ANSWERS: dict[str, tuple[str | None, str, str, int, str, str | None]] = {
    "public home": (None, "GET", "/", 200, "same-origin", None),
    "public submit form": (None, "GET", "/indienen", 200, "same-origin", None),
    "public area page": (None, "GET", "/gebieden/GM9999", 200, "same-origin", None),
    "public initiative": (None, "GET", "/initiatieven/{case}", 200, "same-origin", None),
    "tracking start": (None, "GET", "/volgen", 200, "no-referrer", "no-store"),
    "tracking link": (None, "GET", "/volgen/{code}", 200, "no-referrer", "no-store"),
    "tracking page": ("tracker", "GET", "/mijn-initiatief", 200, "no-referrer", "no-store"),
    "staff login": (None, "GET", "/beheer/inloggen", 200, "same-origin", "no-store"),
    "staff home": ("gea", "GET", "/beheer/", 200, "same-origin", "no-store"),
    "staff queue": ("gea", "GET", f"/beheer/wachtrij/{CENTRUM}", 200, "same-origin", "no-store"),
    "staff detail": ("gea", "GET", "/beheer/initiatieven/{case}", 200, "same-origin", "no-store"),
    "staff refused": ("gea", "GET", "/beheer/regie", 403, "same-origin", "no-store"),
    "admin home": ("beheer", "GET", "/beheer/admin/", 200, "same-origin", "no-store"),
    "audit home": ("audrey", "GET", "/beheer/audit/", 200, "same-origin", "no-store"),
    "api public": (None, "GET", "/api/v1/themes", 200, "same-origin", None),
    "api with bearer": (
        "bearer",
        "GET",
        f"/api/v1/queues/{CENTRUM}",
        200,
        "same-origin",
        "no-store",
    ),
    "api unauthorised": (None, "GET", f"/api/v1/queues/{CENTRUM}", 401, "same-origin", None),
    "api openapi": (None, "GET", "/api/v1/openapi.json", 200, "same-origin", None),
    "api docs page": (None, "GET", "/api/v1/docs", 200, "same-origin", None),
    "open311": (None, "GET", "/open311/v2/services.json", 200, "same-origin", None),
    "health": (None, "GET", "/healthz", 200, "same-origin", None),
    "not found": (None, "GET", "/bestaat-niet", 404, "same-origin", None),
    "csrf refusal": (None, "POST", "/indienen", 400, "same-origin", None),
}
HTML = {name for name, answer in ANSWERS.items() if answer[3] in (200, 400, 403, 404)} - {
    "api public",
    "api with bearer",
    "api openapi",
    "open311",
    "health",
}


@dataclass
class World:
    site: Site
    case: str
    code: str
    bearer: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("headers") / "var"))
    system = Actor.system("test")
    for username, role, teams in (
        ("gea", Role.AREA_MANAGER, [CENTRUM]),
        ("beheer", Role.ADMIN, []),
        ("audrey", Role.AUDITOR, []),
    ):
        site.container.staff.add(username, username.title(), role, teams, "x" * 20, system)
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    done = site.app.submit(data)
    site.app.route_initiative(done.initiative_id, system)
    site.project()
    built = World(
        site,
        str(done.initiative_id),
        done.tracking_code,
        site.container.staff.issue_token("gea", "test", 1),
    )
    try:
        yield built
    finally:
        site.container.close()


def ask(world: World, name: str) -> Any:
    who, method, path, _, _, _ = ANSWERS[name]
    client: FlaskClient = world.site.client()
    headers = {}
    if who == "tracker":
        assert follow(client, world.code).status_code == 303
    elif who == "bearer":
        headers["Authorization"] = f"Bearer {world.bearer}"
    elif who is not None:
        token = world.site.container.staff.sessions.start(who)
        client.set_cookie(STAFF_COOKIE, token, path="/beheer")
    url = path.format(case=world.case, code=world.code)
    return client.open(url, method=method, headers=headers)


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_answer_carries_exactly_the_written_security_headers(world: World, name: str) -> None:
    """The full CSP and every other security header, once each, with the values written here."""
    _, _, _, status, referrer, cache = ANSWERS[name]
    response = ask(world, name)
    assert response.status_code == status
    expected = {**EVERYWHERE, "Referrer-Policy": referrer, "Cache-Control": cache}
    got = {header: response.headers.get(header) for header in expected}
    assert got == expected
    for header in expected:
        assert len(response.headers.getlist(header)) == (0 if expected[header] is None else 1)
    assert "Content-Security-Policy-Report-Only" not in response.headers


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


@pytest.mark.parametrize("name", sorted(HTML))
def test_html_pages_need_nothing_the_policy_blocks(world: World, name: str) -> None:
    """No inline script, inline style, event handler or javascript: link in any HTML page."""
    response = ask(world, name)
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert INLINE.findall(page) == []
