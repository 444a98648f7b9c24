"""Oracle for the initiative workflow: every command in every status, written out by hand.

The grid below is the expected answer taken from the product design (DESIGN.md §3, the lifecycle
drawing) and read by a person, not computed from `workflow.TRANSITIONS`. Where the design is
silent (the housekeeping commands) the choice is written down here with its reason, so a change
to the table in code has to be a change to this grid as well.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from participatie.domain import workflow
from participatie.domain.errors import IllegalTransition, InvariantViolation, ReasonRequired
from participatie.domain.initiative import Initiative
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

# Column abbreviations of the grid, in the order the columns appear.
COLUMNS: dict[str, Status] = {
    "SUB": Status.SUBMITTED,
    "ROU": Status.ROUTED,
    "PRG": Status.IN_PROGRESS,
    "WAI": Status.WAITING_FOR_INITIATOR,
    "DEC": Status.DECIDED,
    "EXE": Status.IN_EXECUTION,
    "CMP": Status.COMPLETED,
    "WDR": Status.WITHDRAWN,
    "MRG": Status.MERGED,
}

# Row: a command. Cell: the status the command leads to from the column's status, "-": refused.
# Open statuses are SUB..EXE; CMP, WDR and MRG are closed.
#
# From the design drawing:
#   route SUB→ROU; accept ROU→PRG; decline ROU→ROU (to the regie queue); request_info PRG→WAI;
#   provide_info WAI→PRG; forward and reroute ROU/PRG/WAI→ROU; escalate any open→ROU (regie);
#   decide PRG→DEC; start DEC→EXE; complete EXE→CMP; withdraw and merge any open→WDR/MRG.
# Chosen here (issue 22's follow-up): complete DEC→CMP closes a decision not to honour, once
#   it is published (the state, not the status, refuses it otherwise: see the tests below).
# Design silent, chosen here (none of these changes the status):
#   change_details, set_priority, support: any open status (a closed initiative is history).
#   publish_decision: once there is a decision and the work is not closed (DEC, EXE).
#   assign, post_public_update: once a team owns the work (routed) and it is still open.
#   add_internal_note, confirm_email, erase_personal_data: in every status, closed ones too
#   (staff may annotate history; a late confirmation link is harmless; erasure is a legal duty).
#   record_missed_deadline: only while a clock runs: the decision clock in SUB/ROU/PRG (paused
#   while waiting), the hand-off clock in ROU.
# Chosen here (issue 23): approve, redact and hide the public text in every status, closed ones
#   too: a text may need hiding long after the work is done (the state refuses them when the
#   initiator did not agree to publish: see test_moderation.py).
# Chosen here (issue 24): the initiator's mail preferences and a supporter's stop in every
#   status: mail about a closed initiative can still come (a late public update is refused,
#   but a reopened one may mail again), and saying "no more" is always allowed.
# Issue 24 (say how it went): rate_outcome and reopen once the work is finished: completed, or
#   a refusal whose decision is published (the state refuses a decision to honour in DEC:
#   test_satisfaction.py). Reopen goes back to the lead team: ROU, a new hand-off.
GRID = """
                        SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
route                   ROU   -     -     -     -     -     -     -     -
accept_handoff          -     PRG   -     -     -     -     -     -     -
decline_handoff         -     ROU   -     -     -     -     -     -     -
request_info            -     -     WAI   -     -     -     -     -     -
provide_info            -     -     -     PRG   -     -     -     -     -
forward                 -     ROU   ROU   ROU   -     -     -     -     -
reroute                 -     ROU   ROU   ROU   -     -     -     -     -
escalate                ROU   ROU   ROU   ROU   ROU   ROU   -     -     -
change_details          SUB   ROU   PRG   WAI   DEC   EXE   -     -     -
decide                  -     -     DEC   -     -     -     -     -     -
publish_decision        -     -     -     -     DEC   EXE   -     -     -
start_execution         -     -     -     -     EXE   -     -     -     -
complete                -     -     -     -     CMP   CMP   -     -     -
withdraw                WDR   WDR   WDR   WDR   WDR   WDR   -     -     -
merge                   MRG   MRG   MRG   MRG   MRG   MRG   -     -     -
set_priority            SUB   ROU   PRG   WAI   DEC   EXE   -     -     -
assign                  -     ROU   PRG   WAI   DEC   EXE   -     -     -
add_internal_note       SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
post_public_update      -     ROU   PRG   WAI   DEC   EXE   -     -     -
support                 SUB   ROU   PRG   WAI   DEC   EXE   -     -     -
confirm_email           SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
record_missed_deadline  SUB   ROU   PRG   -     -     -     -     -     -
erase_personal_data     SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
approve_public_text     SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
redact_public_text      SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
hide_public_text        SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
set_mail_preferences    SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
stop_supporter_updates  SUB   ROU   PRG   WAI   DEC   EXE   CMP   WDR   MRG
rate_outcome            -     -     -     -     DEC   -     CMP   -     -
reopen                  -     -     -     -     ROU   -     ROU   -     -
"""

# Commands where a person decides something and must say why (DESIGN.md §3: "where a person
# decided — the reason"), and the ones that need no reason.
REASON_REQUIRED: frozenset[str] = frozenset(
    {
        "decline_handoff",
        "forward",
        "reroute",
        "change_details",
        "escalate",
        "decide",
        "merge",
        "set_priority",
        "erase_personal_data",
        "redact_public_text",
        "hide_public_text",
        "reopen",
    }
)
NO_REASON_NEEDED: frozenset[str] = frozenset(
    {
        "route",
        "accept_handoff",
        "request_info",
        "provide_info",
        "publish_decision",
        "start_execution",
        "complete",
        "withdraw",
        "assign",
        "add_internal_note",
        "post_public_update",
        "support",
        "confirm_email",
        "record_missed_deadline",
        "approve_public_text",
        "set_mail_preferences",
        "stop_supporter_updates",
        "rate_outcome",
    }
)

# For each command that needs a reason: a status (picked by hand) in which it is allowed.
REASON_SOURCES: dict[str, Status] = {
    "decline_handoff": Status.ROUTED,
    "forward": Status.IN_PROGRESS,
    "reroute": Status.WAITING_FOR_INITIATOR,
    "change_details": Status.SUBMITTED,
    "escalate": Status.DECIDED,
    "decide": Status.IN_PROGRESS,
    "merge": Status.IN_EXECUTION,
    "set_priority": Status.ROUTED,
    "erase_personal_data": Status.COMPLETED,
    "redact_public_text": Status.IN_PROGRESS,
    "hide_public_text": Status.WITHDRAWN,
    "reopen": Status.COMPLETED,
}
# For each command that needs no reason: a status (picked by hand) in which it is allowed.
NO_REASON_SOURCES: dict[str, Status] = {
    "route": Status.SUBMITTED,
    "accept_handoff": Status.ROUTED,
    "request_info": Status.IN_PROGRESS,
    "provide_info": Status.WAITING_FOR_INITIATOR,
    "publish_decision": Status.DECIDED,
    "start_execution": Status.DECIDED,
    "complete": Status.IN_EXECUTION,
    "withdraw": Status.WAITING_FOR_INITIATOR,
    "assign": Status.IN_PROGRESS,
    "add_internal_note": Status.MERGED,
    "post_public_update": Status.ROUTED,
    "support": Status.SUBMITTED,
    "confirm_email": Status.WITHDRAWN,
    "record_missed_deadline": Status.IN_PROGRESS,
    "approve_public_text": Status.COMPLETED,
    "set_mail_preferences": Status.DECIDED,
    "stop_supporter_updates": Status.MERGED,
    "rate_outcome": Status.COMPLETED,
}


def _parse(grid: str) -> dict[str, dict[Status, Status | None]]:
    """Read the grid: command → status → target (None: refused)."""
    header, *rows = [line.split() for line in grid.strip().splitlines()]
    assert [COLUMNS[name] for name in header] == list(Status), "grid columns out of order"
    table: dict[str, dict[Status, Status | None]] = {}
    for command, *cells in rows:
        assert len(cells) == len(header), f"{command}: {len(cells)} cells"
        table[command] = {
            COLUMNS[column]: None if cell == "-" else COLUMNS[cell]
            for column, cell in zip(header, cells, strict=True)
        }
    return table


EXPECTED = _parse(GRID)
CELLS = [
    (command, status, target) for command, row in EXPECTED.items() for status, target in row.items()
]


def _cell_id(value: object) -> str:
    return value.value if isinstance(value, Status) else str(value)


def test_the_grid_covers_every_command_of_the_workflow_and_nothing_else() -> None:
    assert sorted(EXPECTED) == sorted(workflow.TRANSITIONS)
    assert len(EXPECTED) == 30


@pytest.mark.parametrize(("command", "status", "target"), CELLS, ids=_cell_id)
def test_next_status_gives_the_grid_target_or_refuses(
    command: str, status: Status, target: Status | None
) -> None:
    if target is None:
        with pytest.raises(IllegalTransition) as raised:
            workflow.next_status(command, status)
        assert (raised.value.command, raised.value.status) == (command, status.value)
    else:
        assert workflow.next_status(command, status) is target


@pytest.mark.parametrize("status", list(Status), ids=_cell_id)
def test_allowed_commands_are_the_grid_column(status: Status) -> None:
    expected = [command for command, row in EXPECTED.items() if row[status] is not None]
    allowed = workflow.allowed_commands(status)
    assert len(allowed) == len(set(allowed))
    assert sorted(allowed) == sorted(expected)


@pytest.mark.parametrize(("command", "status", "target"), CELLS, ids=_cell_id)
def test_the_aggregate_follows_the_grid_and_records_nothing_when_refused(
    command: str, status: Status, target: Status | None
) -> None:
    # The cells whose state the factory does not give: closing, rating and reopening a
    # published decision not to honour.
    special = status is Status.DECIDED and command in ("complete", "rate_outcome", "reopen")
    initiative = not_honoured(published=True) if special else initiative_in(status)
    version = initiative.version
    if target is None:
        with pytest.raises(IllegalTransition):
            run(initiative, command)
        assert (initiative.status, initiative.version) == (status, version)
    else:
        run(initiative, command)
        assert (initiative.status, initiative.version) == (target, version + 1)
        assert initiative.collect_events()[-1].status is target  # type: ignore[attr-defined]


def test_closed_statuses_allow_only_notes_email_confirmation_erasure_and_moderation() -> None:
    closed = {
        "add_internal_note",
        "confirm_email",
        "erase_personal_data",
        "approve_public_text",
        "redact_public_text",
        "hide_public_text",
        "set_mail_preferences",
        "stop_supporter_updates",
    }
    for status in (Status.WITHDRAWN, Status.MERGED):
        assert set(workflow.allowed_commands(status)) == closed
    # Completed work may also be rated and reopened by its initiator.
    assert set(workflow.allowed_commands(Status.COMPLETED)) == closed | {"rate_outcome", "reopen"}


# -- reasons -----------------------------------------------------------------------------------


def test_the_reason_lists_split_every_command_in_two() -> None:
    assert not REASON_REQUIRED & NO_REASON_NEEDED
    assert set(EXPECTED) == REASON_REQUIRED | NO_REASON_NEEDED
    assert set(REASON_SOURCES) == REASON_REQUIRED
    assert set(NO_REASON_SOURCES) == NO_REASON_NEEDED


def test_the_workflow_requires_a_reason_for_exactly_the_hand_written_commands() -> None:
    assert set(workflow.REASON_REQUIRED) == REASON_REQUIRED


def _args(command: str, initiative: Initiative, **changes: Any) -> dict[str, Any]:
    args = arguments(command, initiative)
    args.update(changes)
    return args


@pytest.mark.parametrize("command", sorted(REASON_REQUIRED))
@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "blank"])
def test_a_command_needing_a_reason_is_refused_without_one(command: str, blank: str) -> None:
    status = REASON_SOURCES[command]
    initiative = initiative_in(status)
    version = initiative.version
    with pytest.raises(ReasonRequired) as raised:
        getattr(initiative, command)(**_args(command, initiative, reason=blank))
    assert raised.value.command == command
    assert (initiative.status, initiative.version) == (status, version)


@pytest.mark.parametrize("command", sorted(REASON_REQUIRED))
def test_a_command_needing_a_reason_succeeds_with_one_and_records_it(command: str) -> None:
    initiative = initiative_in(REASON_SOURCES[command])
    version = initiative.version
    getattr(initiative, command)(**_args(command, initiative, reason="  omdat het moet  "))
    assert initiative.version == version + 1
    assert initiative.collect_events()[-1].reason == "omdat het moet"  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", sorted(NO_REASON_NEEDED))
def test_a_command_needing_no_reason_succeeds_without_one(command: str) -> None:
    initiative = initiative_in(NO_REASON_SOURCES[command])
    version = initiative.version
    args = arguments(command, initiative)
    args.pop("reason", None)  # withdraw's factory arguments carry an optional reason
    getattr(initiative, command)(**args)
    assert initiative.version == version + 1
    event = initiative.collect_events()[-1]
    if command == "route":
        # Routing is not a person's decision; its reason on record is the explanation.
        assert event.reason == "wijkregel Noord"  # type: ignore[attr-defined]
    else:
        assert event.reason is None  # type: ignore[attr-defined]


def test_routing_with_an_empty_explanation_is_still_accepted() -> None:
    initiative = initiative_in(Status.SUBMITTED)
    initiative.route(replace(decision(), explanation=""), NOORD, T0)
    assert initiative.status is Status.ROUTED


# -- end to end on the aggregate ---------------------------------------------------------------


def test_deciding_a_routed_initiative_before_accepting_it_is_refused() -> None:
    initiative = initiative_in(Status.ROUTED)
    with pytest.raises(IllegalTransition) as raised:
        initiative.decide(NOORD, T0, Outcome.HONOURED, "Prima plan.", "budget is er")
    assert (raised.value.command, raised.value.status) == ("decide", "routed")
    assert initiative.status is Status.ROUTED
    assert initiative.outcome is None


def test_an_illegal_transition_is_refused_before_a_missing_reason_is_noticed() -> None:
    initiative = initiative_in(Status.ROUTED)
    with pytest.raises(IllegalTransition):
        initiative.decide(NOORD, T0, Outcome.HONOURED, "Prima plan.", "")


def test_rerouting_decided_work_is_refused() -> None:
    initiative = initiative_in(Status.DECIDED)
    lead = initiative.lead_team
    with pytest.raises(IllegalTransition) as raised:
        initiative.reroute(decision("lijn-verkeer"), NOORD, T0, "ander thema")
    assert (raised.value.command, raised.value.status) == ("reroute", "decided")
    assert (initiative.status, initiative.lead_team) == (Status.DECIDED, lead)


def test_rerouting_work_in_execution_is_refused_but_escalating_it_is_allowed() -> None:
    initiative = initiative_in(Status.IN_EXECUTION)
    with pytest.raises(IllegalTransition):
        initiative.reroute(decision("lijn-verkeer"), NOORD, T0, "ander thema")
    initiative.escalate(NOORD, T0, "loopt vast in de uitvoering")
    assert (initiative.status, initiative.lead_team) == (Status.ROUTED, REGIE_TEAM)


def test_a_decision_is_published_once_also_after_execution_started() -> None:
    initiative = initiative_in(Status.DECIDED)
    initiative.publish_decision(NOORD, T0)
    with pytest.raises(InvariantViolation, match="already been published"):
        initiative.publish_decision(NOORD, T0)
    initiative.start_execution(NOORD, T0)
    with pytest.raises(InvariantViolation, match="already been published"):
        initiative.publish_decision(NOORD, T0)
    assert initiative.status is Status.IN_EXECUTION


def test_publishing_before_a_decision_is_refused() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        initiative.publish_decision(NOORD, T0)
    assert not initiative.decision_published


def test_completing_a_decision_to_honour_without_executing_it_is_refused() -> None:
    initiative = initiative_in(Status.DECIDED)  # honoured (the factory's decision)
    version = initiative.version
    with pytest.raises(InvariantViolation) as refused:
        initiative.complete(NOORD, T0)
    assert refused.value.field == "outcome"
    assert (initiative.status, initiative.version) == (Status.DECIDED, version)
    assert "complete" not in initiative.possible_commands()


def test_a_decision_not_to_honour_closes_once_it_is_published() -> None:
    unpublished = not_honoured(published=False)
    version = unpublished.version
    with pytest.raises(InvariantViolation) as refused:
        unpublished.complete(NOORD, T0)
    assert refused.value.field == "decision"
    assert (unpublished.status, unpublished.version) == (Status.DECIDED, version)
    assert "complete" not in unpublished.possible_commands()
    published = not_honoured(published=True)
    assert "complete" in published.possible_commands()
    assert "start_execution" not in published.possible_commands()
    published.complete(NOORD, T0)
    assert published.status is Status.COMPLETED


def test_an_initiative_is_routed_and_its_handoff_accepted_only_once() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        initiative.route(decision(), NOORD, T0)
    with pytest.raises(IllegalTransition):
        initiative.accept_handoff(NOORD, T0)


def test_the_initiator_cannot_answer_a_question_nobody_asked() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        initiative.provide_info(NOORD, T0, "De zonkant.")


def test_closed_initiatives_cannot_be_withdrawn_merged_or_escalated() -> None:
    for status in (Status.COMPLETED, Status.WITHDRAWN, Status.MERGED):
        initiative = initiative_in(status)
        for command in ("withdraw", "merge", "escalate", "support", "change_details"):
            with pytest.raises(IllegalTransition):
                run(initiative, command)
        assert initiative.status is status


def test_declining_and_then_escalating_keeps_regie_in_charge() -> None:
    initiative = initiative_in(Status.ROUTED)
    initiative.decline_handoff(NOORD, T0, "hoort niet bij ons")
    initiative.escalate(REGIE, T0, "niemand pakt het op")
    assert (initiative.status, initiative.lead_team) == (Status.ROUTED, REGIE_TEAM)
    initiative.accept_handoff(REGIE, T0)
    assert initiative.status is Status.IN_PROGRESS


def test_a_new_decision_after_escalating_a_published_one_can_be_published() -> None:
    initiative = initiative_in(Status.DECIDED)
    initiative.publish_decision(NOORD, T0)
    initiative.escalate(NOORD, T0, "bezwaar tegen het besluit")
    initiative.accept_handoff(REGIE, T0)
    initiative.decide(REGIE, T0, Outcome.NOT_HONOURED, "Toch geen ruimte.", "herzien")
    initiative.publish_decision(REGIE, T0)
    assert initiative.collect_events()[-1].rationale == "Toch geen ruimte."  # type: ignore[attr-defined]
