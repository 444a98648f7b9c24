"""Area steering pages at scale: the staff area page and the P&C report, against the team queue.

    .venv/bin/python -m benchmarks.steering [--small 1000 --large 100000] [--stores sqlite,postgres]

Two stores with the demo plus `small` and `large` synthetic initiatives (views rebuilt). For
each, p95 over `--samples` requests through the Flask app (query, template, everything the
server does) of: the staff area page of a random wijk, the P&C report of a random wijk, the
page of a random challenge across the municipality, and a team queue page (regie's own, first
page). Reported as ratios measured in the same run: the area page at `large` against `small`
(goal: within 3×), and the P&C report against the team queue page at `large` (goal: the same
order, within 10×); the challenge page at `large` against `small` is shown beside them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.stack import p95, store
from benchmarks.views import populated
from participatie.config import Settings
from participatie.domain.values import Actor, AreaLevel, Role
from participatie.views.projector import ViewsProjection, rebuild
from web import create_app
from web.staff.sessions import COOKIE


def _client(settings: Settings) -> tuple[Any, Any, list[str], list[str]]:
    flask = create_app(settings, test_config={"RATELIMIT_ENABLED": False})
    container = flask.extensions["participatie"]
    staff = container.staff
    if staff.get("bench.regie") is None:
        staff.add(
            "bench.regie", "Bench", Role.REGIE, ["regie"], "bench password 123", Actor.system("b")
        )
    client = flask.test_client()
    client.set_cookie(COOKIE, staff.sessions.start("bench.regie"), path="/beheer")
    index = container.app.area_index()
    wijken = [a.code for a in index.areas.values() if a.level is AreaLevel.DISTRICT]
    teams = [t.code for t in container.app.teams()]
    return client, container, wijken, teams


def analyze(settings: Settings) -> None:
    """Give the planner statistics for the freshly bulk-loaded tables, as autovacuum does on a
    running server within minutes (this machine's PostgreSQL runs with autovacuum off; without
    statistics the planner reads the 900,000 events with parallel workers for one aggregate)."""
    import psycopg

    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (settings.database_schema,)
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'ANALYZE "{settings.database_schema}"."{table}"')


def measure(kind: str, size: int, samples: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
        container = populated(settings, size)
        rebuild(ViewsProjection(container.views, container.app))
        container.close()
        if kind == "postgres":
            analyze(settings)
        client, app_container, wijken, _ = _client(settings)
        try:
            found = {
                "area": p95(client, [f"/beheer/gebieden/{w}" for w in wijken], samples),
                "pc": p95(client, [f"/beheer/gebieden/{w}/pc" for w in wijken], samples),
                "challenge": p95(
                    client,
                    [f"/beheer/opgaven/{c.code}" for c in app_container.app.challenges()],
                    samples,
                ),
                # regie's own queue: the queue page a regie member opens (the largest, too)
                "queue": p95(client, ["/beheer/wachtrij/regie"], samples),
            }
        finally:
            app_container.close()
    print(f"  {kind} {size:,}: {found}", file=sys.stderr, flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--stores", default="sqlite,postgres")
    options = parser.parse_args()
    print(
        "| store | initiatives | area page p95 (ms) | vs small | P&C report p95 (ms)"
        " | team queue p95 (ms) | P&C vs queue | challenge page p95 (ms) | vs small |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in options.stores.split(","):
        small = measure(kind, options.small, options.samples)
        large = measure(kind, options.large, options.samples)
        for size, found in ((options.small, small), (options.large, large)):
            print(
                f"| {kind} | {size:,} | {found['area'] * 1000:.1f} |"
                f" {found['area'] / small['area']:.2f} | {found['pc'] * 1000:.1f} |"
                f" {found['queue'] * 1000:.1f} | {found['pc'] / found['queue']:.2f} |"
                f" {found['challenge'] * 1000:.1f} |"
                f" {found['challenge'] / small['challenge']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
