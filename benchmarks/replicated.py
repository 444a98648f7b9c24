"""Every process twice on PostgreSQL + Redis, and `kill -9` one of each pair under load.

The replicated stack of issue 25 runs as two process groups, as if on two machines: each group
has its own var/ (the keys every copy must share come from the environment, as in
docker-compose.yml) and its own web. Group A: web, relay, worker, projector, sealer; group B:
web, relay, two workers, projector, sealer; so web x2, relay x2, worker x3, projector x2 and
sealer x2 against one PostgreSQL schema (the demo municipality loaded) and a private
redis-server. The relay, projector and sealer take their leader lock: one of each pair leads.

A steady stream of API submissions goes to both webs (half each); a request whose connection a
dead web refuses goes to the other, as a load balancer would. During the load the leader of the
relay, of the projector and of the sealer, web A and one worker are killed with SIGKILL (the
whole process group) and not started again. The standby of each singleton must lead: the
takeover time is from the kill to the `leading (time)` line in the standby's log.

After the load: every acknowledged submission stored, routed exactly once and in the views at
the log's version (`benchmarks.ledger`), and every event sealed once (the seals cover the log's
head, one seal per stored event, and `audit verify`'s recomputation of the chain agrees). The
figures go to BENCHMARKS.md (block `replicated`); the run exits non-zero when anything was
lost, doubled, unrouted, not visible, not sealed, or a standby did not take over.

    .venv/bin/python -m benchmarks.replicated [--seconds 60] [--rate 20] [--settle 120]
        [--reconcile-after 5] [--keep-logs DIR]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks import ledger, report
from benchmarks.faults import held_connections, wait_for_connections
from benchmarks.load import Result, run
from benchmarks.stack import BIN, Stack, free_port, machine, store
from benchmarks.submit import submission
from participatie.audit.chain import notifications_after, signing_key, verify
from participatie.bootstrap import build
from participatie.config import Settings

SINGLETONS = ("relay", "projector", "sealer")
GROUPS = {
    "a": ("web", "relay", "worker", "projector", "sealer"),
    "b": ("web", "relay", "worker", "worker", "projector", "sealer"),
}
# When (fraction of the load) to kill what: a singleton kind means its leader.
KILLS = ((0.2, "relay"), (0.3, "projector"), (0.4, "sealer"), (0.5, "web-a"), (0.6, "worker-a1"))
TAKEOVER_LIMIT = 5.0  # seconds; the stated bound (the standby asks every 0.5 s)


@dataclass
class Kill:
    name: str  # process name, e.g. relay-b
    kind: str
    at: float  # wall clock (time.time())
    took_over: str = ""  # the standby that led next
    after: float = float("nan")  # seconds from the kill to the standby's `leading` line


@dataclass
class Outcome:
    result: Result
    book: ledger.Ledger
    kills: list[Kill]
    settled: float
    events: int = 0
    seals: int = 0
    sealed_head: int = 0
    head: int = 0
    verified: str = ""
    alive: dict[str, int] = field(default_factory=dict)
    connections: int = 0

    def problems(self) -> list[str]:
        found = self.book.problems()
        errors = sum(n for s, n in self.result.statuses.items() if s >= 500)
        if errors:
            found.append(f"{errors} server errors")
        if self.sealed_head != self.head or self.seals != self.events:
            found.append(
                f"sealed up to {self.sealed_head} of {self.head}; {self.seals} seals for "
                f"{self.events} events"
            )
        if self.verified != "ok":
            found.append(f"audit verify: {self.verified}")
        for kill in self.kills:
            if kill.kind in SINGLETONS and not kill.after <= TAKEOVER_LIMIT:
                found.append(f"{kill.kind}: no standby led within {TAKEOVER_LIMIT:g} s")
        return found


def shared_keys() -> dict[str, str]:
    """The keys every copy must share (docker-compose.yml takes them from the environment)."""
    return {
        name: base64.b64encode(os.urandom(32)).decode()
        for name in ("master_key", "secret_key", "snapshot_key", "audit_signing_key")
    }


def log_of(stack: Stack, name: str) -> str:
    path = stack.logs / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def leading_times(text: str, kind: str) -> list[float]:
    """The wall-clock times of the `KIND: leading (ISO)` lines of a log."""
    times = []
    for line in text.splitlines():
        if line.startswith(f"{kind}: leading ("):
            stamp = line.split("(", 1)[1].rstrip(")")
            times.append(datetime.fromisoformat(stamp).timestamp())
    return times


def leader(stack: Stack, kind: str) -> str:
    """The running process of `kind` that leads (the last to say `leading`)."""
    best, when = "", -1.0
    for running in stack.running:
        if running.name.startswith(kind + "-") and running.process.poll() is None:
            times = leading_times(log_of(stack, running.name), kind)
            if times and times[-1] > when:
                best, when = running.name, times[-1]
    return best


def start_groups(stack: Stack, tmp: Path) -> dict[str, str]:
    """Start both groups; return the web URL of each."""
    urls = {}
    for group, names in GROUPS.items():
        port = stack.port if group == "a" else free_port()
        env = {
            **stack.env,
            "PARTICIPATIE_VAR_DIR": str(tmp / group / "var"),
            "PARTICIPATIE_PORT": str(port),
            "PARTICIPATIE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
            label = f"{name}-{group}" + (str(counts[name]) if name == "worker" else "")
            stack.spawn(label, [str(BIN / "participatie"), name], env=env)
        urls[group] = f"http://127.0.0.1:{port}"
    for url in urls.values():
        stack.wait_for(url + "/healthz")
    return urls


def wait_for_leaders(stack: Stack, timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leaders = {kind: leader(stack, kind) for kind in SINGLETONS}
        standing_by = {
            kind: [
                r.name
                for r in stack.running
                if r.name.startswith(kind + "-")
                and r.name != leaders[kind]
                and "standing by" in log_of(stack, r.name)
            ]
            for kind in SINGLETONS
        }
        if all(leaders.values()) and all(len(names) == 1 for names in standing_by.values()):
            for kind, names in standing_by.items():
                if leading_times(log_of(stack, names[0]), kind):
                    raise SystemExit(f"two {kind} processes lead: {leaders[kind]}, {names[0]}")
            return leaders
        time.sleep(0.2)
    raise SystemExit(f"no leader within {timeout:g} s; see {stack.logs}")


def kill(stack: Stack, name: str) -> None:
    import signal

    running = next(r for r in stack.running if r.name == name and r.process.poll() is None)
    os.killpg(running.process.pid, signal.SIGKILL)
    running.process.wait(30)


def sealed(settings: Settings, timeout: float) -> tuple[int, int, int, int, str]:
    """Wait until the seals cover the log's head; (events, seals, sealed head, head, verify)."""
    container = build(settings)
    try:
        app = container.app
        sealer = container.sealer()
        deadline = time.monotonic() + timeout
        head = int(app.recorder.max_notification_id() or 0)
        while sealer.head()[0] < head and time.monotonic() < deadline:
            time.sleep(0.5)
        position, _, seals = sealer.head()
        events = sum(1 for _ in notifications_after(app, 0))
        report_ = verify(app, container.audit_tables, signing_key(settings).public_key())
        verdict = "ok" if report_.ok and not report_.unsealed else report_.text()
        return events, seals, position, head, verdict
    finally:
        container.close()


def under_fire(stack: Stack, tmp: Path, since: int, options: argparse.Namespace) -> Outcome:
    urls = start_groups(stack, tmp)
    leaders = wait_for_leaders(stack)
    print(f"replicated: up; webs {urls}; leaders {leaders}; log head {since}", flush=True)
    results: list[Result] = []
    halt = threading.Event()

    def drive(url: str, other: str) -> None:
        results.append(
            run(
                url,
                submission,
                concurrency=options.concurrency // 2,
                seconds=options.seconds,
                rate=options.rate / 2,
                stop=halt.is_set,
                also=[other],
            )
        )

    loaders = [
        threading.Thread(target=drive, args=(urls["a"], urls["b"]), daemon=True),
        threading.Thread(target=drive, args=(urls["b"], urls["a"]), daemon=True),
    ]
    began = time.monotonic()
    for loader in loaders:
        loader.start()
    kills: list[Kill] = []
    try:
        for fraction, target in KILLS:
            time.sleep(max(0.0, began + fraction * options.seconds - time.monotonic()))
            kind = target.split("-")[0]
            name = leader(stack, kind) if kind in SINGLETONS else target
            kill(stack, name)
            kills.append(Kill(name, kind, time.time()))
            print(f"replicated: killed {name} at {time.monotonic() - began:.1f} s", flush=True)
        for loader in loaders:
            loader.join(options.seconds + 120)
    finally:
        halt.set()
        for loader in loaders:
            loader.join(60)
    result = Result()
    for part in results:
        result.answers += part.answers
        result.elapsed = max(result.elapsed, part.elapsed)
    ended = time.monotonic()
    acknowledged = ledger.acknowledged_by(result, "replicated")
    book = ledger.settle(stack.settings, acknowledged, since, timeout=options.settle)
    settled = time.monotonic() - ended
    print(f"replicated: {book.summary()} (after {settled:.1f} s)", flush=True)
    for item in kills:
        if item.kind in SINGLETONS:
            for running in stack.running:
                if not running.name.startswith(item.kind + "-") or running.name == item.name:
                    continue
                later = [
                    t for t in leading_times(log_of(stack, running.name), item.kind) if t >= item.at
                ]
                if later:
                    item.took_over, item.after = running.name, later[0] - item.at
    events, seals, sealed_head, head, verdict = sealed(stack.settings, options.settle)
    return Outcome(
        result,
        book,
        kills,
        settled,
        events,
        seals,
        sealed_head,
        head,
        verdict,
        stack.alive(),
        held_connections(stack),
    )


def render(outcome: Outcome, options: argparse.Namespace, command: str, note: str) -> str:
    book = outcome.book
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(outcome.result.statuses.items()))
    takeovers = "; ".join(
        f"{k.kind} leader {k.name} → {k.took_over or 'nobody'} in {k.after:.2f} s"
        for k in outcome.kills
        if k.kind in SINGLETONS
    )
    others = ", ".join(k.name for k in outcome.kills if k.kind not in SINGLETONS)
    problems = outcome.problems()
    return "\n".join(
        [
            f"Measured {machine()}.",
            f"Command: `{command}`.",
            "",
            f"{options.seconds:g} s of `POST /api/v1/initiatives` at {options.rate:g}/s "
            f"({options.concurrency} clients, half to each web) against two process groups on "
            "one PostgreSQL schema and one Redis: web x2 (gunicorn, 2 workers each), relay x2, "
            "worker x3, projector x2, sealer x2, each group with its own var/ and the shared "
            f"keys from the environment. Relay `reconcile_after={options.reconcile_after}` s.",
            "",
            "| sent | answers (status: count) | acknowledged | stored | routed exactly once |"
            " lost | unrouted | routed twice | not in views | events | seals |"
            " sealed head / log head | audit verify | settled after load (s) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            f"| {len(outcome.result.answers)} | {statuses} | {book.acknowledged} | "
            f"{book.stored} | {book.routed_once} | {len(book.lost)} | {len(book.unrouted)} | "
            f"{len(book.routed_twice)} | {len(book.not_in_views)} | {outcome.events} | "
            f"{outcome.seals} | {outcome.sealed_head} / {outcome.head} | {outcome.verified} | "
            f"{outcome.settled:.1f} |",
            "",
            f"Killed with SIGKILL and not started again: the leaders ({takeovers}); {others}.",
            f"Alive at the end: {outcome.alive}. PostgreSQL connections held by the platform at "
            f"the end: {outcome.connections}. {note}.",
            "",
            "Result: " + ("; ".join(problems) if problems else "nothing lost, doubled or skipped."),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="load")
    parser.add_argument("--rate", type=float, default=20, help="submissions per second")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reconcile-after", type=int, default=5, help="relay override (s)")
    parser.add_argument("--settle", type=float, default=120, help="timeout after the load (s)")
    parser.add_argument("--keep-logs", type=Path, help="copy the processes' logs here")
    options = parser.parse_args()
    if options.seconds < 20:
        parser.error("give the kills room: --seconds 20 or more")
    note = wait_for_connections(120)
    with tempfile.TemporaryDirectory() as tmp, store("postgres", Path(tmp)) as plain:
        settings = plain.with_(**shared_keys(), var_dir=Path(tmp) / "a" / "var")
        since = ledger.with_demo(settings)
        with Stack(settings, Path(tmp), reconcile_after=options.reconcile_after) as stack:
            try:
                outcome = under_fire(stack, Path(tmp), since, options)
            finally:
                if options.keep_logs is not None:
                    shutil.copytree(stack.logs, options.keep_logs, dirs_exist_ok=True)
    command = " ".join([".venv/bin/python -m benchmarks.replicated", *sys.argv[1:]])
    text = render(outcome, options, command, note)
    print(text)
    report.write("replicated", text)
    problems = outcome.problems()
    if problems:
        raise SystemExit("replicated: " + "; ".join(problems))


if __name__ == "__main__":
    main()
