"""Views benchmarks (issue 4), each a ratio against a baseline measured in the same run.

    .venv/bin/python -m benchmarks.views rebuild [--events 200000]
    .venv/bin/python -m benchmarks.views queue [--small 1000 --large 100000]
    .venv/bin/python -m benchmarks.views latency [--rate 20 --seconds 30]

rebuild: rebuilding all views over the log, against reading and decoding the same
notifications raw (no views), on SQLite and on PostgreSQL (127.0.0.1, database `test`).
queue:   p95 of a team-queue page query at 100,000 initiatives against 1,000.
latency: with relay, one worker and the projector running, submissions at a steady rate;
         p95 time from submit until the initiative is in its lead team's queue.
Results are printed as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.stack import store
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.demo.traffic import generate, submit_one
from participatie.infra.follow import mark_handled
from participatie.views import queries
from participatie.views.projector import ViewsProjection, read_after, rebuild
from participatie.views.store import LIVE

BIN = Path(sys.executable).parent


def populated(settings: Settings, initiatives: int) -> Container:
    container = build(settings)
    load_demo(container.app)
    done = 0
    while done < initiatives:
        step = min(5000, initiatives - done)
        generate(container.app, step, seed=done + 1, bulk=True)
        done += step
        print(f"  … {done} initiatives", file=sys.stderr, flush=True)
    return container


def raw_rate(container: Container) -> tuple[int, float]:
    """Read and decode every notification the views read; return (count, events per second)."""
    app = container.app
    started = time.perf_counter()
    position, count = 0, 0
    while True:
        batch, reached = read_after(app, position, 5000)
        if reached == position:
            break
        for notification in batch:
            app.mapper.to_domain_event(notification)
        count += len(batch)
        position = reached
    return count, count / (time.perf_counter() - started)


def bench_rebuild(events: int, rounds: int) -> None:
    print("| store | events | raw read+decode (events/s) | rebuild (events/s) | ratio |")
    print("|---|---|---|---|---|")
    for kind in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
            container = populated(settings, events // 8)
            while raw_rate(container)[0] < events:  # at least `events` for the views to read
                generate(container.app, 1000, seed=events, bulk=True)
            projection = ViewsProjection(container.views, container.app)
            best_raw, best_rebuild, count = 0.0, 0.0, 0
            for _ in range(rounds):  # alternate, so noise hits both alike
                count, rate = raw_rate(container)
                best_raw = max(best_raw, rate)
                started = time.perf_counter()
                rebuild(projection)
                best_rebuild = max(best_rebuild, count / (time.perf_counter() - started))
            container.close()
        print(
            f"| {kind} | {count:,} | {best_raw:,.0f} | {best_rebuild:,.0f} |"
            f" {best_rebuild / best_raw:.2f} |",
            flush=True,
        )


def queue_p95(container: Container, samples: int) -> float:
    rng = random.Random(1)
    teams = [t.code for t in container.app.teams()]
    timings = []
    for _ in range(samples):
        team = rng.choice(teams)
        filters: dict[str, object] = rng.choice(
            [{}, {"status": "in_progress"}, {"theme": "groen"}, {"area": "WK999902"},
             {"overdue": True}, {"priority": "high"}]
        )  # fmt: skip
        sort = rng.choice(sorted(queries.SORTS))
        started = time.perf_counter()
        page = queries.team_queue(container.views, team, sort=sort, limit=25, **filters)  # type: ignore[arg-type]
        if page.next_cursor:
            queries.team_queue(container.views, team, sort=sort, after=page.next_cursor, **filters)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) / (2 if page.next_cursor else 1))
    return statistics.quantiles(timings, n=20)[18]


def bench_queue(small: int, large: int, samples: int) -> None:
    print("| store | initiatives | open in team_queue | p95 page (ms) | vs small |")
    print("|---|---|---|---|---|")
    for kind in ("sqlite", "postgres"):
        results = []
        for size in (small, large):
            with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
                container = populated(settings, size)
                rebuild(ViewsProjection(container.views, container.app))
                with container.views.cursor(commit=False) as c:
                    table = container.views.table(LIVE, "team_queue")
                    c.execute(f"SELECT COUNT(*) FROM {table} WHERE facet = '*'")
                    (rows,) = tuple(c.fetchone())
                queue_p95(container, 20)  # warm up
                results.append((size, rows, queue_p95(container, samples)))
                container.close()
        base = results[0][2]
        for size, rows, p95 in results:
            print(
                f"| {kind} | {size:,} | {rows:,} | {p95 * 1000:.2f} | {p95 / base:.2f} |",
                flush=True,
            )


def bench_latency(rate: float, seconds: float) -> None:
    from tests.services import RedisServer  # a private redis-server on loopback

    print(
        "| store | submissions | rate (/s) | p50 (ms) | p95 (ms) | max (ms) |"
        " of which until routed: p50 / p95 (ms) |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as base:
            server = RedisServer(Path(tmp) / "redis")
            server.start()
            settings = base.with_(redis_url=server.url, queue_name="bench")
            container = build(settings)
            load_demo(container.app)
            mark_handled(container.app)  # as `participatie demo` does: no mail about the past
            env = {**os.environ, **settings.as_environ()}
            processes = [
                subprocess.Popen([str(BIN / "participatie"), name], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for name in ("relay", "worker", "projector")
            ]  # fmt: skip
            try:
                latencies, routing = _measure_latency(container, rate, seconds)
            finally:
                for p in processes:
                    p.terminate()
                for p in processes:
                    p.wait(20)
                server.kill()
                container.close()
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = statistics.quantiles(latencies, n=20)[18]
        print(
            f"| {kind} | {len(latencies)} | {rate:g} | {p50 * 1000:.0f} | {p95 * 1000:.0f} |"
            f" {latencies[-1] * 1000:.0f} | {statistics.median(routing) * 1000:.0f} /"
            f" {statistics.quantiles(routing, n=20)[18] * 1000:.0f} |",
            flush=True,
        )


def _measure_latency(
    container: Container, rate: float, seconds: float
) -> tuple[list[float], list[float]]:
    app = container.app
    rng = random.Random(5)
    submitted: dict[str, float] = {}
    walls: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        # Ask only for the submissions not seen yet, every 5 ms: the watcher's own delay (2.5
        # ms on average, counted in) stays small, and so does the load its queries add.
        table = container.views.table(LIVE, "team_queue")
        mark = container.views.sql("?")
        while not done.is_set() or len(seen) < len(submitted):
            pending = [i for i in list(submitted) if i not in seen]
            if pending:
                with container.views.cursor(commit=False) as c:
                    c.execute(
                        f"SELECT DISTINCT initiative_id FROM {table} WHERE initiative_id IN "
                        f"({', '.join([mark] * len(pending))})",
                        pending,
                    )
                    now = time.perf_counter()
                    for (initiative_id,) in (tuple(r) for r in c.fetchall()):
                        seen.setdefault(initiative_id, now)
            if done.is_set() and time.perf_counter() > deadline:
                break
            time.sleep(0.005)

    deadline = time.perf_counter() + seconds + 30
    watcher = threading.Thread(target=watch)
    caught_up(container, 120)  # the processes have started and projected the demo
    watcher.start()
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        target = start + n / rate
        time.sleep(max(0.0, target - time.perf_counter()))
        began, wall = time.perf_counter(), time.time()  # from the start, not the answer
        initiative_id = submit_one(app, rng, 10_000 + n)
        submitted[str(initiative_id)] = began
        walls[str(initiative_id)] = wall
    done.set()
    watcher.join()
    missing = set(submitted) - set(seen)
    if missing:
        raise SystemExit(f"{len(missing)} submissions never showed up in a team queue")
    return [seen[i] - submitted[i] for i in submitted], routing_times(app, walls)


def caught_up(container: Container, timeout: float) -> None:
    """Wait until the whole pipeline is warm: a probe submission is routed and visible (the
    relay leads, the worker has started, the projector has projected the demo)."""
    probe = str(submit_one(container.app, random.Random(1), 9_999))
    table = container.views.table(LIVE, "team_queue")
    query = container.views.sql(f"SELECT 1 FROM {table} WHERE initiative_id = ?")
    deadline = time.monotonic() + timeout
    while True:
        with container.views.cursor(commit=False) as c:
            c.execute(query, [probe])
            if c.fetchall() and not queued(container):
                time.sleep(0.5)  # the probe's mail jobs are done too
                return
        if time.monotonic() > deadline:
            raise SystemExit(f"the probe submission was not in a queue within {timeout:g} s")
        time.sleep(0.05)


def queued(container: Container) -> int:
    """Jobs waiting in the routing and the mail queue."""
    import redis

    from participatie.infra.queues import mail_queue_for, queue_for

    connection = redis.Redis.from_url(container.settings.redis_url)
    return sum(len(make(container.settings, connection)) for make in (queue_for, mail_queue_for))


def routing_times(app: object, walls: dict[str, float]) -> list[float]:
    """Seconds from the start of each submission (wall clock) to its Routed event's time stamp
    (the worker's wall clock, same machine): the relay's and the worker's share of the latency."""
    from uuid import UUID

    from participatie.domain.initiative import Initiative

    found = []
    for initiative_id, began in walls.items():
        events = app.events.get(UUID(initiative_id))  # type: ignore[attr-defined]
        routed = next(e for e in events if isinstance(e, Initiative.Routed))
        found.append(routed.timestamp.timestamp() - began)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("rebuild")
    r.add_argument("--events", type=int, default=200_000)
    r.add_argument("--rounds", type=int, default=2)
    q = sub.add_parser("queue")
    q.add_argument("--small", type=int, default=1_000)
    q.add_argument("--large", type=int, default=100_000)
    q.add_argument("--samples", type=int, default=400)
    lat = sub.add_parser("latency")
    lat.add_argument("--rate", type=float, default=20)
    lat.add_argument("--seconds", type=float, default=30)
    options = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print()
    if options.what == "rebuild":
        bench_rebuild(options.events, options.rounds)
    elif options.what == "queue":
        bench_queue(options.small, options.large, options.samples)
    else:
        bench_latency(options.rate, options.seconds)


if __name__ == "__main__":
    main()
