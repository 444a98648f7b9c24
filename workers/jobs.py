"""RQ jobs and how they are enqueued.

Jobs take ids only (never personal data), load fresh state, and are idempotent: running one twice
records nothing the second time. The application is built once per process (`preload`) so a job
costs a few queries, not a start-up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from uuid import UUID

from redis import Redis
from rq import Queue, Retry

from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.errors import ConcurrencyConflict
from participatie.domain.values import Actor

ROUTER = Actor.system("router")
# Back off 2 s, 10 s, 30 s, 2 min, 5 min; after that the job waits in the failed registry.
RETRY_INTERVALS = [2, 10, 30, 120, 300]
JOB_TIMEOUT = 120
FAILURE_TTL = 90 * 24 * 3600  # keep failed jobs for admins for 90 days
RESULT_TTL = 3600

_container: Container | None = None
_container_pid: int | None = None


def preload(settings: Settings | None = None) -> Container:
    """Build the application for this process (once; a forked child builds its own)."""
    global _container, _container_pid
    if _container is None or _container_pid != os.getpid():
        _container = build(settings or Settings.from_env())
        _container_pid = os.getpid()
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


def queue_for(settings: Settings, connection: Redis) -> Queue:
    return Queue(settings.queue_name, connection=connection)


def route_job_id(initiative_id: UUID | str) -> str:
    return f"route-{initiative_id}"


def enqueue_routing(queue: Queue, initiative_ids: Iterable[UUID | str]) -> int:
    """Enqueue one routing job per id in one round trip; return how many were enqueued.

    The job id is derived from the initiative id, so enqueuing twice is harmless: the job runs
    again and finds the initiative already routed.
    """
    count = 0
    with queue.connection.pipeline() as pipe:
        for initiative_id in initiative_ids:
            queue.enqueue_call(
                route_initiative,
                args=(str(initiative_id),),
                job_id=route_job_id(initiative_id),
                description=f"route {initiative_id}",
                timeout=JOB_TIMEOUT,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                pipeline=pipe,
            )
            count += 1
        pipe.execute()
    return count
