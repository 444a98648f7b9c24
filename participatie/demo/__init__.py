"""The fictional demo municipality Lindewaard (GM9999): areas, teams, rules, initiatives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from participatie.application.app import ParticipatieApp
from participatie.application.orgfile import apply_organisation, read_organisation
from participatie.application.rulesfile import read_rulebook
from participatie.application.schemas import SubmissionSchema
from participatie.application.themesfile import read_themes
from participatie.demo.agendas import load_demo_agendas
from participatie.domain.commands import (
    AcceptHandoff,
    ApprovePublicText,
    Command,
    Complete,
    Decide,
    DeclineHandoff,
    ProvideInfo,
    PublishDecision,
    RequestInfo,
    StartExecution,
    execute,
)
from participatie.domain.initiative import HANDOFF
from participatie.domain.values import REGIE_TEAM, Actor, Moderation, Outcome, Role
from participatie.infra.datafiles import load_yaml
from participatie.maps.areas_import import read_areas

DATA = Path(__file__).parent / "data"
DEMO_ACTOR = Actor.system("demo-loader")
ROUTER = Actor.system("router")


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
def clock_at(app: ParticipatieApp, moment: datetime) -> Iterator[None]:
    """Date the demo's events in the past, as if the municipality had used the system a while."""
    original = app.clock
    app.clock = lambda: moment
    try:
        yield
    finally:
        app.clock = original


def _set_capacities(app: ParticipatieApp) -> None:
    """Give every demo team what it can carry (capacities.yaml): with the demo's initiatives,
    exactly one team is overloaded, so the load figures have something to show."""
    data = load_yaml(DATA / "capacities.yaml")
    for code, given in data["teams"].items():
        app.set_team_capacity(
            code, given.get("cases"), given.get("hours_per_week"), given["reason"], DEMO_ACTOR
        )


# How a demo initiative's story goes, by its place in the list (oldest first) and its age. The
# teams answer in time, as a working municipality does: a hand-off is accepted (or declined and
# picked up by regie) the next day, a question answered within days, and whatever is older than
# about seven weeks has been decided well before its decision deadline. Only what the data asks
# for on purpose ("left_unaccepted") misses a deadline, so the regie dashboard shows what the demo
# means it to show.
FRESH_DAYS = 4  # younger: waiting to be accepted (5 working days: 5 calendar days from a Sunday)
DECIDED_AFTER_DAYS = 50  # older: decided (the decision is due 40 working days after acceptance)
EXECUTED_AFTER_DAYS = 60  # older decided work is being carried out, or done
COMPLETED_AFTER_DAYS = 250


def _steps(item: dict[str, Any], number: int, team: str) -> list[tuple[float, Command, str]]:
    """The demo initiative's story: (days after submission, command, who: team, regie or
    initiator)."""
    age = int(item["days_ago"])
    if age <= FRESH_DAYS or item.get("left_unaccepted"):
        return []
    kind = number % 5
    steps: list[tuple[float, Command, str]] = []
    if kind == 1 and team != REGIE_TEAM:
        steps += [(1, DeclineHandoff("Past beter bij een ander team."), "team")]
        steps += [(2, AcceptHandoff("Regie pakt dit zelf op."), "regie")]
    else:
        steps += [(1, AcceptHandoff(), "team")]
    who = "regie" if steps[-1][2] == "regie" else "team"
    if kind in (3, 4):
        steps += [(3, RequestInfo("Kunt u aangeven hoeveel buren meedoen?"), who)]
        steps += [(5, ProvideInfo("Ongeveer vijftien huishoudens."), "initiator")]
    if kind == 4 or age > DECIDED_AFTER_DAYS:
        honoured = Outcome.HONOURED if number % 2 else Outcome.PARTLY_HONOURED
        decided = min(30.0, age / 2)
        steps += [
            (
                decided,
                Decide(
                    honoured,
                    "Het initiatief past in het gebiedsplan en er is budget.",
                    "Besproken in het gebiedsteamoverleg.",
                ),
                who,
            ),
            (decided + 1, PublishDecision(), who),
        ]
        if age > EXECUTED_AFTER_DAYS:
            steps += [(decided + 15, StartExecution("Uitvoering ingepland."), who)]
        if age > COMPLETED_AFTER_DAYS:
            steps += [(150, Complete("Uitgevoerd en opgeleverd."), who)]
    return steps


def _play_history(
    app: ParticipatieApp, initiative_id: UUID, item: dict[str, Any], number: int, start: datetime
) -> None:
    """Move a demo initiative along its story (`_steps`), so queues and histories look
    lived-in and every date is one the deadlines allow. Regie's moderator approves what residents
    asked to publish a few hours after it came in; the freshest wait in the moderation queue, as
    on a real Monday morning. The whole story is carried out on one copy of the initiative and
    saved at once (the same events as one command at a time, in a fraction of the time)."""
    initiative = app.get_initiative(initiative_id)
    team = initiative.lead_team
    assert team is not None
    actors = {
        "team": Actor(f"demo-{team}", Role.AREA_MANAGER, team),
        "regie": Actor(f"demo-{REGIE_TEAM}", Role.REGIE, REGIE_TEAM),
        "initiator": Actor(f"subject:{initiative.initiator.subject_id.hex}", Role.INITIATOR),
    }
    story: list[tuple[float, Command, str]] = []
    if initiative.moderation is Moderation.PENDING and int(item["days_ago"]) > FRESH_DAYS:
        story.append((0.125, ApprovePublicText(), "regie"))  # three hours after it came in
    story += _steps(item, number, team)
    for days, command, who in story:
        execute(initiative, app.sealed(command), actors[who], start + timedelta(days=days))
    if story:
        app.save_all(initiative)


def _sweep_history(app: ParticipatieApp, now: datetime) -> int:
    """Record the deadlines the demo's history missed as they would have been: each at its own
    moment (just after it passed, never before the initiative's last event), escalating a missed
    hand-off to regie as the default settings do. Without this the first live sweep would record
    dozens at once, escalate them all and mail every team: a demo that looks broken on day one.
    Returns how many were recorded."""
    recorded = 0
    for initiative_id in app.initiative_ids():
        for _ in range(10):  # an escalation starts regie's own hand-off clock, which may pass too
            initiative = app.get_initiative(initiative_id)
            missed = initiative.missed_deadlines(now)
            if not missed:
                break
            first = min(due for _, due in missed)
            moment = max(
                first + timedelta(minutes=15), initiative.modified_on + timedelta(minutes=1)
            )
            if moment > now:
                break
            recorded += len(app.sweep_deadlines(initiative_id, (HANDOFF,), at=moment))
            _regie_picks_up(app, initiative_id, moment + timedelta(days=1), now)
    return recorded


def _regie_picks_up(app: ParticipatieApp, initiative_id: UUID, at: datetime, now: datetime) -> None:
    """After an escalation regie takes the initiative up the next day, as a regie team does,
    instead of letting its own hand-off clock run out too."""
    initiative = app.get_initiative(initiative_id)
    if initiative.lead_team == REGIE_TEAM and initiative.handoff_pending and at <= now:
        regie = Actor(f"demo-{REGIE_TEAM}", Role.REGIE, REGIE_TEAM)
        app.act(
            initiative_id, AcceptHandoff("Regie pakt dit na de escalatie op."), actor=regie, at=at
        )


def load_demo(app: ParticipatieApp, *, if_empty: bool = False, agendas: bool = True) -> DemoSummary:
    """Load the demo municipality; with if_empty, do nothing when an area map exists. Without
    `agendas`, the demo has no area agendas (for tests that make their own)."""
    if if_empty and app.has_area_map():
        return DemoSummary(loaded=False)
    now = app.clock()
    items = sorted(demo_initiatives(), key=lambda item: -int(item["days_ago"]))
    start = now - timedelta(days=max(int(i["days_ago"]) for i in items) + 1)
    areas = read_areas(DATA / "wijken_en_buurten.geojson")
    themes = read_themes(DATA / "themes.yaml")
    organisation = read_organisation(DATA / "teams.yaml")
    rulebook = read_rulebook(DATA / "rulebook.yaml")
    with clock_at(app, start):
        app.import_area_map("2026-1", areas, "demo:wijken_en_buurten.geojson", DEMO_ACTOR)
        app.apply_themes(themes["version"], themes["themes"], themes["reason"], DEMO_ACTOR)
        apply_organisation(app, organisation, DEMO_ACTOR)
        _set_capacities(app)
        app.publish_rulebook(
            rulebook["version"],
            rulebook["description"],
            rulebook["default_acceptance_days"],
            rulebook["rules"],
            DEMO_ACTOR,
            source=(DATA / "rulebook.yaml").read_text(encoding="utf-8"),
        )
    schema = SubmissionSchema.of(app)
    for number, item in enumerate(items):
        fields = {k: v for k, v in item.items() if k not in ("days_ago", "left_unaccepted")}
        submitted_at = now - timedelta(days=int(item["days_ago"]))
        result = app.submit(schema.load_submission(fields), channel="demo", at=submitted_at)
        app.route_initiative(result.initiative_id, ROUTER, submitted_at + timedelta(minutes=2))
        _play_history(app, result.initiative_id, item, number, submitted_at)
    _sweep_history(app, now)
    if agendas:
        load_demo_agendas(app, DATA / "agendas.yaml", now)
    return DemoSummary(
        loaded=True,
        areas=len(areas),
        teams=len(organisation["teams"]),
        challenges=len(organisation["challenges"]),
        rules=len(rulebook["rules"]),
        initiatives=len(items),
    )
