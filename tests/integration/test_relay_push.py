"""Push, not poll (issue 25 item 2): on PostgreSQL the relay is woken by the event store's
NOTIFY the moment a submission is stored. Its polling is set to 30 s here, so only a NOTIFY
can bring the routing job into Redis within a few seconds."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis
from rq import Queue

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.values import Actor
from tests.conftest import REDIS_URL, small_map, submission
from tests.services import drop_queue, redis_for_test, unique_queue, wait_until
from workers import relay as relay_module
from workers.relay import Relay

pytestmark = pytest.mark.postgres


def test_on_postgres_a_notify_wakes_the_relay_at_once(
    postgres_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "LISTEN_TIMEOUT", 30.0)
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue_name = unique_queue()
        settings = postgres_settings.with_(redis_url=url, queue_name=queue_name)
        container = build(settings)
        stop = threading.Event()
        try:
            container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
            connection = redis.Redis.from_url(url)
            relay = Relay(container, connection)
            thread = threading.Thread(
                target=relay.run,
                args=(stop,),
                kwargs={"poll": 30.0, "listen_dsn": settings.postgres_dsn()},
            )
            thread.start()
            time.sleep(2.0)  # the relay has read the log and waits
            data = SubmissionSchema(container.app.area_index()).load_submission(submission())
            initiative_id = container.app.submit(data).initiative_id
            started = time.monotonic()
            queue = Queue(queue_name, connection=connection)
            assert wait_until(lambda: f"route-{initiative_id}" in queue.job_ids, 10)
            assert time.monotonic() - started < 5
        finally:
            stop.set()
            container.close()
            drop_queue(url, queue_name)
        thread.join(10)
        assert not thread.is_alive()
