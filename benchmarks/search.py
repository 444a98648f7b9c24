"""Search benchmark: p95 of a staff search (title words, Dutch stems, id) and of the public
full-text search (stems, filters) at 100,000 initiatives against 1,000.

    .venv/bin/python -m benchmarks.search [--small 1000 --large 100000] [--stores sqlite,postgres]

The view tables are filled directly (as a rebuild writes them) with rows whose titles mix the
demo's 50 titles with a running number, so a word is found in a few rows ("buurtmoestuin": one
in 50) or in all of them ("initiatief", the worst case: every row matches and is sorted).
Results are printed as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from benchmarks.stack import store
from participatie.views.model import Row
from participatie.views.queries.search import (
    PublicFilters,
    Scope,
    by_id_prefix,
    by_title,
    public_search,
)
from participatie.views.store import LIVE, ViewTables, open_views

ROOT = Path(__file__).resolve().parents[1]
TEAMS = [f"team-{n}" for n in range(10)]
EVERYTHING = Scope(everything=True)
ONE_TEAM = Scope(everything=False, lead=("team-3",), involved=("team-3",))


def rows(count: int) -> list[Row]:
    demo = json.loads((ROOT / "participatie/demo/data/initiatives.json").read_text())
    titles = [d["title"] for d in demo]
    texts = [d["description"] for d in demo]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    found = []
    for n in range(count):
        at = start + timedelta(minutes=7 * n)
        found.append(
            Row(
                id=str(uuid5(NAMESPACE_URL, f"bench:{n}")),
                title=f"{titles[n % len(titles)]} (initiatief {n})",
                description=texts[n % len(texts)],
                consent=True,
                moderation="approved",
                public_title=f"{titles[n % len(titles)]} (initiatief {n})",
                public_description=texts[n % len(texts)],
                status="in_progress",
                themes=("groen",),
                area_code="BU99990101",
                area_chain=("BU99990101", "WK999901", "GM9999"),
                initiator_kind="resident",
                channel="web",
                submitted_at=at,
                last_activity=at,
                lead_team=TEAMS[n % len(TEAMS)],
                involved_teams=(TEAMS[(n + 1) % len(TEAMS)],),
            )
        )
    return found


def fill(views: ViewTables, count: int) -> list[Row]:
    made = rows(count)
    views.drop_views(LIVE)
    views.create_views(LIVE, indexes=False)
    with views.cursor(commit=True) as c:
        views.write_fresh(c, LIVE, made, [])
    views.create_views(LIVE)
    views.analyze(LIVE)
    return made


def p95(run: Callable[[], object], samples: int) -> float:
    run()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.quantiles(times, n=20)[18] * 1000


def cases(views: ViewTables, made: list[Row]) -> dict[str, Callable[[], object]]:
    some = made[len(made) // 2].id
    return {
        "'buurtmoestuin' (1 in 50), everything": lambda: by_title(
            views, ["buurtmoestuin"], EVERYTHING
        ),
        "'buurtmoes' (a word's start)": lambda: by_title(views, ["buurtmoes"], EVERYTHING),
        "'kerkstraat geveltuinen' (two words)": lambda: by_title(
            views, ["kerkstraat", "geveltuinen"], EVERYTHING
        ),
        "'initiatief' (every row), everything": lambda: by_title(views, ["initiatief"], EVERYTHING),
        "'initiatief' (every row), one team": lambda: by_title(views, ["initiatief"], ONE_TEAM),
        "'buurtmoestuin', one team, page 2": lambda: by_title(
            views, ["buurtmoestuin"], ONE_TEAM, after=made[-1].id
        ),
        "id start (8 hex digits)": lambda: by_id_prefix(views, some[:8], EVERYTHING),
        "public 'buurtmoestuin' (1 in 50)": lambda: public_search(
            views, PublicFilters(("buurtmoestuin",))
        ),
        "public 'speeltuinen' (stems)": lambda: public_search(
            views, PublicFilters(("speeltuinen",))
        ),
        "public 'bomen' in a wijk": lambda: public_search(
            views, PublicFilters(("bomen",), area="WK999901")
        ),
        "public 'initiatief' (every row)": lambda: public_search(
            views, PublicFilters(("initiatief",))
        ),
        "public, no words: a buurt, newest first": lambda: public_search(
            views, PublicFilters(area="BU99990101")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    print("| store | search | p95 at small (ms) | p95 at large (ms) | ratio |")
    print("|---|---|---|---|---|")
    for kind in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            views = open_views(settings)
            results: dict[str, list[float]] = {}
            for size in (args.small, args.large):
                made = fill(views, size)
                for name, run in cases(views, made).items():
                    results.setdefault(name, []).append(p95(run, args.samples))
            for name, (small, large) in results.items():
                print(f"| {kind} | {name} | {small:.2f} | {large:.2f} | {large / small:.1f} |")


if __name__ == "__main__":
    main()
