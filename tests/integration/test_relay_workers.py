"""Routing through the real pipeline: event store → relay → Redis/RQ → 2 worker processes.

Initiatives are submitted through the application only (as the web layer would); nothing is
enqueued by the test. Each must be routed exactly once, to the team the scenario table expects,
under the rulebook version that was current when it was routed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
import redis

from participatie.application.app import ParticipatieApp
from participatie.application.rulesfile import read_rulebook
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import DATA, load_demo
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor
from participatie.infra.follow import RELAY, LogFollower
from tests.conftest import REDIS_URL, submission
from tests.routing_scenarios import BUSINESS, V2_RULE, Scenario, scenarios
from tests.services import (
    Processes,
    RedisServer,
    drop_queue,
    redis_for_test,
    unique_queue,
    wait_until,
)

pytestmark = pytest.mark.slow


def submit(app: ParticipatieApp, scenario: Scenario) -> UUID:
    data = submission(location=dict(scenario.location), themes=list(scenario.themes))
    if scenario.business:
        data["initiator"] = dict(BUSINESS)
    clean = SubmissionSchema(app.area_index()).load_submission(data)
    return app.submit(clean).initiative_id


def routed_counts(app: ParticipatieApp) -> Counter[UUID]:
    return Counter(UUID(str(n.originator_id)) for n in app.notifications(Initiative.Routed))


def all_routed(app: ParticipatieApp, ids: list[UUID]) -> bool:
    counts = routed_counts(app)
    return all(counts[i] >= 1 for i in ids)


def publish_v2(app: ParticipatieApp) -> None:
    data = read_rulebook(DATA / "rulebook.yaml")
    app.publish_rulebook(
        "2026-2",
        "test: één buurtregel erbij",
        data["default_acceptance_days"],
        [*data["rules"], V2_RULE],
        Actor.system("test"),
    )


def check(app: ParticipatieApp, expected: dict[UUID, tuple[Scenario, str]]) -> None:
    counts = routed_counts(app)
    twice = {i: n for i, n in counts.items() if i in expected and n != 1}
    assert not twice, f"routed more than once or never: {twice}"
    wrong = []
    for initiative_id, (scenario, version) in expected.items():
        initiative = app.get_initiative(initiative_id)
        assert initiative.routing is not None, scenario.name
        got = (initiative.routing.rule_id, initiative.lead_team)
        if got != scenario.expected(version) or initiative.routing.rulebook_version != version:
            wrong.append((scenario.name, version, got, initiative.routing.rulebook_version))
        assert initiative.location.area_code == scenario.area, scenario.name
    assert not wrong, wrong


@pytest.fixture
def pipeline_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue = unique_queue()
        try:
            yield settings.with_(redis_url=url, queue_name=queue, reconcile_after=3)
        finally:
            drop_queue(url, queue)


@pytest.fixture
def demo(pipeline_settings: Settings) -> Iterator[Container]:
    container = build(pipeline_settings)
    load_demo(container.app)
    yield container
    container.close()


def test_relay_and_two_workers_route_200_initiatives_exactly_once(
    demo: Container, pipeline_settings: Settings, tmp_path: Path
) -> None:
    app = demo.app
    table = scenarios(app.area_index())
    assert len(table) >= 20
    processes = Processes(pipeline_settings.as_environ(), tmp_path / "logs")
    expected: dict[UUID, tuple[Scenario, str]] = {}
    try:
        processes.start("relay", "relay")
        processes.start("worker-1", "worker")
        processes.start("worker-2", "worker")
        first = [submit(app, table[n % len(table)]) for n in range(100)]
        expected.update({i: (table[n % len(table)], "2026-1") for n, i in enumerate(first)})
        assert wait_until(lambda: all_routed(app, first), 120), processes.log("relay")

        publish_v2(app)  # a new rulebook between submissions moves nothing already routed
        second = [submit(app, table[n % len(table)]) for n in range(100)]
        expected.update({i: (table[n % len(table)], "2026-2") for n, i in enumerate(second)})
        assert wait_until(lambda: all_routed(app, second), 120), processes.log("worker-1")
        time.sleep(1.0)  # room for a duplicate to show up, if the pipeline made one
    finally:
        processes.stop_all()
    assert len(expected) == 200
    check(app, expected)
    # The demo's own initiatives were routed while loading; the relay's jobs for them were no-ops.
    assert max(routed_counts(app).values()) == 1


def test_faults_kill_worker_restart_redis_kill_relay_still_routes_each_once(
    settings: Settings, tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "private-redis")
    server.start()
    queue = unique_queue()
    faulty = settings.with_(redis_url=server.url, queue_name=queue, reconcile_after=2)
    container = build(faulty)
    app = container.app
    processes = Processes(faulty.as_environ(), tmp_path / "logs")
    expected: dict[UUID, tuple[Scenario, str]] = {}

    def submit_some(count: int) -> list[UUID]:
        table = scenarios(app.area_index())
        ids = []
        for n in range(count):
            scenario = table[(len(expected) + n) % len(table)]
            initiative_id = submit(app, scenario)
            expected[initiative_id] = (scenario, "2026-1")
            ids.append(initiative_id)
        return ids

    try:
        load_demo(app)
        processes.start("relay", "relay")
        batch = submit_some(80)
        # Every routing job waits in Redis before any worker runs (checked before the workers
        # start: once they run, the queue never holds the whole batch at one moment).
        assert wait_until(lambda: _queued(server.url, queue, batch), 30), processes.log("relay")
        waiting = redis.Redis.from_url(server.url)
        queued_at_start = waiting.llen(f"rq:queue:{queue}")
        processes.start("worker-a", "worker")
        processes.start("worker-b", "worker")
        # SIGKILL a worker while it is working through the batch, then start it again.
        # (Redis's queue length is the cheap way to see that work began and work is left.)
        wait_until(lambda: waiting.llen(f"rq:queue:{queue}") <= queued_at_start - 2, 30, 0.001)
        processes.kill("worker-a")
        left_at_kill = waiting.llen(f"rq:queue:{queue}")
        processes.start("worker-a", "worker")

        # With the workers down, jobs pile up in Redis; Redis dies and comes back empty, so
        # those jobs are gone and only the relay's reconciler can bring them back.
        assert wait_until(lambda: all_routed(app, batch), 60), processes.log("relay")
        processes.kill("worker-a")
        processes.kill("worker-b")
        stranded = submit_some(30)
        head = int(app.recorder.max_notification_id() or 0)
        # Wait for the routing jobs themselves (mail jobs share the queue), and for the relay to
        # record them as relayed: otherwise a relay restarted below would relay them again from
        # its older position, and the reconciler would not be what brings them back.
        assert wait_until(lambda: _queued(server.url, queue, stranded), 30), processes.log("relay")
        assert wait_until(lambda: LogFollower(app, RELAY).position() >= head, 30)
        server.restart_empty()
        submit_some(30)
        processes.start("worker-a", "worker")
        processes.start("worker-b", "worker")

        # The relay is killed; what is submitted meanwhile is relayed after its restart.
        processes.kill("relay")
        submit_some(40)
        processes.start("relay", "relay")

        ids = list(expected)
        routed = wait_until(lambda: all_routed(app, ids), 90, 0.2)
        assert routed, "\n".join(processes.log(n) for n in ("relay", "worker-a", "worker-b"))
        time.sleep(1.0)
    finally:
        processes.stop_all()
        server.kill()
    try:
        assert len(expected) == 180
        check(app, expected)
        assert left_at_kill > 0, "the worker was not killed in the middle of the batch"
        assert all(routed_counts(app)[i] == 1 for i in stranded)
        assert "still unrouted; enqueued again" in processes.log("relay")
    finally:
        container.close()


def _queued(url: str, queue: str, ids: list[UUID]) -> bool:
    """Whether the routing jobs of all `ids` wait in the queue."""
    import redis

    try:
        waiting = set(redis.Redis.from_url(url).lrange(f"rq:queue:{queue}", 0, -1))
    except redis.RedisError:
        return False
    return all(f"route-{i}".encode() in waiting for i in ids)
