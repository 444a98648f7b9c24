"""HTTPS only (PARTICIPATIE_SECURE_COOKIES=1), checked on real answers through the HTTP client.

With the setting on, every cookie the site sets carries `Secure`, every answer carries HSTS and
every address the site gives out starts with https://, even when the TLS proxy speaks plain HTTP
to us. Off (the default, for http://127.0.0.1), cookies are not `Secure` and there is no HSTS,
but the Flask session cookie (tracking code, CSRF secret) is `SameSite=Lax` either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from participatie.config import Settings
from participatie.domain.values import Role
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, csrf_token, login, make_site

HSTS = "max-age=31536000; includeSubDomains"
# name: (method, path, status) of answers of every kind: pages, API, Open311, health, errors.
ANSWERS = {
    "home": ("GET", "/", 200),
    "submit form": ("GET", "/indienen", 200),
    "staff login": ("GET", "/beheer/inloggen", 200),
    "staff redirect": ("GET", "/beheer/", 302),
    "api": ("GET", "/api/v1/themes", 200),
    "open311": ("GET", "/open311/v2/discovery.json", 200),
    "health": ("GET", "/healthz", 200),
    "not found": ("GET", "/bestaat-niet", 404),
    "csrf refusal": ("POST", "/indienen", 400),
}


def cookies(response: TestResponse) -> dict[str, set[str]]:
    """Cookie name → its attributes as sent (`Secure`, `Path=/`, ...), without the value."""
    found: dict[str, set[str]] = {}
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        name = first.partition("=")[0]
        found[name] = {a for a in attributes if not a.startswith(("Expires=", "Max-Age="))}
    return found


def _site(var_dir: Path, secure: bool) -> Site:
    site = make_site(Settings(var_dir=var_dir, secure_cookies=secure))
    add_staff(site, "gea", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    return site


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = _site(tmp_path_factory.mktemp("https") / "var", secure=True)
    try:
        yield site
    finally:
        site.container.close()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = _site(tmp_path_factory.mktemp("http") / "var", secure=False)
    try:
        yield site
    finally:
        site.container.close()


def test_the_session_cookie_is_secure_httponly_and_samesite_lax(secure: Site) -> None:
    response = secure.client().get("/indienen")  # the form puts a CSRF secret in the session
    assert cookies(response) == {"session": {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"}}


def test_the_staff_cookie_is_secure_at_login_and_at_logout(secure: Site) -> None:
    client = secure.client()
    response = login(client, "gea")
    assert response.status_code == 303
    assert cookies(response)["participatie_medewerker"] == {
        "Secure",
        "HttpOnly",
        "Path=/beheer",
        "SameSite=Lax",
    }
    token = csrf_token(client, "/beheer/")
    out = client.post("/beheer/uitloggen", data={"csrf_token": token})
    assert out.status_code == 303
    assert cookies(out)["participatie_medewerker"] == {
        "Secure",
        "HttpOnly",
        "Path=/beheer",
        "SameSite=Lax",
    }


def test_forms_work_over_https_without_a_referer(secure: Site) -> None:
    """The tracking pages send no Referer (Referrer-Policy: no-referrer), and some browsers never
    do: the CSRF token and the SameSite session protect the forms, not a referrer check."""
    code = secure.app.submit(submission(location={"area_code": "BU99990101"})).tracking_code
    client = secure.client()
    token = csrf_token(client, "/volgen")
    response = client.post("/volgen", data={"csrf_token": token, "code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == "/mijn-initiatief"
    forged = secure.client().post("/volgen", data={"code": code})
    assert forged.status_code == 400  # the control: still no post without the token


def test_the_language_cookie_is_secure(secure: Site) -> None:
    response = secure.client().get("/taal/en?terug=/")
    assert response.status_code == 303
    assert cookies(response)["taal"] == {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_answer_carries_hsts(secure: Site, name: str) -> None:
    method, path, status = ANSWERS[name]
    response = secure.client().open(path, method=method)
    assert response.status_code == status
    assert response.headers.getlist("Strict-Transport-Security") == [HSTS]


def test_open311_discovery_gives_https_addresses_behind_a_plain_http_proxy(secure: Site) -> None:
    client: FlaskClient = secure.client()
    body = client.get("/open311/v2/discovery.json").get_json()
    assert body["endpoints"][0]["url"] == "https://localhost/open311/v2"
    assert body["contact"].endswith("via https://localhost/")


def test_without_the_setting_cookies_are_not_secure_but_the_session_is_samesite_lax(
    plain: Site,
) -> None:
    client = plain.client()
    assert cookies(client.get("/indienen")) == {"session": {"HttpOnly", "Path=/", "SameSite=Lax"}}
    assert cookies(login(client, "gea"))["participatie_medewerker"] == {
        "HttpOnly",
        "Path=/beheer",
        "SameSite=Lax",
    }
    assert cookies(client.get("/taal/en?terug=/"))["taal"] == {
        "HttpOnly",
        "Path=/",
        "SameSite=Lax",
    }


@pytest.mark.parametrize("name", list(ANSWERS))
def test_without_the_setting_there_is_no_hsts(plain: Site, name: str) -> None:
    method, path, status = ANSWERS[name]
    response = plain.client().open(path, method=method)
    assert response.status_code == status
    assert "Strict-Transport-Security" not in response.headers


def test_without_the_setting_open311_discovery_follows_the_request(plain: Site) -> None:
    body = plain.client().get("/open311/v2/discovery.json").get_json()
    assert body["endpoints"][0]["url"] == "http://localhost/open311/v2"
