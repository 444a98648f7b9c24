"""The RQ worker process (`participatie worker`).

By default jobs run inside the worker process (RQ's SimpleWorker) against an application built
once at start; `--fork` uses RQ's forking Worker, where every job runs in a fresh child that must
build its own application (database connections cannot cross a fork). BENCHMARKS.md has the
measurement behind the default.
"""

from __future__ import annotations

import logging
import time

import redis
from rq import SimpleWorker, Worker
from rq.worker import BaseWorker

from participatie.config import Settings
from participatie.infra import queues
from participatie.infra.embedded_redis import connect
from workers import jobs

log = logging.getLogger("participatie.worker")


def make_worker(settings: Settings, connection: redis.Redis, fork: bool = False) -> BaseWorker:
    worker_class: type[BaseWorker] = Worker if fork else SimpleWorker
    return worker_class(queues.queues_for(settings, connection), connection=connection)


def run_worker(settings: Settings, fork: bool = False, burst: bool = False) -> None:
    """Work the queue until told to stop (SIGINT/SIGTERM stop it warmly).

    A lost Redis connection (a restart) is waited out with backoff instead of ending the
    process; jobs Redis lost are re-enqueued by the relay's reconciler.
    """
    if not fork:
        jobs.preload(settings)
    connection = connect(settings)
    backoff = 0.5
    try:
        while True:
            try:
                worker = make_worker(settings, connection, fork)
                worker.work(with_scheduler=True, burst=burst, logging_level="WARNING")
                return
            except redis.ConnectionError as error:
                log.warning("worker: Redis unavailable (%s); retrying in %.1f s", error, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
    finally:
        jobs.unload()
