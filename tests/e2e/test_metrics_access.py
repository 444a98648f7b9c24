"""Who may read `/metrics`: the configured networks (default: loopback only) or a bearer token.

The numbers say how busy the platform is and how far its processes lag: nothing for the
internet. Sent through the HTTP client from several client addresses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from participatie.config import Settings
from web import container_of, create_app

TOKEN = "een-lang-geheim-voor-prometheus"
METRIC = "participatie_events_total"


@pytest.fixture
def app_for(tmp_path: Path) -> Iterator[Any]:
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        app = create_app(Settings(var_dir=tmp_path / f"var{len(made)}", **settings))
        made.append(app)
        return app

    yield make
    for app in made:
        container_of(app).close()


def read(app: Flask, address: str, **headers: str) -> Any:
    client = app.test_client()
    return client.get("/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers)


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("127.0.0.1", 200),
        ("127.8.9.10", 200),
        ("::1", 200),
        ("::ffff:127.0.0.1", 200),
        ("198.51.100.5", 403),
        ("10.0.0.1", 403),
        ("2001:db8::1", 403),
    ],
)
def test_by_default_only_loopback_reads_the_metrics(
    app_for: Any, address: str, status: int
) -> None:
    response = read(app_for(), address)
    assert response.status_code == status
    assert (METRIC in response.get_data(as_text=True)) is (status == 200)


def test_a_configured_network_reads_them_and_loopback_no_longer(app_for: Any) -> None:
    app = app_for(metrics_networks=("10.20.0.0/16", "2001:db8::/32"))
    assert read(app, "10.20.30.40").status_code == 200
    assert read(app, "2001:db8::7").status_code == 200
    assert read(app, "10.21.0.1").status_code == 403
    assert read(app, "127.0.0.1").status_code == 403


def test_with_a_token_any_address_reads_them_but_only_with_that_token(app_for: Any) -> None:
    app = app_for(metrics_networks=(), metrics_token=TOKEN)
    missing = read(app, "198.51.100.5")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert METRIC not in missing.get_data(as_text=True)
    assert read(app, "198.51.100.5", Authorization="Bearer een-ander-geheim").status_code == 401
    assert read(app, "198.51.100.5", Authorization=f"Basic {TOKEN}").status_code == 401
    allowed = read(app, "198.51.100.5", Authorization=f"Bearer {TOKEN}")
    assert allowed.status_code == 200
    assert METRIC in allowed.get_data(as_text=True)
    assert read(app, "127.0.0.1").status_code == 401  # no network is configured


def test_no_network_and_no_token_closes_the_metrics(app_for: Any) -> None:
    app = app_for(metrics_networks=())
    assert read(app, "127.0.0.1").status_code == 403
    assert read(app, "127.0.0.1", Authorization="Bearer ").status_code == 403


def test_behind_a_trusted_proxy_the_client_address_counts(app_for: Any) -> None:
    app = app_for(metrics_networks=("10.0.0.0/8",), trusted_proxies=1)
    assert read(app, "127.0.0.1", **{"X-Forwarded-For": "10.1.1.1"}).status_code == 200
    assert read(app, "127.0.0.1", **{"X-Forwarded-For": "198.51.100.5"}).status_code == 403
    forged = read(app, "127.0.0.1", **{"X-Forwarded-For": "10.1.1.1, 198.51.100.5"})
    assert forged.status_code == 403
