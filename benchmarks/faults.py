"""Faults under load: `kill -9` web, worker, relay, projector and Redis; nothing lost or doubled.

For SQLite and for PostgreSQL (each a fresh store with the demo municipality loaded), the whole
platform runs as real processes on loopback (`benchmarks.stack.Stack`): `web` (gunicorn, two
workers), `relay`, two `worker`s and `projector`, with a private redis-server that keeps nothing.
The relay's reconciler is set to re-enqueue after a few seconds (`reconcile_after`, an override
passed to Stack; the platform's default is 60 s) so that what a Redis crash lost comes back soon.

A steady stream of API submissions (`POST /api/v1/initiatives`, `benchmarks.submit.submission`)
runs in a background thread. Meanwhile web, a worker, the relay, the projector and Redis are
killed in turn with SIGKILL (the whole process group), each started again after a short pause,
spread over the run (several rounds). Every 201 answer is an acknowledged submission.

After the load stops, `benchmarks.ledger.settle` waits until every acknowledged submission is
stored, every stored one routed exactly once and visible in the views at the log's version
(or the timeout passes). The figures go to BENCHMARKS.md (`benchmarks.report`, block `faults`);
the run exits non-zero when anything was lost, unrouted, doubled or not visible, when the
platform answered with a server error, or when a process did not come back or survive.

The PostgreSQL server may be shared: before the PostgreSQL run the benchmark waits (a while)
for enough free connections, as the platform's six processes hold about 70 of them.

    .venv/bin/python -m benchmarks.faults [--store sqlite|postgres|both] [--seconds 90]
        [--rate 15] [--rounds 2] [--pause 2] [--reconcile-after 5] [--settle 180]
        [--keep-logs DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from eventsourcing.persistence import PersistenceError

from benchmarks import ledger, report
from benchmarks.load import Result, run
from benchmarks.stack import POSTGRES_URL, Stack, machine, store
from benchmarks.submit import submission

VICTIMS = ("web", "worker", "relay", "projector", "redis")
PLATFORM = ("web", "relay", "worker", "worker", "projector")
EXPECTED_ALIVE = dict(Counter(PLATFORM))
RECONCILED = re.compile(r"reconciler: (\d+) initiatives were still unrouted")
LAG = re.compile(r'participatie_lag_events\{follower="([^"]+)"\} (\d+)')
FREE_CONNECTIONS = 85  # what the platform and the benchmark's checks need, with some room


@dataclass
class Kill:
    name: str
    pid: int  # 0: it was not running
    at: float  # seconds after the load began
    back: float = float("nan")  # seconds after the load began: started again (web: answering)
    error: str = ""  # why it did not come back


@dataclass
class Outcome:
    kind: str
    result: Result
    ledger: ledger.Ledger
    kills: list[Kill]
    settled: float  # seconds from the end of the load until the ledger was clean (or gave up)
    alive: dict[str, int] = field(default_factory=dict)
    reconciled: int = 0  # initiatives the relay's reconciler enqueued again
    connections: int = 0  # PostgreSQL connections the platform's processes held at the end

    @property
    def sent(self) -> int:
        return len(self.result.answers)

    @property
    def others(self) -> Counter[int]:
        return Counter({s: n for s, n in self.result.statuses.items() if s != 201})

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.others.items() if s >= 500)

    def problems(self) -> list[str]:
        found = [f"{self.kind}: {problem}" for problem in self.ledger.problems()]
        if self.server_errors:
            found.append(f"{self.kind}: {self.server_errors} server errors ({dict(self.others)})")
        for kill in self.kills:
            if kill.error:
                found.append(f"{self.kind}: {kill.name} at {kill.at:.1f} s: {kill.error}")
        if self.alive != EXPECTED_ALIVE:
            found.append(f"{self.kind}: processes alive at the end {self.alive}")
        return found


def schedule(seconds: float, rounds: int) -> list[tuple[float, str]]:
    """When to kill what: `rounds` rounds of every victim, spread evenly, quiet at both ends."""
    victims = [name for _ in range(rounds) for name in VICTIMS]
    first, last = min(5.0, seconds / 10), seconds * 0.8
    step = (last - first) / max(1, len(victims) - 1)
    return [(first + n * step, name) for n, name in enumerate(victims)]


def postgres_connections() -> tuple[int, int]:
    """(connections in use, max_connections) of the PostgreSQL server."""
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()
        most = conn.execute("SHOW max_connections").fetchone()
    return int(used[0] if used else 0), int(most[0] if most else 0)


def wait_for_connections(timeout: float) -> str:
    """Wait until the (maybe shared) PostgreSQL server has room for the platform; say how much."""
    deadline = time.monotonic() + timeout
    while True:
        used, most = postgres_connections()
        if most - used >= FREE_CONNECTIONS or time.monotonic() > deadline:
            note = f"PostgreSQL: {used} of {most} connections in use by others at the start"
            print(note, flush=True)
            return note
        print(f"PostgreSQL: {used} of {most} connections in use; waiting for room", flush=True)
        time.sleep(5)


def held_connections(stack: Stack, port: int = 5432) -> int:
    """TCP connections to PostgreSQL held by the stack's processes (children included)."""
    total = 0
    for running in stack.running:
        for process in running.tree():
            with contextlib.suppress(psutil.Error):
                total += sum(
                    1
                    for c in process.net_connections(kind="tcp")
                    if c.raddr and c.raddr.port == port
                )
    return total


def one_store(kind: str, options: argparse.Namespace) -> Outcome:
    """Load, kill and check on one fresh store (`options`: the command line)."""
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
        since = ledger.with_demo(settings)
        with Stack(settings, Path(tmp), reconcile_after=options.reconcile_after) as stack:
            try:
                return under_fire(kind, stack, since, options)
            finally:
                if options.keep_logs is not None:
                    shutil.copytree(stack.logs, options.keep_logs / kind, dirs_exist_ok=True)


def kill_and_restart(stack: Stack, name: str, began: float, pause: float) -> Kill:
    """`kill -9` process `name`, wait `pause` seconds, start it again; what happened when."""
    running = name == "redis" or bool(stack.processes(name))
    kill = Kill(name, stack.kill(name) if running else 0, time.monotonic() - began)
    if not running:
        kill.error = "was not running"
    time.sleep(pause)
    try:
        stack.restart(name)
    except RuntimeError as error:  # web did not answer: go on, and say so
        kill.error = str(error)
    kill.back = time.monotonic() - began
    return kill


def watch(kind: str, stack: Stack, began: float, halt: threading.Event) -> None:
    """Every 10 s of the load: the jobs waiting in Redis and the followers' lag (/metrics)."""
    import urllib.request

    import redis

    client = redis.Redis.from_url(stack.settings.redis_url, socket_timeout=2)
    key = f"rq:queue:{stack.settings.queue_name}"
    while not halt.wait(10):
        try:
            queued = str(client.llen(key))
        except redis.RedisError:
            queued = "-"
        try:
            with urllib.request.urlopen(stack.url + "/metrics", timeout=5) as answer:
                text = answer.read().decode()
            lags = " ".join(f"{n}={v}" for n, v in LAG.findall(text)) or "-"
        except OSError:
            lags = "-"
        elapsed = time.monotonic() - began
        print(f"{kind}: {elapsed:.0f} s: jobs queued {queued}; lag {lags}", flush=True)


def under_fire(kind: str, stack: Stack, since: int, options: argparse.Namespace) -> Outcome:
    """Start the platform, drive the load while killing, then settle and check."""
    seconds = options.seconds
    stack.start(*PLATFORM)
    print(f"{kind}: platform up on {stack.url}; log head {since}", flush=True)
    results: list[Result] = []
    halt = threading.Event()

    def drive() -> None:
        results.append(
            run(
                stack.url,
                submission,
                concurrency=options.concurrency,
                seconds=seconds,
                rate=options.rate,
                stop=halt.is_set,
            )
        )

    loader = threading.Thread(target=drive, name="load", daemon=True)
    began = time.monotonic()
    loader.start()
    watcher = threading.Thread(target=watch, args=(kind, stack, began, halt), daemon=True)
    watcher.start()
    kills: list[Kill] = []
    try:
        for due, name in schedule(seconds, options.rounds):
            time.sleep(max(0.0, began + due - time.monotonic()))
            kill = kill_and_restart(stack, name, began, options.pause)
            kills.append(kill)
            print(
                f"{kind}: killed {name} (pid {kill.pid}) at {kill.at:.1f} s, "
                f"back at {kill.back:.1f} s {kill.error}",
                flush=True,
            )
        loader.join(seconds + 120)
    finally:
        halt.set()
        loader.join(60)
    if not results:
        raise SystemExit(f"{kind}: the load generator did not finish")
    result = results[0]
    ended = time.monotonic()
    acknowledged = ledger.acknowledged_by(result, kind)
    while True:  # settle, saying every few seconds what is still missing
        left = options.settle - (time.monotonic() - ended)
        try:
            book = ledger.settle(stack.settings, acknowledged, since, timeout=min(10, left))
        except PersistenceError as error:  # the check itself could not reach the store
            if time.monotonic() - ended >= options.settle:
                raise
            print(f"{kind}: the check could not read the store ({error}); again", flush=True)
            time.sleep(2)
            continue
        settled = time.monotonic() - ended
        if book.ok or settled >= options.settle:
            break
        print(f"{kind}: after {settled:.0f} s: {book.summary()}", flush=True)
    alive = stack.alive()
    connections = held_connections(stack) if kind == "postgres" else 0
    print(f"{kind}: {book.summary()} (after {settled:.1f} s)", flush=True)
    reconciled = reenqueued(stack.logs / "relay.log")
    return Outcome(kind, result, book, kills, settled, alive, reconciled, connections)


def reenqueued(relay_log: Path) -> int:
    """How many initiatives the relay's reconciler enqueued again (from its log)."""
    text = relay_log.read_text(errors="replace") if relay_log.exists() else ""
    return sum(int(n) for n in RECONCILED.findall(text))


def row(outcome: Outcome) -> str:
    book = outcome.ledger
    others = ", ".join(f"{s}: {n}" for s, n in sorted(outcome.others.items())) or "none"
    cells = [
        outcome.kind,
        outcome.sent,
        book.acknowledged,
        others,
        book.stored,
        book.unacknowledged_stored,
        book.routed_once,
        len(book.lost),
        len(book.unrouted),
        len(book.routed_twice),
        len(book.not_in_views),
        outcome.reconciled,
        f"{outcome.settled:.1f}",
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def kills_line(outcome: Outcome) -> str:
    done = ", ".join(
        f"{k.name} {k.at:.1f} s (back {k.back:.1f} s{'; ' + k.error if k.error else ''})"
        for k in outcome.kills
    )
    return f"- {outcome.kind}: {done}"


def render(
    outcomes: list[Outcome], options: argparse.Namespace, command: str, notes: list[str]
) -> str:
    lines = [
        f"Measured {machine()}.",
        f"Command: `{command}`.",
        "",
        f"Per store: {options.seconds:g} s of `POST /api/v1/initiatives` at {options.rate:g}/s "
        f"({options.concurrency} clients) against web (gunicorn, 2 workers), relay, 2 workers "
        f"and projector; {options.rounds} round(s) of `kill -9` of web, a worker, the relay, the "
        f"projector and Redis (no persistence: its queue is lost), each restarted "
        f"{options.pause:g} s later. The relay ran with `reconcile_after={options.reconcile_after}`"
        " (an override passed to Stack; the default is 60 s) so that it re-enqueued soon what "
        "Redis lost. Status 0: no answer at all (web down: connection refused or reset). "
        "Stored without an answer: web was killed after the commit, before it answered.",
        "",
        "| store | sent | acknowledged (201) | other answers (status: count) | stored |"
        " stored without an answer | routed exactly once | lost | unrouted | routed twice |"
        " not in views | re-enqueued by the reconciler | settled after load (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(row(o) for o in outcomes),
        "",
        "Kills (seconds after the load began; back: started again, web answering):",
        "",
        *(kills_line(o) for o in outcomes),
    ]
    held = [o for o in outcomes if o.connections]
    notes = notes + [
        f"PostgreSQL connections held by the platform's processes at the end: {o.connections}"
        for o in held
    ]
    if notes:
        lines += ["", *(f"{note}." for note in notes)]
    problems = [p for o in outcomes for p in o.problems()]
    lines += ["", "Result: " + ("; ".join(problems) if problems else "nothing lost or doubled.")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=90, help="load per store")
    parser.add_argument("--rate", type=float, default=15, help="submissions per second")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of kills per store")
    parser.add_argument("--pause", type=float, default=2, help="seconds from kill to restart")
    parser.add_argument("--reconcile-after", type=int, default=5, help="relay override (s)")
    parser.add_argument("--settle", type=float, default=180, help="timeout after the load (s)")
    parser.add_argument(
        "--wait-for-postgres", type=float, default=120, help="seconds to wait for connections"
    )
    parser.add_argument(
        "--keep-logs", type=Path, help="copy the processes' logs here (a folder per store)"
    )
    options = parser.parse_args()
    if options.seconds < 20 or options.rounds < 1:
        parser.error("give the kills room: --seconds 20 or more, --rounds 1 or more")
    kinds = ("sqlite", "postgres") if options.store == "both" else (options.store,)
    outcomes, notes = [], []
    for kind in kinds:
        if kind == "postgres":
            notes.append(wait_for_connections(options.wait_for_postgres))
        outcomes.append(one_store(kind, options))
    command = " ".join([".venv/bin/python -m benchmarks.faults", *sys.argv[1:]])
    text = render(outcomes, options, command, notes)
    print(text)
    report.write("faults", text)
    problems = [p for o in outcomes for p in o.problems()]
    if problems:
        raise SystemExit("faults: " + "; ".join(problems))


if __name__ == "__main__":
    main()
