"""Submit throughput over HTTP against a bare Flask endpoint doing one durable INSERT (issue 11).

For SQLite and for PostgreSQL: the platform's `POST /api/v1/initiatives` served by
`participatie web` (gunicorn, two sync workers, rate limiter on but never refusing) against
`benchmarks.bare` (the same gunicorn, one durable INSERT of the body into the same database).
The same closed-loop load generator (`benchmarks.load`, 8 clients on loopback) drives both;
rounds alternate between them and the best round of each counts. On a shared machine the best
rounds of the two may come from different minutes, so the table also gives the ratio of each
round (platform ÷ the bare round just before it) and their median. Only 201 answers count, and
each run checks that every 201 was stored (no more, no fewer).

    .venv/bin/python -m benchmarks.submit [--seconds 20] [--rounds 2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import functools
import statistics

from benchmarks import bare, report
from benchmarks.load import Request, run
from benchmarks.stack import Stack, best_of, every_round, machine, paired_ratios
from participatie.bootstrap import build
from participatie.domain.initiative import Initiative

AREAS = ("BU99990104", "BU99990202", "WK999903")
THEMES = ("groen", "verkeer", "energie", "jeugd")


def submission(n: int) -> Request:
    return Request.json(
        "POST",
        "/api/v1/initiatives",
        {
            "initiator": {"kind": "resident", "name": "Bench Mark", "email": f"b{n}@example.org"},
            "title": f"Benchmark-initiatief {n}",
            "description": "Een initiatief om de doorvoer te meten, niet om uit te voeren.",
            "themes": [THEMES[n % 4]],
            "location": {"area_code": AREAS[n % 3]},
            "consent_to_publish": False,
        },
    )


def stored_submissions(stack: Stack) -> int:
    container = build(stack.settings)
    try:
        return sum(1 for _ in container.app.notifications(Initiative.Submitted))
    finally:
        container.close()


def measure(stack: Stack, which: str, seconds: float, concurrency: int) -> tuple[float, float]:
    """Accepted submissions per second and p95 latency (ms) of one round of `which`."""
    before = stored_submissions(stack) if which == "platform" else bare.count(stack.settings)
    if which == "platform":
        stack.start("web")
    else:
        stack.gunicorn("bare", "benchmarks.bare:create_app()")
    try:
        run(stack.url, submission, concurrency=concurrency, seconds=2)  # warm up: not counted
        middle = stored_submissions(stack) if which == "platform" else bare.count(stack.settings)
        result = run(stack.url, submission, concurrency=concurrency, seconds=seconds)
    finally:
        stack.kill("web" if which == "platform" else "bare")
    after = stored_submissions(stack) if which == "platform" else bare.count(stack.settings)
    accepted = result.statuses[201]
    if set(result.statuses) != {201}:
        raise SystemExit(f"{which}: answers other than 201: {dict(result.statuses)}")
    if after - middle != accepted:
        raise SystemExit(f"{which}: {accepted} accepted but {after - middle} stored")
    del before
    return result.rate(201), result.latency(0.95, 201) * 1000


def bench(seconds: float, rounds: int, concurrency: int, stores: list[str]) -> str:
    lines = [
        f"Command: {report.invocation('benchmarks.submit')}",
        "",
        f"Measured {machine()}; {concurrency} clients, {seconds:g} s per round, best of {rounds}.",
        "",
        "| store | bare INSERT (req/s) | platform submit (req/s) | ratio | p95 bare (ms) |"
        " p95 platform (ms) | ratio in each round | its median |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in stores:
        found = every_round(
            kind,
            rounds,
            {
                which: functools.partial(
                    measure, which=which, seconds=seconds, concurrency=concurrency
                )
                for which in ("bare", "platform")
            },
        )
        best = best_of(found)
        (bare_rate, bare_p95), (rate, p95) = best["bare"], best["platform"]
        ratios = paired_ratios(found, "platform", "bare")
        lines.append(
            f"| {kind} | {bare_rate:.1f} | {rate:.1f} | {rate / bare_rate:.2f} |"
            f" {bare_p95:.1f} | {p95:.1f} | {' '.join(f'{r:.2f}' for r in ratios)} |"
            f" {statistics.median(ratios):.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    options = parser.parse_args()
    stores = options.store or ["sqlite", "postgres"]
    table = bench(options.seconds, options.rounds, options.concurrency, stores)
    print(table)
    report.write("submit", table)


if __name__ == "__main__":
    main()
