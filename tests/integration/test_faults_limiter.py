"""A Redis outage must not turn submissions into 500s: the event store, not Redis, is the truth.

The rate limiter keeps its counters in Redis. Found by `make faults` (benchmarks/faults.py):
while Redis was down every submission was answered 500, and a Redis that dies while a submission
is being stored turned an initiative that *was* stored into a 500 (the client, told it failed,
submits again). With Redis away the limiter now counts in memory, per web process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from participatie.config import Settings
from participatie.domain.initiative import Initiative
from tests.conftest import submission
from tests.e2e.conftest import Site, make_site
from tests.services import RedisServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    redis_server = RedisServer(tmp_path / "private-redis")
    redis_server.start()
    try:
        yield redis_server
    finally:
        redis_server.kill()


@pytest.fixture
def site(settings: Settings, server: RedisServer) -> Iterator[Site]:
    built = make_site(settings.with_(redis_url=server.url), SUBMIT_RATE_LIMIT="3 per minute")
    try:
        yield built
    finally:
        built.container.close()


def data(n: int) -> dict[str, Any]:
    return submission(
        location={"area_code": "BU99990101"},
        initiator={"kind": "resident", "name": "Fout Tolerant", "email": f"f{n}@example.org"},
    )


def stored(site: Site) -> set[UUID]:
    return {UUID(str(n.originator_id)) for n in site.app.notifications(Initiative.Submitted)}


def test_faults_submissions_are_accepted_and_still_limited_while_redis_is_down(
    site: Site, server: RedisServer
) -> None:
    client = site.client()
    assert client.post("/api/v1/initiatives", json=data(0)).status_code == 201
    server.kill()
    accepted = []
    for n in range(1, 4):
        answer = client.post("/api/v1/initiatives", json=data(n))
        assert answer.status_code == 201, answer.get_data(as_text=True)
        accepted.append(UUID(answer.get_json()["id"]))
    assert set(accepted) <= stored(site)
    # The limit still holds, counted in memory from the moment Redis went away.
    before = site.events()
    assert client.post("/api/v1/initiatives", json=data(4)).status_code == 429
    assert site.events() == before


def test_faults_redis_dying_while_a_submission_is_stored_still_answers_201(
    site: Site, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = site.app
    original = app.submit

    def submit_then_lose_redis(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        server.kill()  # after the limiter's check, before it counts the accepted submission
        return result

    monkeypatch.setattr(app, "submit", submit_then_lose_redis)
    answer = site.client().post("/api/v1/initiatives", json=data(0))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert UUID(answer.get_json()["id"]) in stored(site)
