"""`/healthz` through the Flask test client, with the demo data loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from participatie.config import Settings
from participatie.demo import load_demo
from tests.conftest import REDIS_URL, missing_service
from web import container_of, create_app


def test_healthz_reports_store_and_loaded_demo(tmp_path: Path) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        missing_service(f"Redis not reachable at {REDIS_URL}")
    app = create_app(Settings(var_dir=tmp_path / "var", redis_url=REDIS_URL))
    load_demo(container_of(app).app)
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["event_store"]["ok"] is True
    assert body["event_store"]["backend"] == "sqlite"
    assert body["event_store"]["events"] > 50
    assert body["data"] == {
        "area_map": "2026-1",
        "teams": 13,
        "challenges": 4,
        "rulebook": "2026-1",
    }
    assert body["redis"] == {"ok": True}


def test_healthz_is_503_when_the_event_store_fails(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path / "var"))
    container_of(app).app.recorder.max_notification_id = _broken  # type: ignore[method-assign]
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["event_store"] == {"ok": False, "error": "OperationalError"}


def test_healthz_is_degraded_without_redis(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path / "var", redis_url="redis://127.0.0.1:1/0"))
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False


def _broken() -> int:
    import sqlite3

    raise sqlite3.OperationalError("disk I/O error")


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
