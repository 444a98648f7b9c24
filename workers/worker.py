"""The RQ worker process."""

from __future__ import annotations

from rq import Queue, Worker

from participatie.config import Settings
from participatie.embedded_redis import connect

QUEUES = ("default",)


def run_worker(settings: Settings) -> None:
    """Work the queues until told to stop (SIGINT/SIGTERM stop it warmly)."""
    connection = connect(settings)
    queues = [Queue(name, connection=connection) for name in QUEUES]
    Worker(queues, connection=connection).work(with_scheduler=False)
