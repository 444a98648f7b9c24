"""The RQ queues: routing and scheduled jobs on one, mail on its own (the relay fills them, the
workers empty them, the admin pages show their failed jobs)."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from participatie.config import Settings


def queue_for(settings: Settings, connection: Redis) -> Queue:
    """The queue of routing and scheduled jobs."""
    return Queue(settings.queue_name, connection=connection)


def mail_queue_for(settings: Settings, connection: Redis) -> Queue:
    """The queue of mail jobs, apart: a backlog of mail (or an SMTP server that is slow or down,
    with its retries) never holds up routing."""
    return Queue(f"{settings.queue_name}-mail", connection=connection)


def queues_for(settings: Settings, connection: Redis) -> list[Queue]:
    """The queues a worker serves, most urgent first (RQ takes jobs in this order)."""
    return [queue_for(settings, connection), mail_queue_for(settings, connection)]
