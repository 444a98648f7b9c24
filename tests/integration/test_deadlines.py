"""Deadlines on a frozen clock: working days skip King's Day and Christmas, a question to the
initiator pauses the decision clock, and the sweep records each missed deadline once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import pytest

from participatie.application.app import SWEEPER, ParticipatieApp
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.commands import AcceptHandoff, Decide, ProvideInfo, RequestInfo, Route
from participatie.domain.initiative import DECISION, HANDOFF, Initiative
from participatie.domain.values import REGIE_TEAM, Actor, Outcome, Role, RoutingDecision, Status
from tests.clock import Clock, local
from tests.conftest import submission

ROUTER = Actor.system("router")
MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")


@pytest.fixture
def app(container: Container) -> Iterator[ParticipatieApp]:
    yield container.app


def submit(app: ParticipatieApp) -> UUID:
    data = SubmissionSchema(app.area_index()).load_submission(submission())
    return app.submit(data).initiative_id


def route(app: ParticipatieApp, initiative_id: UUID, days: int = 5) -> None:
    decision = RoutingDecision(
        "gebiedsteam-centrum", (), "r1", "2026-1", "v1", days, "regel Centrum"
    )
    app.act(initiative_id, Route(decision=decision), actor=ROUTER)


def local_due(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(AMSTERDAM)


def missed_events(app: ParticipatieApp, initiative_id: UUID) -> list[Initiative.DeadlineMissed]:
    return [e for e in app.history(initiative_id) if isinstance(e, Initiative.DeadlineMissed)]


def test_an_expired_handoff_across_kings_day_is_recorded_once_and_goes_to_regie(
    app: ParticipatieApp,
) -> None:
    clock = Clock(app, local(2026, 4, 24, 10))  # Friday before King's Day (Monday 27 April)
    initiative_id = submit(app)
    route(app, initiative_id, days=5)
    initiative = app.get_initiative(initiative_id)
    # Tue 28, Wed 29, Thu 30 April, Fri 1 and Mon 4 May: King's Day does not count.
    assert local_due(initiative.handoff_due) == local(2026, 5, 4, 10)
    assert initiative.next_deadline == (initiative.handoff_due, HANDOFF)

    clock.at(local(2026, 5, 4, 9, 59))
    assert app.sweep_deadlines(initiative_id) == []
    clock.at(local(2026, 5, 4, 10))
    assert app.sweep_deadlines(initiative_id) == [HANDOFF]
    assert app.sweep_deadlines(initiative_id) == []  # the sweep ran twice: nothing new

    (missed,) = missed_events(app, initiative_id)
    assert (missed.deadline, local_due(missed.due), missed.team) == (
        HANDOFF,
        local(2026, 5, 4, 10),
        "gebiedsteam-centrum",
    )
    assert missed.actor == SWEEPER
    initiative = app.get_initiative(initiative_id)
    assert initiative.lead_team == REGIE_TEAM  # escalated, per the default configuration
    last = app.history(initiative_id)[-1]
    assert isinstance(last, Initiative.Escalated)
    assert last.reason == "Automatisch naar regie: acceptatietermijn verstreken."
    # Regie's own hand-off starts now: 5 working days, Liberation Day (Tue 5 May) not counted.
    assert local_due(initiative.handoff_due) == local(2026, 5, 12, 10)

    clock.at(local(2026, 5, 12, 10))
    assert app.sweep_deadlines(initiative_id) == [HANDOFF]  # recorded; regie keeps it
    assert app.get_initiative(initiative_id).lead_team == REGIE_TEAM
    assert len(missed_events(app, initiative_id)) == 2


def test_without_escalation_a_missed_handoff_is_only_recorded(app: ParticipatieApp) -> None:
    clock = Clock(app, local(2026, 4, 24, 10))
    initiative_id = submit(app)
    route(app, initiative_id)
    clock.at(local(2026, 5, 5, 12))
    assert app.sweep_deadlines(initiative_id, escalate=()) == [HANDOFF]
    assert app.get_initiative(initiative_id).lead_team == "gebiedsteam-centrum"


def test_the_decision_deadline_skips_christmas_and_pauses_while_waiting_for_the_initiator(
    app: ParticipatieApp,
) -> None:
    clock = Clock(app, local(2026, 11, 30, 9))  # Monday
    initiative_id = submit(app)
    initiative = app.get_initiative(initiative_id)
    # 40 working days; Christmas Day (Fri 25 Dec) and New Year's Day (Fri 1 Jan) do not count.
    assert local_due(initiative.decision_due) == local(2027, 1, 27, 9)
    route(app, initiative_id)
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER)

    clock.at(local(2026, 12, 15, 14))
    app.act(initiative_id, RequestInfo(question="Welke kant van de straat?"), actor=MANAGER)
    waiting = app.get_initiative(initiative_id)
    assert waiting.status is Status.WAITING_FOR_INITIATOR
    assert waiting.decision_due is None  # paused
    assert waiting.next_deadline is None

    clock.at(local(2027, 1, 5, 11))
    initiator = Actor.initiator(waiting.initiator.subject_id)
    app.act(initiative_id, ProvideInfo(answer="De zonkant."), actor=initiator)
    resumed = app.get_initiative(initiative_id)
    # Paused: 16-18, 21-24, 28-31 December and 4 January = 12 working days (the two
    # holidays in between were no working days anyway).
    assert resumed.paused_days == 12
    assert local_due(resumed.decision_due) == local(2027, 2, 12, 9)

    clock.at(local(2027, 1, 28, 9))  # after the unpaused due date: not late
    assert app.sweep_deadlines(initiative_id) == []
    clock.at(local(2027, 2, 12, 9))
    assert app.sweep_deadlines(initiative_id) == [DECISION]
    assert app.sweep_deadlines(initiative_id) == []
    (missed,) = missed_events(app, initiative_id)
    assert (missed.deadline, local_due(missed.due)) == (DECISION, local(2027, 2, 12, 9))
    # Missed decisions stay with the team unless configured to escalate.
    assert app.get_initiative(initiative_id).lead_team == "gebiedsteam-centrum"


def test_a_missed_decision_escalates_when_configured(app: ParticipatieApp) -> None:
    clock = Clock(app, local(2026, 11, 30, 9))
    initiative_id = submit(app)
    route(app, initiative_id)
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER)
    clock.at(local(2027, 1, 27, 9))
    assert app.sweep_deadlines(initiative_id, escalate=(HANDOFF, DECISION)) == [DECISION]
    initiative = app.get_initiative(initiative_id)
    assert initiative.lead_team == REGIE_TEAM
    assert app.history(initiative_id)[-1].reason == (  # type: ignore[attr-defined]
        "Automatisch naar regie: beslistermijn verstreken."
    )


def test_a_decision_stops_the_clock(app: ParticipatieApp) -> None:
    clock = Clock(app, local(2026, 11, 30, 9))
    initiative_id = submit(app)
    route(app, initiative_id)
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER)
    app.act(
        initiative_id,
        Decide(outcome=Outcome.HONOURED, rationale="Past in het buurtplan.", reason="budget is er"),
        actor=MANAGER,
    )
    clock.at(local(2027, 6, 1, 9))
    assert app.get_initiative(initiative_id).decision_due is None
    assert app.sweep_deadlines(initiative_id) == []
