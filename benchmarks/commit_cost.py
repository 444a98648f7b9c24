"""What a durable commit costs on this machine, against a submission's time: would group commit pay?

Group commit (several submissions appended in one transaction, sharing one flush) saves at most
the flush of each commit but one. This measures one-row INSERT commits, durable against not
waiting for the flush (PostgreSQL `synchronous_commit` on/off; SQLite WAL `synchronous` FULL and
NORMAL), in the same run, and sets the difference against the time one submission takes in
`benchmarks.submit` (given as its rate per second with two web workers).

    .venv/bin/python -m benchmarks.commit_cost [--commits 2000] [--submit-rate-sqlite 462]
        [--submit-rate-postgres 311]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks import report
from benchmarks.stack import POSTGRES_URL, machine


def postgres(commits: int, durable: bool) -> float:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE commit_cost (x int)")
        conn.execute(f"SET synchronous_commit = {'on' if durable else 'off'}")
        began = time.perf_counter()
        for n in range(commits):
            conn.execute("INSERT INTO commit_cost VALUES (%s)", (n,))
        return (time.perf_counter() - began) / commits


def sqlite(commits: int, durable: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "c.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        conn.execute("CREATE TABLE commit_cost (x int)")
        began = time.perf_counter()
        for n in range(commits):
            conn.execute("INSERT INTO commit_cost VALUES (?)", (n,))
        conn.close()
        return (time.perf_counter() - began) / commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--submit-rate-sqlite", type=float, default=462.0)
    parser.add_argument("--submit-rate-postgres", type=float, default=311.0)
    options = parser.parse_args()
    rows = []
    for kind, measure, rate in (
        ("sqlite", sqlite, options.submit_rate_sqlite),
        ("postgres", postgres, options.submit_rate_postgres),
    ):
        durable = measure(options.commits, True)
        lazy = measure(options.commits, False)
        # Two web workers: each submission holds one for 2 / rate seconds.
        submission = 2 / rate
        saved = max(0.0, durable - lazy)
        rows.append(
            f"| {kind} | {durable * 1000:.3f} | {lazy * 1000:.3f} | {saved * 1000:.3f} |"
            f" {submission * 1000:.2f} | {saved / submission:.1%} |"
        )
    text = "\n".join(
        [
            f"Measured {machine()}; {options.commits} one-row commits each way.",
            f"Command: {report.invocation('benchmarks.commit_cost')}",
            "",
            "| store | durable commit (ms) | without waiting for the flush (ms) | flush (ms) |"
            " one submission (ms, from its rate) | most group commit could save |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(text)
    report.write("commit-cost", text)


if __name__ == "__main__":
    main()
