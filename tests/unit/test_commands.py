"""Typed commands (domain/commands.py): each one, carried out, records the event written here.

The table is written by hand: for each command, the status it is tried in, the event it must
record and the values that event must carry. Nothing is derived from `execute` itself.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from participatie.domain import commands as c
from participatie.domain.errors import IllegalTransition
from participatie.domain.initiative import Initiative
from participatie.domain.values import (
    Actor,
    Location,
    Outcome,
    Priority,
    Role,
    SealedPersonalData,
    Status,
)
from tests.unit.factories import INITIATOR, T0, WORKER, decision, initiative_in

LEAD = Actor("u-lead", Role.AREA_MANAGER, "gebiedsteam-noord")
AT = T0 + timedelta(days=3)
OTHER = UUID("00000000-0000-4000-8000-000000000001")
SUPPORTER = SealedPersonalData(UUID("00000000-0000-4000-8000-000000000002"), b"x")
ELSEWHERE = Location("BU00010102", 0.25, 0.75, "v1")

# (status, command, actor, event name, {field: value} the event must carry)
CASES: list[tuple[Status, c.Command, Actor, str, dict[str, Any]]] = [
    (Status.SUBMITTED, c.Route(decision()), WORKER, "Routed", {"decision": decision()}),
    (
        Status.ROUTED,
        c.Reroute(decision("lijn-verkeer"), "thema"),
        LEAD,
        "Rerouted",
        {"decision": decision("lijn-verkeer"), "reason": "thema"},
    ),
    (
        Status.IN_PROGRESS,
        c.ChangeDetails(("verkeer", "groen"), ELSEWHERE, "gecorrigeerd"),
        LEAD,
        "DetailsChanged",
        {"themes": ["verkeer", "groen"], "location": ELSEWHERE, "reason": "gecorrigeerd"},
    ),
    (Status.ROUTED, c.AcceptHandoff("ja"), LEAD, "HandoffAccepted", {"reason": "ja"}),
    (Status.ROUTED, c.AcceptHandoff(), LEAD, "HandoffAccepted", {"reason": None}),
    (Status.ROUTED, c.DeclineHandoff("niet ons"), LEAD, "HandoffDeclined", {"reason": "niet ons"}),
    (
        Status.IN_PROGRESS,
        c.RequestInfo("Welke kant?"),
        LEAD,
        "InformationRequested",
        {"question": "Welke kant?"},
    ),
    (
        Status.WAITING_FOR_INITIATOR,
        c.ProvideInfo("Zonkant."),
        INITIATOR,
        "InformationProvided",
        {"answer": "Zonkant."},
    ),
    (
        Status.IN_PROGRESS,
        c.Forward("lijn-groen", "groen", ("lijn-verkeer",)),
        LEAD,
        "Forwarded",
        {"to_team": "lijn-groen", "reason": "groen", "involved_teams": ["lijn-verkeer"]},
    ),
    (
        Status.IN_PROGRESS,
        c.Forward("lijn-groen", "groen"),
        LEAD,
        "Forwarded",
        {"to_team": "lijn-groen", "involved_teams": []},
    ),
    (Status.IN_PROGRESS, c.Escalate("vast"), LEAD, "Escalated", {"reason": "vast"}),
    (
        Status.IN_PROGRESS,
        c.SetPriority(Priority.URGENT, "gevaar"),
        LEAD,
        "PrioritySet",
        {"priority": Priority.URGENT, "reason": "gevaar"},
    ),
    (Status.IN_PROGRESS, c.Assign("u-lead"), LEAD, "Assigned", {"assignee": "u-lead"}),
    (Status.IN_PROGRESS, c.Assign(None), LEAD, "Assigned", {"assignee": None}),
    (
        Status.IN_PROGRESS,
        c.AddInternalNote("Gebeld."),
        LEAD,
        "InternalNoteAdded",
        {"note": "Gebeld."},
    ),
    (
        Status.IN_PROGRESS,
        c.PostPublicUpdate("We kijken."),
        LEAD,
        "PublicUpdatePosted",
        {"message": "We kijken."},
    ),
    (
        Status.IN_PROGRESS,
        c.Decide(Outcome.PARTLY_HONOURED, "Deels.", "budget"),
        LEAD,
        "Decided",
        {"outcome": Outcome.PARTLY_HONOURED, "rationale": "Deels.", "reason": "budget"},
    ),
    (Status.DECIDED, c.PublishDecision(), LEAD, "DecisionPublished", {}),
    (Status.DECIDED, c.StartExecution("gestart"), LEAD, "ExecutionStarted", {"reason": "gestart"}),
    (Status.IN_EXECUTION, c.Complete("klaar"), LEAD, "Completed", {"reason": "klaar"}),
    (Status.ROUTED, c.Withdraw("verhuisd"), INITIATOR, "Withdrawn", {"reason": "verhuisd"}),
    (
        Status.IN_PROGRESS,
        c.Merge(OTHER, "dubbel"),
        LEAD,
        "Merged",
        {"into": OTHER, "reason": "dubbel"},
    ),
    (Status.SUBMITTED, c.ConfirmEmail(), INITIATOR, "EmailConfirmed", {}),
    (Status.ROUTED, c.Support(SUPPORTER), INITIATOR, "Supported", {"supporter": SUPPORTER}),
]


@pytest.mark.parametrize(
    ("status", "command", "actor", "event", "values"),
    CASES,
    ids=[f"{type(case[1]).__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_each_command_records_its_event(
    status: Status, command: c.Command, actor: Actor, event: str, values: dict[str, Any]
) -> None:
    initiative = initiative_in(status)
    initiative.collect_events()
    c.execute(initiative, command, actor, AT)
    (recorded,) = initiative.collect_events()
    assert type(recorded).__qualname__ == f"Initiative.{event}"
    assert (recorded.actor, recorded.timestamp) == (actor, AT)  # type: ignore[attr-defined]
    for name, value in values.items():
        assert getattr(recorded, name) == value, name


def test_every_workflow_command_is_in_the_table_once() -> None:
    names = {
        "route", "reroute", "change_details", "accept_handoff", "decline_handoff",
        "request_info", "provide_info", "forward", "escalate", "set_priority", "assign",
        "add_internal_note", "post_public_update", "decide", "publish_decision",
        "start_execution", "complete", "withdraw", "merge", "confirm_email", "support",
    }  # fmt: skip
    assert {type(case[1]).name for case in CASES} == names


def test_commands_are_frozen_values() -> None:
    command = c.Escalate("vast")
    initiative = initiative_in(Status.IN_PROGRESS)
    c.execute(initiative, command, LEAD, AT)  # carried out, the command is unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.reason = "anders"  # type: ignore[misc]
    assert command == c.Escalate("vast") and command != c.Escalate("anders")
    assert hash(c.Escalate("vast")) == hash(c.Escalate("vast"))


def test_a_support_with_contact_details_not_yet_sealed_is_not_executed() -> None:
    initiative = initiative_in(Status.ROUTED)
    initiative.collect_events()
    with pytest.raises(TypeError):
        c.execute(initiative, c.Support({"email": "a@b.example"}), INITIATOR, AT)
    with pytest.raises(TypeError):
        c.execute(initiative, c.Command(), INITIATOR, AT)
    assert initiative.collect_events() == []


def test_a_refused_command_records_nothing() -> None:
    initiative: Initiative = initiative_in(Status.COMPLETED)
    initiative.collect_events()
    with pytest.raises(IllegalTransition):
        c.execute(initiative, c.Escalate("te laat"), LEAD, AT)
    assert initiative.collect_events() == []
