"""Every allowed transition works; everything else is refused with a named error."""

from __future__ import annotations

import pytest

from participatie.domain import workflow
from participatie.domain.errors import IllegalTransition, InvariantViolation, ReasonRequired
from participatie.domain.values import REGIE_TEAM, Outcome, Status
from tests.unit.factories import (
    NOORD,
    REGIE,
    T0,
    arguments,
    decision,
    initiative_in,
    not_honoured,
    run,
)

ALLOWED = [
    (command, source, target)
    for command, moves in workflow.TRANSITIONS.items()
    for source, target in moves.items()
]
REFUSED = [
    (command, status)
    for command, moves in workflow.TRANSITIONS.items()
    for status in Status
    if status not in moves
]


@pytest.mark.parametrize(("command", "source", "target"), ALLOWED)
def test_allowed_transition_reaches_its_target(
    command: str, source: Status, target: Status
) -> None:
    # Closing, rating and reopening a decision: only a published decision not to honour.
    closing = source is Status.DECIDED and command in ("complete", "rate_outcome", "reopen")
    initiative = not_honoured(published=True) if closing else initiative_in(source)
    version = initiative.version
    run(initiative, command)
    assert initiative.status is target
    assert initiative.version == version + 1
    event = initiative.collect_events()[-1]
    assert event.status is target  # type: ignore[attr-defined]
    assert event.actor.id  # type: ignore[attr-defined]


@pytest.mark.parametrize(("command", "status"), REFUSED)
def test_refused_transition_raises_and_records_nothing(command: str, status: Status) -> None:
    initiative = initiative_in(status)
    pending = len(initiative.pending_events)
    with pytest.raises(IllegalTransition) as raised:
        run(initiative, command)
    assert initiative.status is status
    assert len(initiative.pending_events) == pending
    assert (raised.value.command, raised.value.status) == (command, status.value)


def test_every_status_is_reachable_and_closed_statuses_allow_only_notes_and_erasure() -> None:
    assert workflow.allowed_commands(Status.COMPLETED) == [
        "add_internal_note",
        "confirm_email",
        "set_mail_preferences",
        "rate_outcome",
        "reopen",
        "stop_supporter_updates",
        "erase_personal_data",
        "approve_public_text",
        "redact_public_text",
        "hide_public_text",
    ]
    for status in (Status.WITHDRAWN, Status.MERGED):
        assert workflow.allowed_commands(status) == [
            "add_internal_note",
            "confirm_email",
            "set_mail_preferences",
            "stop_supporter_updates",
            "erase_personal_data",
            "approve_public_text",
            "redact_public_text",
            "hide_public_text",
        ]
        assert not status.is_open


@pytest.mark.parametrize("command", sorted(workflow.REASON_REQUIRED))
def test_person_deciding_must_give_a_reason(command: str) -> None:
    source = next(s for s in workflow.TRANSITIONS[command] if s is not Status.SUBMITTED)
    initiative = initiative_in(source)
    args = arguments(command, initiative)
    args["reason"] = "   "
    with pytest.raises(ReasonRequired):
        getattr(initiative, command)(**args)


def test_decline_sends_the_handoff_to_regie_with_the_reason_on_record() -> None:
    initiative = initiative_in(Status.ROUTED)
    initiative.decline_handoff(NOORD, T0, "Dit is geen gebiedsvraag")
    assert initiative.status is Status.ROUTED
    assert initiative.lead_team == REGIE_TEAM
    assert initiative.handoff_pending
    declined = initiative.collect_events()[-1]
    assert declined.reason == "Dit is geen gebiedsvraag"  # type: ignore[attr-defined]
    assert declined.team == "gebiedsteam-noord"  # type: ignore[attr-defined]


def test_regie_cannot_decline_so_nothing_sits_unowned() -> None:
    initiative = initiative_in(Status.ROUTED)
    initiative.decline_handoff(NOORD, T0, "niet van ons")
    with pytest.raises(InvariantViolation, match="regie cannot decline"):
        initiative.decline_handoff(REGIE, T0, "ook niet van ons")


def test_only_the_lead_team_answers_a_handoff() -> None:
    initiative = initiative_in(Status.ROUTED)
    with pytest.raises(InvariantViolation, match="only the lead team"):
        initiative.accept_handoff(REGIE, T0)


def test_escalation_hands_the_initiative_to_regie_keeping_involved_teams() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    initiative.escalate(NOORD, T0, "Budget ontbreekt")
    assert (initiative.status, initiative.lead_team) == (Status.ROUTED, REGIE_TEAM)


def test_not_honoured_initiative_is_not_executed() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    initiative.decide(NOORD, T0, Outcome.NOT_HONOURED, "Geen ruimte", "past niet")
    with pytest.raises(InvariantViolation, match="not executed"):
        initiative.start_execution(NOORD, T0)


def test_decision_is_published_once() -> None:
    initiative = initiative_in(Status.DECIDED)
    initiative.publish_decision(NOORD, T0)
    assert initiative.decision_published
    with pytest.raises(InvariantViolation, match="already been published"):
        initiative.publish_decision(NOORD, T0)


def test_cannot_merge_into_itself_or_forward_to_the_current_lead() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    with pytest.raises(InvariantViolation, match="itself"):
        initiative.merge(NOORD, T0, initiative.id, "dubbel")
    with pytest.raises(InvariantViolation, match="already leads"):
        initiative.forward(NOORD, T0, "gebiedsteam-noord", "terug")


def test_empty_texts_are_refused_by_field() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    with pytest.raises(InvariantViolation) as raised:
        initiative.request_info(NOORD, T0, "  ")
    assert raised.value.field == "question"


def test_event_timestamps_come_from_the_caller() -> None:
    initiative = initiative_in(Status.SUBMITTED)
    initiative.route(decision(), NOORD, T0)
    assert initiative.collect_events()[-1].timestamp == T0


def test_an_email_address_is_confirmed_once() -> None:
    initiative = initiative_in(Status.ROUTED)
    run(initiative, "confirm_email")
    assert initiative.email_confirmed is True
    with pytest.raises(InvariantViolation):
        run(initiative, "confirm_email")
