"""Submit throughput over HTTP against a bare Flask endpoint doing one durable INSERT (issue 11).

For SQLite and for PostgreSQL: the platform's `POST /api/v1/initiatives` served by
`participatie web` (gunicorn, two sync workers, rate limiter on but never refusing) against
`benchmarks.bare` (the same gunicorn, one durable INSERT of the body into the same database).
Each is served two ways: its workers free to run on any core, and pinned to a core each
(`PARTICIPATIE_WEB_PIN=1`, the same gunicorn hooks for both); each side's better way counts,
so the baseline is the bare INSERT at its best. The same closed-loop load generator
(`benchmarks.load`, 8 clients on loopback) drives both; rounds alternate between them and the
best round of each counts. On a shared machine the best rounds of the two may come from
different minutes, so the table also gives the ratio of each round (the platform's better way ÷
the bare's better way, in the same round) and their median. Only 201 answers count, and each
run checks that every 201 was stored (no more, no fewer).

    .venv/bin/python -m benchmarks.submit [--seconds 20] [--rounds 2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import functools
import statistics

from benchmarks import bare, report
from benchmarks.load import Request, run
from benchmarks.stack import Measure, Stack, best_of, every_round, machine, paired_ratios
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


def measure(
    stack: Stack, which: str, seconds: float, concurrency: int, pinned: bool = False
) -> tuple[float, float]:
    """Accepted submissions per second and p95 latency (ms) of one round of `which`."""
    before = stored_submissions(stack) if which == "platform" else bare.count(stack.settings)
    stack.env["PARTICIPATIE_WEB_PIN"] = "1" if pinned else "0"
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
        "| store | bare INSERT (req/s) | bare, pinned | platform submit (req/s) |"
        " platform, pinned | ratio (better ÷ better) | p95 bare (ms) | p95 platform (ms) |"
        " ratio in each round | its median |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    ways: dict[str, Measure] = {
        name: functools.partial(
            measure, which=which, seconds=seconds, concurrency=concurrency, pinned=pinned
        )
        for name, which, pinned in (
            ("bare", "bare", False),
            ("bare pinned", "bare", True),
            ("platform", "platform", False),
            ("platform pinned", "platform", True),
        )
    }
    for kind in stores:
        found = every_round(kind, rounds, ways)
        best = best_of(found)
        bare_best = max(best["bare"], best["bare pinned"])
        platform_best = max(best["platform"], best["platform pinned"])
        ratios = paired_ratios(found, ("platform", "platform pinned"), ("bare", "bare pinned"))
        lines.append(
            f"| {kind} | {best['bare'][0]:.1f} | {best['bare pinned'][0]:.1f} |"
            f" {best['platform'][0]:.1f} | {best['platform pinned'][0]:.1f} |"
            f" {platform_best[0] / bare_best[0]:.2f} | {bare_best[1]:.1f} |"
            f" {platform_best[1]:.1f} | {' '.join(f'{r:.2f}' for r in ratios)} |"
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
