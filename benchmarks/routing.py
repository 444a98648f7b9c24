"""Routing throughput (relay + two workers) against RQ no-op jobs on the same workers (issue 11).

For SQLite and PostgreSQL: the platform runs as processes (`benchmarks.stack`): two
`participatie worker` processes (RQ SimpleWorker, application preloaded) and the relay.
- Baseline: N no-op jobs are put on the queue in one round trip; the same two workers run them.
- Routing: the relay is stopped, N initiatives are submitted straight into the store, the relay
  is started again; it reads them from the log and enqueues a routing job for each (and, as in
  production, an e-mail job for each confirmation and each team hand-off, on the mail queue,
  which the same workers take when no routing job waits).
Throughput is N over the time from the first job's `enqueued_at` to the last job's `ended_at`
(RQ's own timestamps), so process start-up counts for neither. Every initiative is checked to be
routed exactly once; the mail jobs that ended within the routing's time are counted too.
Rounds alternate; the best of each counts, and each starts with both queues empty.

    .venv/bin/python -m benchmarks.routing [--jobs 1000] [--rounds 2] [--store sqlite ...]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path

import redis
from rq import Queue
from rq.job import Job

from benchmarks import report
from benchmarks.ledger import check, head
from benchmarks.stack import Stack, machine, store
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.demo.traffic import submit_one
from participatie.infra import queues
from workers import jobs

REPO = Path(__file__).resolve().parent.parent
NOOP = "benchmarks.worker_class.noop"  # the same baseline job as the worker-class benchmark


def span(connection: redis.Redis, ids: list[str]) -> float:
    """Seconds from the first job enqueued to the last one ended (all must have finished)."""
    found = [j for j in Job.fetch_many(ids, connection=connection) if j is not None]
    if len(found) != len(ids) or any(j.ended_at is None for j in found):
        raise SystemExit(f"only {sum(j.ended_at is not None for j in found)} of {len(ids)} ended")
    first: datetime = min(j.enqueued_at for j in found if j.enqueued_at)
    last: datetime = max(j.ended_at for j in found if j.ended_at)
    return (last - first).total_seconds()


def wait_until(done: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the workers")
        time.sleep(0.2)


def idle(*queues: Queue) -> bool:
    return all(q.count == 0 and q.started_job_registry.count == 0 for q in queues)


def measure_noop(stack: Stack, queue: Queue, count: int) -> float:
    ids = [f"noop-{time.monotonic_ns()}-{n}" for n in range(count)]
    with queue.connection.pipeline() as pipe:
        for job_id in ids:
            queue.enqueue_call(NOOP, job_id=job_id, pipeline=pipe)
        pipe.execute()
    wait_until(lambda: idle(queue), 600)
    return count / span(queue.connection, ids)


def measure_routing(
    stack: Stack, queue: Queue, mail: Queue, count: int, seed: int
) -> tuple[float, int]:
    """Routed initiatives per second, and how many mail jobs ended in that time."""
    if stack.processes("relay"):
        stack.kill("relay")
    since = head(stack.settings)
    container = build(stack.settings)
    rng = random.Random(seed)
    try:
        ids = [str(submit_one(container.app, rng, seed * 100_000 + n)) for n in range(count)]
    finally:
        container.close()
    stack.start("relay")
    route_ids = [jobs.route_job_id(i) for i in ids]
    wait_until(lambda: all(j is not None for j in Job.fetch_many(route_ids, queue.connection)), 600)
    wait_until(lambda: idle(queue, mail), 600)
    routed = [j for j in Job.fetch_many(route_ids, queue.connection) if j is not None]
    first = min(j.enqueued_at for j in routed if j.enqueued_at)
    last = max(j.ended_at for j in routed if j.ended_at)
    seconds = span(queue.connection, route_ids)
    ledger = check(stack.settings, set(ids), since)
    if ledger.unrouted or ledger.routed_twice or ledger.lost:
        raise SystemExit(f"routing went wrong: {ledger.summary()}")
    mails = Job.fetch_many(mail.finished_job_registry.get_job_ids(), mail.connection)
    alongside = sum(1 for j in mails if j and j.ended_at and first <= j.ended_at <= last)
    return count / seconds, alongside


def bench(count: int, rounds: int, stores: list[str]) -> str:
    lines = [
        f"Command: {report.invocation('benchmarks.routing')}",
        "",
        f"Measured {machine()}; {count} jobs per round, best of {rounds} alternating rounds.",
        "",
        "| store | RQ no-op jobs/s (2 workers) | routed initiatives/s (relay + 2 workers) | ratio |"
        " mail jobs ended meanwhile |",
        "|---|---|---|---|---|",
    ]
    for kind in stores:
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as base:
            settings: Settings = base
            container = build(settings)
            load_demo(container.app)
            container.close()
            best_noop, best_route, mails = 0.0, 0.0, 0
            with Stack(settings, Path(tmp)) as stack:
                stack.env["PYTHONPATH"] = str(REPO)  # the workers must import the no-op job
                stack.start("worker", "worker", "relay")
                connection = redis.Redis.from_url(stack.redis.url)
                queue = queues.queue_for(stack.settings, connection)
                mail = queues.mail_queue_for(stack.settings, connection)
                time.sleep(3)  # the relay enqueues the demo's own mail; let that pass
                wait_until(partial(idle, queue, mail), 300)
                for n in range(rounds):
                    noop_rate = measure_noop(stack, queue, count)
                    route_rate, mail_jobs = measure_routing(stack, queue, mail, count, seed=n + 1)
                    print(
                        f"{kind}: no-op {noop_rate:.1f}/s, routing {route_rate:.1f}/s",
                        flush=True,
                    )
                    best_noop = max(best_noop, noop_rate)
                    if route_rate > best_route:
                        best_route, mails = route_rate, mail_jobs
        lines.append(
            f"| {kind} | {best_noop:.1f} | {best_route:.1f} | {best_route / best_noop:.2f} |"
            f" {mails} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    options = parser.parse_args()
    table = bench(options.jobs, options.rounds, options.store or ["sqlite", "postgres"])
    print(table)
    report.write("routing", table)


if __name__ == "__main__":
    main()
