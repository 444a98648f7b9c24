"""Which client address rate limits and the login lock count (PARTICIPATIE_TRUSTED_PROXIES).

Behind the TLS proxy every request comes from the proxy's address; with one trusted hop the
client is the last address in X-Forwarded-For, which that proxy appended. With 0 hops (the
default) the header is ignored: a client cannot escape a limit by writing another address in
it. With 1 hop, only the last address counts, whatever a client wrote in front of it. The test
client itself connects from 127.0.0.1 (the proxy).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.staff.accounts import MAX_FAILURES_PER_ADDRESS, LockedOut
from tests.conftest import submission
from tests.e2e.conftest import Site, csrf_token, make_site

SUBMISSIONS_A_MINUTE = 5  # PARTICIPATIE_SUBMIT_LIMIT's default, "5 per minute;20 per hour"


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("direct") / "var"))
    try:
        yield site
    finally:
        site.container.close()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("proxied") / "var", trusted_proxies=1)
    site = make_site(settings)
    try:
        yield site
    finally:
        site.container.close()


def submit(client: FlaskClient, forwarded_for: str) -> int:
    data: dict[str, Any] = submission()
    data["location"] = {"area_code": "BU99990101"}
    response = client.post(
        "/api/v1/initiatives", json=data, headers={"X-Forwarded-For": forwarded_for}
    )
    return response.status_code


def failed_login(site: Site, forwarded_for: str, username: str) -> int:
    client = site.client()
    token = csrf_token(client, "/beheer/inloggen")
    response = client.post(
        "/beheer/inloggen",
        data={"csrf_token": token, "username": username, "password": "fout wachtwoord 1234"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def lock_out(site: Site, address: str) -> None:
    """Count as many attempts from `address` as lock it (each for another account; an attempt
    counts as failed until it succeeds)."""
    for n in range(MAX_FAILURES_PER_ADDRESS):
        with contextlib.suppress(LockedOut):  # locked before: earlier attempts counted too
            site.container.staff.guard.begin(f"iemand{n}", address)


def counted_addresses(site: Site) -> set[str]:
    rows = site.container.staff.tables.run("SELECT key FROM participatie_login_attempts")
    return {key.removeprefix("addr:") for (key,) in rows if key.startswith("addr:")}


def test_behind_one_proxy_each_client_has_its_own_five_submissions(proxied: Site) -> None:
    client = proxied.client()
    answers = [submit(client, "198.51.100.1") for _ in range(SUBMISSIONS_A_MINUTE + 1)]
    assert answers == [201, 201, 201, 201, 201, 429]
    assert submit(client, "198.51.100.2") == 201  # another resident behind the same proxy


def test_behind_one_proxy_a_forged_address_in_front_is_ignored(proxied: Site) -> None:
    client = proxied.client()
    for _ in range(SUBMISSIONS_A_MINUTE):
        assert submit(client, "198.51.100.3") == 201
    # The client wrote an address of its own; the proxy appended the real one.
    assert submit(client, "203.0.113.9, 198.51.100.3") == 429
    assert submit(client, "203.0.113.10, 198.51.100.3") == 429


def test_without_trusted_proxies_the_header_does_not_escape_the_limit(direct: Site) -> None:
    client = direct.client()
    answers = [submit(client, f"198.51.100.{n}") for n in range(1, SUBMISSIONS_A_MINUTE + 2)]
    assert answers == [201, 201, 201, 201, 201, 429]


def test_behind_one_proxy_the_login_lock_is_per_client(proxied: Site) -> None:
    lock_out(proxied, "198.51.100.20")
    assert failed_login(proxied, "198.51.100.20", "iemand-anders") == 429
    assert failed_login(proxied, "198.51.100.21", "iemand-anders") == 401  # not locked
    assert failed_login(proxied, "203.0.113.9, 198.51.100.20", "nog-iemand") == 429  # forged
    assert {"198.51.100.21"} <= counted_addresses(proxied)
    assert "203.0.113.9" not in counted_addresses(proxied)


def test_without_trusted_proxies_the_login_lock_counts_the_connecting_address(
    direct: Site,
) -> None:
    assert failed_login(direct, "198.51.100.30", "iemand") == 401
    assert counted_addresses(direct) == {"127.0.0.1"}
    lock_out(direct, "127.0.0.1")
    assert failed_login(direct, "198.51.100.31", "iemand-anders") == 429
