"""RQ jobs and how they are enqueued.

Jobs take ids only (never personal data), load fresh state, and are idempotent: running one twice
records nothing the second time. The application is built once per process (`preload`) so a job
costs a few queries, not a start-up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from rq import Queue, Retry, get_current_job

from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.errors import ConcurrencyConflict
from participatie.domain.values import Actor

ROUTER = Actor.system("router")
# Back off 2 s, 10 s, 30 s, 2 min, 5 min; after that the job waits in the failed registry.
RETRY_INTERVALS = [2, 10, 30, 120, 300]
JOB_TIMEOUT = 120
FAILURE_TTL = 90 * 24 * 3600  # keep failed jobs for admins for 90 days
# How long a job that ran well stays in Redis (its hash and its result). A routing job goes at
# once: a routed initiative shows it, and the relay's reconciler reads that before the job. A
# mail job stays five minutes, for the mail reconciler, which looks `reconcile_after` (60 s by
# default) after the event (a job it finds gone it enqueues again; the ledger sends nothing
# twice). A scheduled job stays an hour: its id names its slot, so a relay restarted within the
# hour does not run it again.
ROUTE_RESULT_TTL = 0
MAIL_RESULT_TTL = 300
SCHEDULED_RESULT_TTL = 3600

_container: Container | None = None
_container_pid: int | None = None


def preload(settings: Settings | None = None) -> Container:
    """Build the application for this process (once; a forked child builds its own)."""
    global _container, _container_pid
    if _container is None or _container_pid != os.getpid():
        _container = build(settings or Settings.from_env())
        _container_pid = os.getpid()
        # Reference data known current from NOTIFY or the shared epoch, not asked per job.
        settings = _container.settings
        _container.app.watch_reference_data(
            settings.postgres_dsn() if settings.uses_postgres else None
        )
    return _container


def unload() -> None:
    """Close the preloaded application (at worker exit and in tests)."""
    global _container, _container_pid
    if _container is not None and _container_pid == os.getpid():
        _container.close()
    _container = None
    _container_pid = None


def route_initiative(initiative_id: str) -> str:
    """Route one submitted initiative with an explanation; a second run changes nothing."""
    app = preload().app
    for _ in range(5):
        try:
            routed = app.route_initiative(UUID(initiative_id), ROUTER)
        except ConcurrencyConflict:
            continue  # another worker or a person changed it just now: look again
        return "routed" if routed else "already routed"
    raise ConcurrencyConflict(initiative_id, None, None)


def notify(initiative_id: str, version: int) -> str:
    """Send the e-mail one event calls for; the mail ledger sends each message once.

    An unreachable SMTP server raises, and RQ tries again after each of the configured
    intervals; on the last try a message still not sent is marked failed for admins.
    """
    from participatie.notifications.messages import deliver

    job = get_current_job()
    results = deliver(
        preload(), UUID(initiative_id), version, final=job is None or not job.retries_left
    )
    return "; ".join(results) or "nothing to send"


def sweep_deadlines() -> str:
    """Record every missed deadline once, escalating as configured (runs on a schedule)."""
    from participatie.views.queries import due_initiatives

    container = preload()
    app = container.app
    recorded = 0
    for initiative_id in due_initiatives(container.views, app.clock()):
        for _ in range(5):
            try:
                recorded += len(
                    app.sweep_deadlines(UUID(initiative_id), container.settings.escalate)
                )
                break
            except ConcurrencyConflict:
                continue  # someone acted on it just now: look again
    return f"{recorded} missed deadlines recorded"


def apply_retention() -> str:
    """Erase the personal data whose retention period is over (runs once a day)."""
    from participatie.privacy.retention import run

    report = run(preload())
    return report.summary()


def send_digests() -> str:
    """Mail staff the weekly digest of their queues (runs once a week; twice sends nothing)."""
    from participatie.notifications.digest import send_digests as send

    container = preload()
    return "; ".join(send(container, container.app.clock())) or "no digest to send"


def route_job_id(initiative_id: UUID | str) -> str:
    return f"route-{initiative_id}"


def notify_job_id(initiative_id: UUID | str, version: int) -> str:
    return f"mail-{initiative_id}-{version}"


def enqueue_notifications(
    queue: Queue, events: Iterable[tuple[UUID | str, int]], retry: Iterable[int]
) -> int:
    """Enqueue one mail job per (initiative id, event version) in one round trip.

    The job id comes from the event, so enqueuing twice is harmless; the mail ledger makes a
    second run send nothing.
    """
    intervals = list(retry)
    return _enqueue_all(
        queue,
        intervals,
        (
            (notify, (str(i), version), notify_job_id(i, version), f"mail for {i} v{version}")
            for i, version in events
        ),
        MAIL_RESULT_TTL,
    )


def enqueue_sweep(queue: Queue, slot: int) -> None:
    """Enqueue the deadline sweep for one time slot (the sweep is idempotent: twice is harmless)."""
    _enqueue_scheduled(queue, sweep_deadlines, f"sweep-{slot}", "deadline sweep", 5)


def enqueue_retention(queue: Queue, slot: int) -> None:
    """Enqueue the retention run for one day (it is idempotent: twice erases nothing new)."""
    description = "retention: erase personal data past its period"
    _enqueue_scheduled(queue, apply_retention, f"retention-{slot}", description, 15)


def enqueue_digest(queue: Queue, slot: int) -> None:
    """Enqueue the staff digest for one week (the ledger sends each account's once)."""
    _enqueue_scheduled(queue, send_digests, f"digest-{slot}", "weekly digest for staff", 5)


def _enqueue_scheduled(
    queue: Queue, job: Any, job_id: str, description: str, timeouts: int
) -> None:
    """A scheduled job, once per slot: its id names the slot, so a second enqueue is harmless."""
    queue.enqueue_call(
        job,
        job_id=job_id,
        description=description,
        timeout=JOB_TIMEOUT * timeouts,
        result_ttl=SCHEDULED_RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )


def enqueue_routing(queue: Queue, initiative_ids: Iterable[UUID | str]) -> int:
    """Enqueue one routing job per id in one round trip; return how many were enqueued.

    The job id is derived from the initiative id, so enqueuing twice is harmless: the job runs
    again and finds the initiative already routed.
    """
    return _enqueue_all(
        queue,
        RETRY_INTERVALS,
        ((route_initiative, (str(i),), route_job_id(i), f"route {i}") for i in initiative_ids),
        ROUTE_RESULT_TTL,
    )


def _enqueue_all(
    queue: Queue,
    intervals: list[int],
    calls: Iterable[tuple[Any, tuple[Any, ...], str, str]],
    result_ttl: int,
) -> int:
    """Enqueue (function, args, job id, description) calls in one round trip; return how many."""
    count = 0
    with queue.connection.pipeline() as pipe:
        for function, args, job_id, description in calls:
            queue.enqueue_call(
                function,
                args=args,
                job_id=job_id,
                description=description,
                timeout=JOB_TIMEOUT,
                result_ttl=result_ttl,
                failure_ttl=FAILURE_TTL,
                retry=Retry(max=len(intervals), interval=intervals),
                pipeline=pipe,
            )
            count += 1
        pipe.execute()
    return count
