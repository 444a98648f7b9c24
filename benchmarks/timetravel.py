"""Time travel: an initiative's state as of a moment, 1,000 events of history against 10 (issue 11).

For SQLite and PostgreSQL: the demo, plus one initiative with 10 events and one with 1,000
(submitted, routed, accepted, then a mix of internal notes, public updates, priority changes,
assignments and supporters, one minute apart). `initiative_as_of` is asked for each at random
moments spread over its history (the same number of queries for both, interleaved in random
order); the figure is the median time per query. Snapshots are taken as configured
(PARTICIPATIE_SNAPSHOT_INTERVAL, default 20).

    .venv/bin/python -m benchmarks.timetravel [--queries 400] [--store sqlite ...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from benchmarks import report
from benchmarks.stack import machine, store
from participatie.application.schemas import SubmissionSchema
from participatie.audit.timetravel import forget_times, initiative_as_of
from participatie.bootstrap import build
from participatie.demo import load_demo
from participatie.domain.commands import (
    AcceptHandoff,
    AddInternalNote,
    Assign,
    PostPublicUpdate,
    SetPriority,
    Support,
)
from participatie.domain.values import Actor, Priority, Role

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")
SUBMISSION = {
    "initiator": {"kind": "resident", "name": "Bench Mark", "email": "b@example.org"},
    "title": "Tijdreis-initiatief",
    "description": "Een initiatief met een lange geschiedenis, om tijdreizen te meten.",
    "themes": ["groen"],
    "location": {"area_code": "BU99990104"},
    "consent_to_publish": True,
}


def grow(app: Any, events: int, offset_days: int) -> tuple[UUID, datetime, datetime]:
    """An initiative with exactly `events` events; its id and first and last moments."""
    begin = START + timedelta(days=offset_days)
    data = SubmissionSchema(app.area_index()).load_submission(SUBMISSION)
    initiative_id = app.submit(data, at=begin).initiative_id
    app.route_initiative(initiative_id, Actor.system("router"), at=begin + timedelta(minutes=1))
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER, at=begin + timedelta(minutes=2))
    for n in range(3, events):
        at = begin + timedelta(minutes=n)
        kind = n % 10
        if kind == 0:
            app.act(initiative_id, PostPublicUpdate(message=f"Stand {n}"), actor=MANAGER, at=at)
        elif kind == 1:
            priority = (Priority.NORMAL, Priority.HIGH)[n % 2]
            command = SetPriority(priority=priority, reason="herbeoordeeld")
            app.act(initiative_id, command, actor=MANAGER, at=at)
        elif kind == 2:
            app.act(initiative_id, Assign(assignee=f"u-{n % 3}"), actor=MANAGER, at=at)
        elif kind == 3:
            supporter = {"email": f"s{n}@example.org"}
            app.act(initiative_id, Support(supporter=supporter), actor=MANAGER, at=at)
        else:
            app.act(initiative_id, AddInternalNote(note=f"Notitie {n}"), actor=MANAGER, at=at)
    count = len(app.history(initiative_id))
    if count != events:
        raise SystemExit(f"built {count} events, wanted {events}")
    return initiative_id, begin, begin + timedelta(minutes=events - 1)


def bench(queries: int, stores: list[str]) -> str:
    lines = [
        f"Command: {report.invocation('benchmarks.timetravel')}",
        "",
        f"Measured {machine()}; {queries} queries per initiative, random moments, median.",
        "",
        "| store | case | 10 events (ms) | 1,000 events (ms) | ratio |",
        "|---|---|---|---|---|",
    ]
    for kind in stores:
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
            container = build(settings)
            try:
                app = container.app
                load_demo(app)
                short = grow(app, 10, 0)
                long = grow(app, 1000, 10)
                rng = random.Random(11)
                plan = [short] * queries + [long] * queries
                rng.shuffle(plan)
                for initiative_id, first, _ in plan[:20]:  # warm up
                    initiative_as_of(app, initiative_id, first)
                for cold in (True, False):
                    times: dict[UUID, list[float]] = {short[0]: [], long[0]: []}
                    forget_times(app)
                    for initiative_id, first, last in plan:
                        moment = first + (last - first) * rng.random()
                        if cold:
                            forget_times(app)
                        began = time.perf_counter()
                        state = initiative_as_of(app, initiative_id, moment)
                        times[initiative_id].append(time.perf_counter() - began)
                        if state is None:
                            raise SystemExit("no state inside the history")
                    small = statistics.median(times[short[0]]) * 1000
                    large = statistics.median(times[long[0]]) * 1000
                    case = "cold" if cold else "stepping through"
                    print(f"{kind} {case}: 10 events {small:.2f} ms, 1000 {large:.2f} ms")
                    lines.append(
                        f"| {kind} | {case} | {small:.2f} | {large:.2f} | {large / small:.2f} |"
                    )
            finally:
                container.close()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    options = parser.parse_args()
    table = bench(options.queries, options.store or ["sqlite", "postgres"])
    print(table)
    report.write("timetravel", table)


if __name__ == "__main__":
    main()
