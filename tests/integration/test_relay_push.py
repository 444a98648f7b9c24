"""Push, not poll (issue 25 item 2): the relay and the projector are woken the moment a
submission is stored — on PostgreSQL by the event store's NOTIFY, on SQLite by the committing
process's datagram to their local socket. Their polling is set to 30 s here, so only the
wake-up can bring the routing job into Redis, or the views up to the log, within seconds."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Queue

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.values import Actor
from participatie.infra.wakeup import Nudge, local_address
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import REDIS_URL, small_map, submission
from tests.services import drop_queue, redis_for_test, unique_queue, wait_until
from workers import relay as relay_module
from workers.relay import Relay


@contextlib.contextmanager
def relay_waiting(
    base: Settings, tmp_path: Path, wake: dict[str, Any]
) -> Iterator[tuple[Settings, Queue]]:
    """A relay in a thread that polls only every 30 s (`wake`: how else it is woken), on a
    store with the small map, waiting; yields the settings and its queue."""
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue_name = unique_queue()
        settings = base.with_(redis_url=url, queue_name=queue_name)
        container = build(settings)
        stop = threading.Event()
        thread = None
        try:
            container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
            connection = redis.Redis.from_url(url)
            relay = Relay(container, connection)
            thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"poll": 30.0, **wake})
            thread.start()
            time.sleep(1.5)  # the relay has read the log and waits
            yield settings, Queue(queue_name, connection=connection)
        finally:
            stop.set()
            container.close()
            drop_queue(url, queue_name)
            if thread is not None:
                thread.join(10)
                assert not thread.is_alive()


def submitted_and_relayed_within(settings: Settings, queue: Queue, seconds: float) -> None:
    """Another container (its own recorder, as another process's) submits; the routing job is
    in Redis within `seconds`."""
    writer = build(settings)
    try:
        data = SubmissionSchema(writer.app.area_index()).load_submission(submission())
        started = time.monotonic()
        initiative_id = writer.app.submit(data).initiative_id
        assert wait_until(lambda: f"route-{initiative_id}" in queue.job_ids, 10)
        assert time.monotonic() - started < seconds
    finally:
        writer.close()


@pytest.mark.postgres
def test_on_postgres_a_notify_wakes_the_relay_at_once(
    postgres_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "LISTEN_TIMEOUT", 30.0)
    wake = {"listen_dsn": postgres_settings.postgres_dsn()}
    with relay_waiting(postgres_settings, tmp_path, wake) as (settings, queue):
        submitted_and_relayed_within(settings, queue, 5)


def test_on_sqlite_a_commit_nudges_the_relay_at_once(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "LISTEN_TIMEOUT", 30.0)
    wake = {"local": local_address(sqlite_settings.event_store_path, "relay")}
    with relay_waiting(sqlite_settings, tmp_path, wake) as (settings, queue):
        submitted_and_relayed_within(settings, queue, 2)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_projector_is_woken_by_a_commit_on_either_store(
    store: str, request: pytest.FixtureRequest
) -> None:
    settings: Settings = request.getfixturevalue(f"{store}_settings")
    container = build(settings)
    stop = threading.Event()
    try:
        container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
        projector = Projector(
            ViewsProjection(container.views, container.app),
            listen_dsn=settings.postgres_dsn() if settings.uses_postgres else None,
            local=None
            if settings.uses_postgres
            else local_address(settings.event_store_path, "projector"),
            listen_timeout=30.0,
        )
        thread = threading.Thread(target=projector.run, args=(stop,), kwargs={"poll": 30.0})
        thread.start()
        time.sleep(1.5)  # caught up with the map; now it waits
        data = SubmissionSchema(container.app.area_index()).load_submission(submission())
        started = time.monotonic()
        container.app.submit(data)
        head = int(container.app.recorder.max_notification_id() or 0)
        assert wait_until(lambda: (projector.projection.position() or 0) >= head, 10)
        assert time.monotonic() - started < 2
    finally:
        stop.set()
        container.close()
    thread.join(10)
    assert not thread.is_alive()


def test_nobody_listening_costs_a_commit_nothing_but_a_refused_datagram(
    sqlite_settings: Settings,
) -> None:
    """No relay or projector runs: commits still succeed; the nudge is sent to both addresses."""
    sent: list[str] = []
    container = build(sqlite_settings)
    try:
        nudge = container.app.recorder.nudge  # type: ignore[attr-defined]
        assert isinstance(nudge, Nudge)
        assert nudge.addresses == [
            local_address(sqlite_settings.event_store_path, name) for name in ("relay", "projector")
        ]
        real = nudge.socket

        class Recording:
            """Records where each datagram goes, then sends it for real (refused: nobody)."""

            def sendto(self, data: bytes, address: str) -> int:
                sent.append(address)
                return real.sendto(data, address)

        nudge.socket = Recording()  # type: ignore[assignment]
        container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
        assert sent == nudge.addresses
        nudge.socket = real
    finally:
        container.close()
