"""The relay: the notification log is the outbox, the relay carries it to RQ.

One relay process follows the log after its tracked position and enqueues a job for every event
that needs work: routing for a submission, e-mail for the events that notify someone. It also
keeps a small schedule: the deadline sweep every few minutes, the retention run once a day.
The new position is recorded only after Redis has accepted the jobs, so a crash re-enqueues
(harmless: jobs are idempotent) and never skips.

Because Redis may lose jobs (a restart without persistence), the relay also reconciles: it keeps
the initiatives that were submitted but not yet routed, and re-enqueues any still unrouted after
`reconcile_after` seconds, after checking the initiative's fresh state.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from uuid import UUID

import redis
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic
from rq import Queue
from rq.job import Job, JobStatus

from participatie.bootstrap import Container
from participatie.domain.initiative import Initiative
from participatie.domain.values import Status
from participatie.infra.embedded_redis import connect
from participatie.infra.follow import MAIL_RECONCILER, RECONCILER, RELAY, LogFollower
from participatie.infra.leader import lead, leader_lock
from participatie.infra.queues import mail_queue_for, queue_for
from participatie.infra.wakeup import local_address, wake_on_stop, wake_up_on_commit
from participatie.notifications.messages import TOPICS as MAIL_TOPICS
from workers.jobs import (
    enqueue_digest,
    enqueue_notifications,
    enqueue_retention,
    enqueue_routing,
    enqueue_sweep,
    notify_job_id,
    route_job_id,
)

log = logging.getLogger("participatie.relay")

SUBMITTED = get_topic(Initiative.Submitted)
# Events after which an initiative no longer waits for the router.
LEAVES_SUBMITTED = tuple(
    get_topic(cls)
    for cls in (Initiative.Routed, Initiative.Escalated, Initiative.Withdrawn, Initiative.Merged)
)
# A mail job in one of these states is done with (sent, nothing to send, or failed for admins).
SETTLED = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})
# A routing job in one of these states will still run: the reconciler leaves it be.
WAITING = frozenset({JobStatus.SCHEDULED, JobStatus.DEFERRED})
DAY = 24 * 3600
WEEK = 7 * DAY
MONDAY_MORNING = 4 * DAY + 6 * 3600  # from Thursday 1970-01-01 00:00 UTC
LISTEN_TIMEOUT = 1.0  # woken by NOTIFY, the relay still looks this often


@dataclass(frozen=True)
class Scheduled:
    """A job the relay enqueues once per time slot of `every` seconds (slot: wall time // every)."""

    name: str
    every: int
    enqueue: Callable[[Queue, int], None]  # (queue, slot); the job id names the slot
    offset: int = 0  # seconds after the Unix epoch's slot boundary at which a slot begins


class Relay:
    def __init__(
        self,
        container: Container,
        connection: redis.Redis,
        *,
        batch: int = 500,
        reconcile_after: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.app = container.app
        self.mail_retry = container.settings.mail_retry
        self.wall = wall
        self.schedule = {
            job.name: job
            for job in (
                Scheduled("sweep", container.settings.sweep_minutes * 60, enqueue_sweep),
                Scheduled("retention", DAY, enqueue_retention),
                # Mondays 06:00 UTC (07:00 or 08:00 in Amsterdam): 1970-01-05 was a Monday.
                *(
                    [Scheduled("digest", WEEK, enqueue_digest, MONDAY_MORNING)]
                    if container.settings.digest
                    else []
                ),
            )
        }
        self.slots: dict[str, int] = {}  # name -> the last slot it was enqueued for
        self.queue = queue_for(container.settings, connection)
        self.mail_queue = mail_queue_for(container.settings, connection)
        self.batch = batch
        self.reconcile_after = (
            container.settings.reconcile_after if reconcile_after is None else reconcile_after
        )
        self.monotonic = monotonic
        self.outbox = LogFollower(self.app, RELAY, [SUBMITTED, *MAIL_TOPICS])
        self.watch = LogFollower(self.app, RECONCILER, [SUBMITTED, *LEAVES_SUBMITTED])
        self.position = self.outbox.position()
        self.watched = self.watch.position()
        # initiative id -> (notification id of its submission, when we last enqueued or saw it)
        self.waiting: dict[UUID, tuple[int, float]] = {}
        self.mail_watch = LogFollower(self.app, MAIL_RECONCILER, list(MAIL_TOPICS))
        self.mail_watched = self.mail_watch.position()
        # (initiative id, event version) -> (notification id, when we last saw its job busy)
        self.mail_waiting: dict[tuple[UUID, int], tuple[int, float]] = {}
        self.enqueued = 0
        self.mails = 0
        self.reconciled = 0

    # -- outbox --------------------------------------------------------------------------------

    def relay_once(self) -> int:
        """Enqueue jobs for the next batch of events; return how many events it read."""
        notifications, reached = self.outbox.read(self.position, self.batch)
        ids = [UUID(str(n.originator_id)) for n in notifications if n.topic == SUBMITTED]
        mails = [
            (UUID(str(n.originator_id)), n.originator_version)
            for n in notifications
            if n.topic in MAIL_TOPICS
        ]
        count = enqueue_routing(self.queue, ids) if ids else 0
        if mails:
            self.mails += enqueue_notifications(self.mail_queue, mails, self.mail_retry)
        self.outbox.commit(reached, known=self.position)  # only after Redis has the jobs
        self.position = reached
        self.enqueued += count
        return len(notifications)

    # -- schedule ------------------------------------------------------------------------------

    def schedule_once(self) -> list[str]:
        """Enqueue each scheduled job whose new time slot has begun; return their names."""
        return [name for name in self.schedule if self.scheduled_once(name)]

    def scheduled_once(self, name: str) -> bool:
        """Enqueue job `name` when a new time slot has begun; return whether it did."""
        job = self.schedule[name]
        slot = int((self.wall() - job.offset) // job.every)
        if slot == self.slots.get(name):
            return False
        job.enqueue(self.queue, slot)
        self.slots[name] = slot
        return True

    def sweep_once(self) -> bool:
        """Enqueue the deadline sweep when a new time slot has begun; return whether it did."""
        return self.scheduled_once("sweep")

    # -- reconciler ----------------------------------------------------------------------------

    def reconcile_once(self) -> int:
        """Re-enqueue initiatives still unrouted `reconcile_after` seconds after we saw them."""
        now = self.monotonic()
        while True:
            notifications, reached = self.watch.read(self.watched, self.batch)
            for n in notifications:
                initiative_id = UUID(str(n.originator_id))
                if n.topic == SUBMITTED:
                    self.waiting.setdefault(initiative_id, (n.id, now))
                else:
                    self.waiting.pop(initiative_id, None)
            self.watched = reached
            if len(notifications) < self.batch:
                break
        due = [i for i, (_, seen) in self.waiting.items() if now - seen >= self.reconcile_after]
        again: list[UUID] = []
        unrouted = [i for i in due if self.app.get_initiative(i).status is Status.SUBMITTED]
        for initiative_id in set(due) - set(unrouted):
            self.waiting.pop(initiative_id)
        found = Job.fetch_many([route_job_id(i) for i in unrouted], self.queue.connection)
        queued = set(self.queue.get_job_ids()) if unrouted else set()
        for initiative_id, job in zip(unrouted, found, strict=True):
            self.waiting[initiative_id] = (self.waiting[initiative_id][0], now)
            if job is None or not self._job_on_its_way(job, queued):
                again.append(initiative_id)  # lost with Redis, failed, or its worker died
        if again:
            enqueue_routing(self.queue, again)
            log.warning(
                "reconciler: %d initiatives were still unrouted; enqueued again", len(again)
            )
        # Everything before the oldest waiting submission is settled: restart from there.
        oldest = min((nid for nid, _ in self.waiting.values()), default=self.watched + 1)
        self.watch.commit(oldest - 1)
        self.reconciled += len(again)
        return len(again)

    def _job_on_its_way(self, job: Job, queued: set[str]) -> bool:
        """Whether a routing job will still run or is running: waiting in the queue (a backlog
        is no reason to enqueue it twice), or started less than `reconcile_after` ago.

        A job marked queued must also be in the queue: a worker killed just after taking it
        off the queue, before marking it started, leaves it marked queued and nowhere.
        """
        status = job.get_status(refresh=False)
        if status is JobStatus.QUEUED:
            return job.id in queued
        if status in WAITING:
            return True
        if status is JobStatus.STARTED and job.started_at is not None:
            started = (
                job.started_at.replace(tzinfo=UTC)
                if job.started_at.tzinfo is None
                else job.started_at
            )
            return (datetime.now(UTC) - started).total_seconds() < self.reconcile_after
        return False

    def reconcile_mail_once(self) -> int:
        """Enqueue again the mail jobs Redis lost; return how many.

        `reconcile_after` seconds after the relay saw an event that sends mail, its job must
        exist in Redis (queued, running or waiting for a retry) or be settled. A job that is
        simply gone was lost with Redis: it is enqueued again, and the mail ledger makes sure a
        message that did go out is not sent twice.
        """
        now = self.monotonic()
        while True:
            notifications, reached = self.mail_watch.read(self.mail_watched, self.batch)
            for n in notifications:
                key = (UUID(str(n.originator_id)), n.originator_version)
                self.mail_waiting.setdefault(key, (n.id, now))
            self.mail_watched = reached
            if len(notifications) < self.batch:
                break
        lost: list[tuple[UUID, int]] = []
        for key, (nid, seen) in list(self.mail_waiting.items()):
            if now - seen < self.reconcile_after or nid > self.position:
                continue  # not due yet, or the relay has not enqueued it yet
            job = self.mail_queue.fetch_job(notify_job_id(*key))
            if job is None:
                lost.append(key)
                self.mail_waiting[key] = (nid, now)
            elif job.get_status() in SETTLED:
                del self.mail_waiting[key]
            else:
                self.mail_waiting[key] = (nid, now)  # still busy: look again later
        if lost:
            enqueue_notifications(self.mail_queue, lost, self.mail_retry)
            log.warning("reconciler: %d mail jobs were lost; enqueued again", len(lost))
        oldest = min((nid for nid, _ in self.mail_waiting.values()), default=self.mail_watched + 1)
        self.mail_watch.commit(oldest - 1)
        return len(lost)

    # -- loop ----------------------------------------------------------------------------------

    def run(
        self,
        stop: threading.Event,
        poll: float = 0.2,
        reconcile_every: float = 5.0,
        listen_dsn: str | None = None,
        local: str | None = None,
    ) -> None:
        """Relay until `stop` is set; ride out Redis and database outages with backoff.

        Woken the moment an event is stored — with `listen_dsn` (PostgreSQL) by the event
        store's NOTIFY, with `local` (SQLite) by the committing process's datagram — it then
        looks at least once a second anyway (the schedule, the reconcilers, a wake-up missed).
        Otherwise it polls every `poll` seconds.
        """
        wake = threading.Event()
        wake_on_stop(stop, wake)
        channel = getattr(self.app.recorder, "channel_name", None)
        listener = wake_up_on_commit(channel, listen_dsn, local, wake, stop, "relay")
        idle = poll if listener is None else LISTEN_TIMEOUT
        next_reconcile = self.monotonic()
        backoff = poll
        while not stop.is_set():
            try:
                count = self.relay_once()
                self.schedule_once()
                if self.monotonic() >= next_reconcile:
                    self.reconcile_once()
                    self.reconcile_mail_once()
                    next_reconcile = self.monotonic() + reconcile_every
            except (redis.RedisError, PersistenceError, OSError) as error:
                log.warning("relay: %s; retrying in %.1f s", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = poll
            if count < self.batch:
                wake.wait(idle)
                wake.clear()
        if listener is not None:
            listener.join(timeout=5)


def run_relay(container: Container) -> None:
    """The `participatie relay` process: relay while it holds the leader lock (standing by
    while another relay does), until SIGINT or SIGTERM."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    settings = container.settings
    dsn = settings.postgres_dsn() if settings.uses_postgres else None
    local = None if dsn else local_address(settings.event_store_path, "relay")

    def work(term: threading.Event) -> None:
        relay = Relay(container, connect(settings))
        queue = relay.queue.name
        say(f"relay: following the log from position {relay.position} into queue '{queue}'")
        relay.run(term, listen_dsn=dsn, local=local)
        say(f"relay: stopped at position {relay.position}.")

    lead(leader_lock(settings, "relay"), stop, "relay", work, say=say)


def say(message: str) -> None:
    print(message, flush=True)
