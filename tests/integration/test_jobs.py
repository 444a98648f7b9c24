"""Relay and jobs in-process against a real Redis: position after enqueue, idempotent jobs,
failed registry with `participatie jobs failed` / `jobs requeue`, the reconciler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
import redis
from click.testing import CliRunner
from rq import Queue
from rq.job import Job

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.cli import main
from participatie.config import Settings
from participatie.domain.commands import Withdraw
from participatie.domain.values import Actor, Status, TeamKind
from participatie.infra import queues
from tests.conftest import REDIS_URL, small_map, submission
from tests.services import drop_queue, free_port, redis_for_test, unique_queue
from workers import jobs
from workers.relay import Relay
from workers.worker import make_worker

TEST = Actor.system("test")


@pytest.fixture
def job_settings(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue = unique_queue()
        try:
            yield sqlite_settings.with_(redis_url=url, queue_name=queue)
        finally:
            drop_queue(url, queue)


@pytest.fixture
def app_with_map(job_settings: Settings) -> Iterator[Container]:
    """Areas and teams but no rulebook yet: routing jobs fail until one is published."""
    container = build(job_settings)
    container.app.import_area_map("v1", small_map(), "test", TEST)
    for code in ("regie", "west"):
        kind = TeamKind.REGIE if code == "regie" else TeamKind.AREA
        container.app.register_team(code, code, kind, [], None, TEST)
    yield container
    container.close()
    jobs.unload()


def publish(container: Container) -> None:
    rules = [{"id": "west", "lead": "west", "match": {"areas": ["BU00010101"]}}]
    container.app.publish_rulebook("1", "", 5, rules, TEST)


def submit(container: Container) -> UUID:
    clean = SubmissionSchema(container.app.area_index()).load_submission(submission())
    return container.app.submit(clean).initiative_id


def connection(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url)


def work_burst(settings: Settings) -> None:
    jobs.preload(settings)
    make_worker(settings, connection(settings)).work(burst=True, logging_level="WARNING")


def test_relay_records_its_position_only_after_redis_took_the_jobs(
    app_with_map: Container, job_settings: Settings
) -> None:
    ids = [submit(app_with_map) for _ in range(3)]
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    relay = Relay(app_with_map, dead)
    with pytest.raises(redis.ConnectionError):
        relay.relay_once()
    assert relay.outbox.position() == 0  # nothing recorded: the events will be relayed again

    relay = Relay(app_with_map, connection(job_settings))
    assert relay.relay_once() == 3
    head = app_with_map.app.recorder.max_notification_id()
    assert relay.outbox.position() == head
    queue = Queue(job_settings.queue_name, connection=connection(job_settings))
    mail_queue = queues.mail_queue_for(job_settings, connection(job_settings))
    # A routing job and a mail job (the submission confirmation, on its own queue) each.
    assert sorted(queue.job_ids) == sorted(f"route-{i}" for i in ids)
    assert sorted(mail_queue.job_ids) == sorted(f"mail-{i}-1" for i in ids)
    job = Job.fetch(f"route-{ids[0]}", connection=connection(job_settings))
    assert job.args == (str(ids[0]),)  # ids only: no personal data in Redis
    mail = Job.fetch(f"mail-{ids[0]}-1", connection=connection(job_settings))
    assert mail.args == (str(ids[0]), 1)
    # A new relay process resumes from the recorded position and enqueues nothing again.
    assert Relay(app_with_map, connection(job_settings)).relay_once() == 0


def test_a_job_enqueued_twice_routes_once(app_with_map: Container, job_settings: Settings) -> None:
    publish(app_with_map)
    initiative_id = submit(app_with_map)
    queue = queues.queue_for(job_settings, connection(job_settings))
    jobs.enqueue_routing(queue, [initiative_id])
    jobs.enqueue_routing(queue, [initiative_id])
    work_burst(job_settings)
    history = app_with_map.app.history(initiative_id)
    assert [type(e).__name__ for e in history] == ["Submitted", "Routed"]
    assert app_with_map.app.get_initiative(initiative_id).lead_team == "west"
    assert jobs.route_initiative(str(initiative_id)) == "already routed"


def test_exhausted_job_is_listed_as_failed_and_requeue_runs_it(
    app_with_map: Container,
    job_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0, 0])  # retry at once, twice
    initiative_id = submit(app_with_map)
    queue = queues.queue_for(job_settings, connection(job_settings))
    jobs.enqueue_routing(queue, [initiative_id])
    work_burst(job_settings)  # no rulebook yet: fails three times, then gives up
    assert app_with_map.app.get_initiative(initiative_id).status is Status.SUBMITTED

    for name, value in job_settings.as_environ().items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    failed = runner.invoke(main, ["jobs", "failed"])
    assert failed.exit_code == 0, failed.output
    assert f"route-{initiative_id}" in failed.output
    assert "no rulebook has been published" in failed.output
    assert "1 mislukte taken." in failed.output

    unknown = runner.invoke(main, ["jobs", "requeue", "route-bestaat-niet"])
    assert unknown.exit_code == 1 and "onbekend of niet mislukt: route-bestaat-niet" in (
        unknown.output
    )
    publish(app_with_map)
    requeued = runner.invoke(main, ["jobs", "requeue", "--all"])
    assert requeued.exit_code == 0, requeued.output
    assert "1 taken opnieuw in de wachtrij." in requeued.output
    work_burst(job_settings)
    assert app_with_map.app.get_initiative(initiative_id).lead_team == "west"
    assert "0 mislukte taken." in runner.invoke(main, ["jobs", "failed"]).output


def test_reconciler_re_enqueues_what_is_still_unrouted_after_the_delay(
    app_with_map: Container, job_settings: Settings
) -> None:
    publish(app_with_map)
    now = [1000.0]
    relay = Relay(
        app_with_map, connection(job_settings), reconcile_after=60, monotonic=lambda: now[0]
    )
    lost = submit(app_with_map)
    routed = submit(app_with_map)
    withdrawn = submit(app_with_map)
    app_with_map.app.route_initiative(routed, TEST)
    app_with_map.app.act(withdrawn, Withdraw(), actor=TEST)
    assert relay.reconcile_once() == 0  # seen now; not overdue yet
    now[0] += 59
    assert relay.reconcile_once() == 0
    now[0] += 2
    assert relay.reconcile_once() == 1  # only the lost one: Redis never got (or lost) its job
    queue = queues.queue_for(job_settings, connection(job_settings))
    assert queue.job_ids == [f"route-{lost}"]
    assert relay.reconcile_once() == 0  # not again until another delay has passed
    work_burst(job_settings)
    now[0] += 61
    assert relay.reconcile_once() == 0
    assert relay.waiting == {}
    # The reconciler's position moved past everything settled; a restart rescans nothing old.
    assert relay.watch.position() == app_with_map.app.recorder.max_notification_id()


def test_reconciler_leaves_a_queued_routing_job_alone_and_replaces_a_dead_one(
    app_with_map: Container, job_settings: Settings
) -> None:
    """A backlog is no reason to enqueue a job twice; a job whose worker died is."""
    from datetime import UTC, datetime, timedelta

    from rq.job import JobStatus

    publish(app_with_map)
    now = [1000.0]
    redis_connection = connection(job_settings)
    relay = Relay(app_with_map, redis_connection, reconcile_after=60, monotonic=lambda: now[0])
    waiting, running, dead, taken = (submit(app_with_map) for _ in range(4))
    queue = queues.queue_for(job_settings, redis_connection)
    jobs.enqueue_routing(queue, [waiting, running, dead, taken])
    # A worker took this one off the queue and was killed before marking it started.
    taken_job = queue.fetch_job(jobs.route_job_id(taken))
    assert taken_job is not None
    queue.remove(taken_job)
    for initiative_id, started in ((running, 10), (dead, 3600)):  # as a worker would mark them
        job = queue.fetch_job(jobs.route_job_id(initiative_id))
        assert job is not None
        queue.remove(job)
        job.started_at = datetime.now(UTC) - timedelta(seconds=started)
        job.set_status(JobStatus.STARTED)
        job.save()
    assert relay.reconcile_once() == 0
    now[0] += 61
    assert relay.reconcile_once() == 2  # the job whose worker died, and the one taken
    for _ in range(2):  # overdue again and again: the queued and running jobs stay single
        now[0] += 61
        assert relay.reconcile_once() == 0
    assert queue.job_ids.count(jobs.route_job_id(waiting)) == 1
    assert jobs.route_job_id(running) not in queue.job_ids
    assert queue.job_ids.count(jobs.route_job_id(dead)) == 1
    assert queue.job_ids.count(jobs.route_job_id(taken)) == 1


def test_a_job_that_ran_well_leaves_redis_soon_and_a_failed_one_stays_for_admins(
    app_with_map: Container, job_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 25: Redis stays small. A routing job that ran well is gone at once (job and
    result), a mail job within five minutes, a failed job stays 90 days for the admins."""
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0])
    failing = submit(app_with_map)  # no rulebook yet: its routing fails
    relay = Relay(app_with_map, connection(job_settings))
    relay.relay_once()
    work_burst(job_settings)
    publish(app_with_map)
    routed = submit(app_with_map)
    relay.relay_once()
    work_burst(job_settings)
    assert app_with_map.app.get_initiative(routed).lead_team == "west"
    r = connection(job_settings)
    assert r.exists(f"rq:job:route-{routed}", f"rq:results:route-{routed}") == 0
    for key in (f"rq:job:mail-{routed}-1", f"rq:results:mail-{routed}-1"):
        assert 0 < r.ttl(key) <= 300, key  # seconds left
    assert r.ttl(f"rq:job:route-{failing}") > 89 * 24 * 3600
    assert Job.fetch(f"route-{failing}", connection=r).is_failed
