"""Submit with one 2 MB photo against submit without, same run (issue 23).

The platform's `POST /api/v1/initiatives` served by `participatie web` (gunicorn, two sync
workers), driven by the closed-loop load generator (`benchmarks.load`) on loopback; rounds
alternate between submissions without a photo and with one photo of about 2 MB (a JPEG of noise:
it does not compress, so every byte is read, decoded, written anew, thumbnailed and sealed). The
best round of each counts. Only 201 answers count, and every 201 must be stored with its photo.

    .venv/bin/python -m benchmarks.photos [--seconds 15] [--rounds 2] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import base64
import io
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PIL import Image

from benchmarks import report
from benchmarks.load import Request, run
from benchmarks.stack import Stack, best_rounds, machine
from benchmarks.submit import submission
from participatie.bootstrap import build
from participatie.domain.initiative import Initiative


def two_megabyte_jpeg() -> bytes:
    side = (1700, 1300)
    noise = random.Random(11).randbytes(side[0] * side[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", side, noise).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def with_photo(photo: str) -> Callable[[int], Request]:
    """The submission of `benchmarks.submit` with the photo added (its base64 needs no escaping,
    so the 2.7 MB body is joined, not encoded again for every request)."""
    tail = f', "photos": ["{photo}"]}}'.encode()

    def make(n: int) -> Request:
        plain = submission(n)
        return replace(plain, body=plain.body.rstrip()[:-1] + tail)

    return make


def stored(stack: Stack) -> tuple[int, int]:
    """(submissions, photos) in the store."""
    container = build(stack.settings)
    try:
        events: list[Any] = [
            container.app.mapper.to_domain_event(n)
            for n in container.app.notifications(Initiative.Submitted)
        ]
        photos: int = sum(len(e.photos) for e in events)
        return len(events), photos
    finally:
        container.close()


def measure(
    stack: Stack, make: Callable[[int], Request], photos: int, seconds: float, concurrency: int
) -> tuple[float, float]:
    stack.start("web")
    try:
        run(stack.url, make, concurrency=concurrency, seconds=2)  # warm up: not counted
        middle = stored(stack)
        result = run(stack.url, make, concurrency=concurrency, seconds=seconds)
    finally:
        stack.kill("web")
    after = stored(stack)
    accepted = result.statuses[201]
    if set(result.statuses) != {201}:
        raise SystemExit(f"answers other than 201: {dict(result.statuses)}")
    if (after[0] - middle[0], after[1] - middle[1]) != (accepted, accepted * photos):
        raise SystemExit(f"{accepted} accepted but {after[0] - middle[0]} stored")
    return result.rate(201), result.latency(0.95, 201) * 1000


def bench(seconds: float, rounds: int, concurrency: int, stores: list[str]) -> str:
    photo = two_megabyte_jpeg()
    encoded = base64.b64encode(photo).decode()
    lines = [
        f"Command: {report.invocation('benchmarks.photos')}",
        "",
        f"Measured {machine()}; {concurrency} clients, {seconds:g} s per round, best of {rounds};"
        f" the photo is a {len(photo) / 1e6:.2f} MB JPEG of 1700 × 1300 pixels.",
        "",
        "| store | submit (req/s) | submit with photo (req/s) | ratio | p95 (ms) |"
        " p95 with photo (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for kind in stores:
        best = best_rounds(
            kind,
            rounds,
            {
                "plain": lambda stack: measure(stack, submission, 0, seconds, concurrency),
                "photo": lambda stack: measure(stack, with_photo(encoded), 1, seconds, concurrency),
            },
        )
        (plain, plain_p95), (pictured, pictured_p95) = best["plain"], best["photo"]
        lines.append(
            f"| {kind} | {plain:.1f} | {pictured:.1f} | {pictured / plain:.2f} |"
            f" {plain_p95:.1f} | {pictured_p95:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    options = parser.parse_args()
    stores = options.store or ["sqlite", "postgres"]
    table = bench(options.seconds, options.rounds, options.concurrency, stores)
    print(table)
    report.write("photos", table)


if __name__ == "__main__":
    main()
