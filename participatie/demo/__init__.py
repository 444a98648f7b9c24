"""The fictional demo municipality Lindewaard (GM9999): areas, teams, rules, initiatives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from participatie.application import ParticipatieApp
from participatie.areas_import import read_areas
from participatie.domain.values import Actor
from participatie.orgfile import apply_organisation, read_organisation
from participatie.rulesfile import read_rulebook
from participatie.schemas import SubmissionSchema

DATA = Path(__file__).parent / "data"
DEMO_ACTOR = Actor.system("demo-loader")


@dataclass(frozen=True)
class DemoSummary:
    loaded: bool
    areas: int = 0
    teams: int = 0
    challenges: int = 0
    rules: int = 0
    initiatives: int = 0


def demo_initiatives() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((DATA / "initiatives.json").read_text("utf-8"))
    return items


@contextmanager
def _clock_at(app: ParticipatieApp, moment: datetime) -> Iterator[None]:
    """Date the demo's events in the past, as if the municipality had used the system a while."""
    original = app.clock
    app.clock = lambda: moment
    try:
        yield
    finally:
        app.clock = original


def load_demo(app: ParticipatieApp, *, if_empty: bool = False) -> DemoSummary:
    """Load the demo municipality; with if_empty, do nothing when an area map exists."""
    if if_empty and app.has_area_map():
        return DemoSummary(loaded=False)
    now = app.clock()
    items = sorted(demo_initiatives(), key=lambda item: -int(item["days_ago"]))
    start = now - timedelta(days=max(int(i["days_ago"]) for i in items) + 1)
    areas = read_areas(DATA / "wijken_en_buurten.geojson")
    organisation = read_organisation(DATA / "teams.yaml")
    rulebook = read_rulebook(DATA / "rulebook.yaml")
    with _clock_at(app, start):
        app.import_area_map("2026-1", areas, "demo:wijken_en_buurten.geojson", DEMO_ACTOR)
        apply_organisation(app, organisation, DEMO_ACTOR)
        app.publish_rulebook(
            rulebook["version"],
            rulebook["description"],
            rulebook["default_acceptance_days"],
            rulebook["rules"],
            DEMO_ACTOR,
        )
    schema = SubmissionSchema(app.area_index())
    for item in items:
        fields = {k: v for k, v in item.items() if k != "days_ago"}
        submitted_at = now - timedelta(days=int(item["days_ago"]))
        app.submit(schema.load_submission(fields), channel="demo", at=submitted_at)
    return DemoSummary(
        loaded=True,
        areas=len(areas),
        teams=len(organisation["teams"]),
        challenges=len(organisation["challenges"]),
        rules=len(rulebook["rules"]),
        initiatives=len(items),
    )
