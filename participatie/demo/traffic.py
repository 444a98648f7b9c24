"""Synthetic, reproducible traffic on the demo municipality, for tests and benchmarks.

Each initiative is submitted, routed, and then taken along a random but legal path (accept,
questions, decisions, support, forwards, declines, withdrawals…), with timestamps spread over
the past two years so quarters and medians have something to show.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from participatie.application.app import ParticipatieApp
from participatie.application.schemas import SubmissionSchema
from participatie.demo import ROUTER, clock_at
from participatie.domain.commands import (
    AcceptHandoff,
    Assign,
    Command,
    Complete,
    Decide,
    DeclineHandoff,
    Forward,
    PostPublicUpdate,
    ProvideInfo,
    PublishDecision,
    RequestInfo,
    SetPriority,
    StartExecution,
    Support,
    Withdraw,
    execute,
)
from participatie.domain.errors import DomainError
from participatie.domain.routing import route
from participatie.domain.values import REGIE_TEAM, Actor, Outcome, Priority, Role

AREAS = [
    "BU99990101", "BU99990102", "BU99990103", "BU99990104", "BU99990201", "BU99990202",
    "BU99990203", "BU99990204", "BU99990301", "BU99990302", "BU99990303", "BU99990304",
    "BU99990401", "BU99990402", "BU99990403", "WK999901", "WK999903", "GM9999",
]  # fmt: skip
THEMES = ["groen", "verkeer", "energie", "jeugd", "wonen", "armoede", "ondernemen", "cultuur"]
RESIDENT = Actor("initiatiefnemer", Role.INITIATOR)


def submit_one(app: ParticipatieApp, rng: random.Random, number: int) -> UUID:
    clean = SubmissionSchema.of(app).load_submission(_data(rng, number))
    return app.submit(clean, channel="test").initiative_id


def _data(rng: random.Random, number: int) -> dict[str, Any]:
    kind = rng.choice(["resident", "resident", "business", "organisation"])
    initiator: dict[str, Any] = {
        "kind": kind,
        "name": f"Indiener {number}",
        "email": "x@example.org",
    }
    if kind == "business":
        initiator |= {"kvk_number": "12345678", "organisation_name": f"Bedrijf {number}"}
    if kind == "organisation":
        initiator |= {"organisation_name": f"Vereniging {number}"}
    data = {
        "initiator": initiator,
        "title": f"Initiatief nummer {number}",
        "description": f"Een beschrijving van initiatief {number}, lang genoeg om geldig te zijn.",
        "themes": rng.sample(THEMES, rng.choice([1, 1, 2])),
        "location": {"area_code": rng.choice(AREAS)},
        "consent_to_publish": rng.random() < 0.7,
    }
    return data


Step = tuple[Command, Actor]


def generate(
    app: ParticipatieApp,
    initiatives: int,
    seed: int = 7,
    start: datetime | None = None,
    span: timedelta = timedelta(days=730),
    bulk: bool = False,
) -> int:
    """Add `initiatives` initiatives with their histories; return how many events were added.

    Normally every command is its own transaction, as in real use. With `bulk`, each
    initiative's whole history is built in memory and saved with others in one transaction
    (fast, for benchmarks that need hundreds of thousands of events).
    """
    rng = random.Random(seed)
    first = app.recorder.max_notification_id() or 0
    start = start or datetime.now(tz=UTC) - span
    step = span / max(initiatives, 1)
    book = app.current_book() if bulk else None
    pending: list[Any] = []
    for number in range(initiatives):
        moment = start + step * number
        clock = _Clock(moment, rng)
        with clock_at(app, moment):
            if bulk:
                initiative, index, _ = app.new_initiative(_data(rng, number), channel="test")
                pending += [initiative, index]
            else:
                initiative_id = submit_one(app, rng, number)
        if rng.random() < 0.03:  # withdrawn before routing
            steps: list[Step] = [(Withdraw("verhuisd"), RESIDENT)]
        else:
            if bulk:
                assert book is not None
                initiative.route(route(app.routing_facts(initiative), book), ROUTER, clock())
                team = initiative.lead_team
            else:
                app.route_initiative(initiative_id, ROUTER, at=clock())
                team = app.get_initiative(initiative_id).lead_team
            assert team is not None
            steps = _plan(rng, team)
        for command, actor in steps:
            at = clock()
            try:
                if bulk:
                    execute(initiative, app.sealed(command), actor, at)
                else:
                    app.act(initiative_id, command, actor=actor, at=at)
            except DomainError:
                continue  # e.g. support after completion: refused, as a person would be
        if bulk and len(pending) >= 200:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    return (app.recorder.max_notification_id() or 0) - first


class _Clock:
    """Time moving on by random hours to days between the steps of one initiative."""

    def __init__(self, moment: datetime, rng: random.Random) -> None:
        self.moment = moment
        self.rng = rng

    def __call__(self) -> datetime:
        self.moment = self.moment + timedelta(hours=self.rng.randint(1, 24 * 12))
        return self.moment


def _plan(rng: random.Random, team: str) -> list[Step]:
    """A random but legal path for an initiative routed to `team`."""
    lead = Actor(f"medewerker-{team}", Role.AREA_MANAGER, team)
    supporters = rng.choice([0, 0, 0, 1, 2, 5])
    steps: list[Step] = []
    roll = rng.random()
    if roll < 0.12 and team != REGIE_TEAM:
        steps.append((DeclineHandoff("Hoort bij een ander team."), lead))
        lead = Actor("medewerker-regie", Role.REGIE, REGIE_TEAM)
    elif roll < 0.2 and team != "lijn-openbare-ruimte":
        steps.append((Forward("lijn-openbare-ruimte", "beheer"), lead))
        lead = Actor("medewerker-or", Role.LINE_DEPARTMENT, "lijn-openbare-ruimte")
    if rng.random() < 0.85:
        steps.append((AcceptHandoff(), lead))
        steps.append((Assign(f"{lead.id}-{rng.randint(1, 3)}"), lead))
        if rng.random() < 0.3:
            steps.append((SetPriority(Priority.HIGH, "veilig"), lead))
        if rng.random() < 0.3:
            steps.append((RequestInfo("Waar precies?"), lead))
            if rng.random() < 0.8:
                steps.append((ProvideInfo("Bij de speeltuin."), RESIDENT))
        steps.append((PostPublicUpdate("We bekijken uw initiatief."), lead))
        if rng.random() < 0.6:
            outcome = rng.choice(list(Outcome))
            steps.append((Decide(outcome, "Afgewogen.", "ok"), lead))
            steps.append((PublishDecision(), lead))
            if outcome is not Outcome.NOT_HONOURED and rng.random() < 0.7:
                steps.append((StartExecution(), lead))
                if rng.random() < 0.6:
                    steps.append((Complete(), lead))
    elif rng.random() < 0.5:
        steps.append((Withdraw("verhuisd"), RESIDENT))
    for _ in range(supporters):
        position = rng.randint(0, len(steps))
        steps.insert(position, (Support({"email": "s@example.org"}), RESIDENT))
    return steps
