"""Full-stack submit throughput with routing running: PostgreSQL against SQLite (issue 25).

For each store (a fresh one with the demo municipality) the platform runs as processes
(`benchmarks.stack`): `web` (gunicorn, two workers), the relay, one worker, the projector and the
sealer, with a private redis-server. A closed loop of clients (`benchmarks.load`) sends API
submissions as fast as they are answered, for `--seconds`; meanwhile the relay, the worker and
the projector route and project each one, competing for the same two cores and the same event
store. The figure is accepted submissions (201) per second; after the load every accepted
submission must be stored, routed exactly once and in the views (`benchmarks.ledger`), and the
time that took is reported. Rounds alternate between the stores; the best of each counts.
The ratio PostgreSQL ÷ SQLite goes to BENCHMARKS.md (block `fullstack`).

    .venv/bin/python -m benchmarks.fullstack [--seconds 20] [--rounds 2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks import ledger, report
from benchmarks.load import run
from benchmarks.stack import Stack, machine, store
from benchmarks.submit import submission
from participatie.bootstrap import build
from participatie.demo import load_demo
from participatie.infra.follow import mark_handled

PROCESSES = ("web", "relay", "worker", "projector", "sealer")


def one_round(kind: str, options: argparse.Namespace) -> tuple[float, float, int]:
    """(accepted per second, seconds until all were routed and visible, accepted)."""
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
        container = build(settings)
        load_demo(container.app)
        mark_handled(container.app)
        container.close()
        since = ledger.head(settings)
        with Stack(settings, Path(tmp)) as stack:
            stack.start(*PROCESSES)
            run(stack.url, submission, concurrency=options.concurrency, seconds=2)  # warm up
            result = run(
                stack.url, submission, concurrency=options.concurrency, seconds=options.seconds
            )
            ended = time.monotonic()
            if set(result.statuses) != {201}:
                raise SystemExit(f"{kind}: answers other than 201: {dict(result.statuses)}")
            acknowledged = ledger.ids_from([a.body for a in result.answers])
            book = ledger.settle(stack.settings, acknowledged, since, timeout=300)
            drained = time.monotonic() - ended
            if not book.ok or book.lost:
                raise SystemExit(f"{kind}: {book.summary()}")
            return result.rate(201), drained, len(acknowledged)


def bench(options: argparse.Namespace) -> str:
    best: dict[str, tuple[float, float, int]] = {}
    for _ in range(options.rounds):
        for kind in ("sqlite", "postgres"):
            found = one_round(kind, options)
            print(
                f"{kind}: {found[0]:.1f}/s, routed and visible {found[1]:.1f} s after", flush=True
            )
            if kind not in best or found[0] > best[kind][0]:
                best[kind] = found
    rows = [
        f"| {kind} | {rate:.1f} | {count} | {drained:.1f} |"
        for kind, (rate, drained, count) in best.items()
    ]
    ratio = best["postgres"][0] / best["sqlite"][0]
    return "\n".join(
        [
            f"Measured {machine()}; {options.concurrency} clients, {options.seconds:g} s per "
            f"round, best of {options.rounds}.",
            f"Command: {report.invocation('benchmarks.fullstack')}",
            "",
            "| store | accepted submissions (/s) | in the best round | all routed and visible "
            "after the load (s) |",
            "|---|---|---|---|",
            *rows,
            "",
            f"PostgreSQL ÷ SQLite: **{ratio:.2f}** (goal ≥ 0.8).",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    text = bench(options)
    print(text)
    report.write("fullstack", text)


if __name__ == "__main__":
    main()
