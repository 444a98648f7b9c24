"""Audit hash-chain verification (issue 7) against reading the same events raw, in the same run.

    .venv/bin/python -m benchmarks.audit [--events 100000] [--rounds 3]

A fresh store per database (SQLite in a temporary folder, PostgreSQL on 127.0.0.1, database
`test`, a schema of its own) gets the demo plus synthetic initiatives with their histories
(`participatie/demo/traffic.py`: real domain events, personal data encrypted) until it holds at
least `--events` events. The sealer then seals them all and signs a checkpoint (not timed).
Each round times, one after the other so noise hits both alike:

  raw:    iterating `notifications_after(app, 0)`, touching each notification's state;
  verify: `verify(app, tables, public_key, checkpoint)`: the same read, plus the seals read
          and every leaf and link recomputed and compared, and the checkpoint confirmed.

The best round of each is shown. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.views import store
from participatie.audit.chain import Checkpoint, notifications_after, signing_key, verify
from participatie.bootstrap import Container, build
from participatie.demo import load_demo
from participatie.demo.traffic import generate


def filled(container: Container, events: int) -> int:
    """Add the demo and synthetic initiatives until the log holds at least `events`."""
    app = container.app
    load_demo(app)
    have = app.recorder.max_notification_id() or 0
    while have < events:
        # about nine events per initiative; aim a little short so the last step lands close
        step = min(5000, max(10, (events - have) // 9))
        generate(app, step, seed=have + 1, bulk=True)
        have = app.recorder.max_notification_id() or 0
        print(f"  … {have:,} events", file=sys.stderr, flush=True)
    return have


def sealed(container: Container) -> Checkpoint:
    """Seal the whole log and return a signed checkpoint at its head."""
    sealer = container.sealer()
    started = time.perf_counter()
    count = sealer.seal()
    checkpoint = sealer.last_checkpoint() or sealer.checkpoint()
    assert checkpoint is not None
    print(
        f"  sealed {count:,} events in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return checkpoint


def raw_read(app: Any) -> tuple[int, int, float]:
    """Read every stored event in log order; return (count, state bytes, seconds)."""
    started = time.perf_counter()
    count, size = 0, 0
    for notification in notifications_after(app, 0):
        size += len(notification.state)
        count += 1
    return count, size, time.perf_counter() - started


def bench(events: int, rounds: int) -> None:
    print(
        "| store | events | state (MB) | raw read (events/s) | verify (events/s) | ratio |"
        " verify costs (× a raw read) |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
            container = build(settings)
            try:
                filled(container, events)
                checkpoint = sealed(container)
                public = signing_key(settings).public_key()
                best_raw, best_verify, count, size = 0.0, 0.0, 0, 0
                for _ in range(rounds):  # alternate, so noise hits both alike
                    count, size, seconds = raw_read(container.app)
                    best_raw = max(best_raw, count / seconds)
                    started = time.perf_counter()
                    report = verify(container.app, container.audit_tables, public, checkpoint)
                    seconds = time.perf_counter() - started
                    if not (report.ok and report.checked == count and report.checkpoint):
                        raise SystemExit(f"verification did not pass: {report.text()}")
                    best_verify = max(best_verify, count / seconds)
            finally:
                container.close()
        ratio = best_verify / best_raw
        print(
            f"| {kind} | {count:,} | {size / 1e6:.1f} | {best_raw:,.0f} | {best_verify:,.0f} |"
            f" {ratio:.2f} | {1 / ratio:.1f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"Rounds: {options.rounds} (best round of each shown)")
    print()
    bench(options.events, options.rounds)


if __name__ == "__main__":
    main()
