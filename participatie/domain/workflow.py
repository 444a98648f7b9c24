"""The one table of allowed initiative transitions (DESIGN.md §3).

Each command maps the statuses it is allowed in to the status it leads to. Commands that do not
change the status map a status to itself. Anything not in the table is an illegal transition.
"""

from __future__ import annotations

from participatie.domain.errors import IllegalTransition
from participatie.domain.values import Status

S = Status
OPEN: tuple[Status, ...] = (
    S.SUBMITTED,
    S.ROUTED,
    S.IN_PROGRESS,
    S.WAITING_FOR_INITIATOR,
    S.DECIDED,
    S.IN_EXECUTION,
)
OWNED = tuple(s for s in OPEN if s is not S.SUBMITTED)
HANDLED = (S.ROUTED, S.IN_PROGRESS, S.WAITING_FOR_INITIATOR)
# The statuses with a running deadline: the hand-off's, or the decision's (not while waiting).
CLOCKED = (S.SUBMITTED, S.ROUTED, S.IN_PROGRESS)


def _stay(statuses: tuple[Status, ...]) -> dict[Status, Status]:
    return {s: s for s in statuses}


def _all_to(statuses: tuple[Status, ...], target: Status) -> dict[Status, Status]:
    return {s: target for s in statuses}


TRANSITIONS: dict[str, dict[Status, Status]] = {
    "route": {S.SUBMITTED: S.ROUTED},
    "accept_handoff": {S.ROUTED: S.IN_PROGRESS},
    "decline_handoff": {S.ROUTED: S.ROUTED},  # to the regie queue
    "request_info": {S.IN_PROGRESS: S.WAITING_FOR_INITIATOR},
    "provide_info": {S.WAITING_FOR_INITIATOR: S.IN_PROGRESS},
    "forward": _all_to(HANDLED, S.ROUTED),  # new hand-off to another team
    "reroute": _all_to(HANDLED, S.ROUTED),  # explicit re-routing through the rulebook
    "escalate": _all_to(OPEN, S.ROUTED),  # to regie
    "change_details": _stay(OPEN),  # themes or location corrected; no re-routing by itself
    "decide": {S.IN_PROGRESS: S.DECIDED},
    "publish_decision": _stay((S.DECIDED, S.IN_EXECUTION)),
    "start_execution": {S.DECIDED: S.IN_EXECUTION},
    # Carried out; or, for a decision not to honour, closed once that decision is published
    # (Initiative._refusal holds the rest): nothing is left to do.
    "complete": {S.IN_EXECUTION: S.COMPLETED, S.DECIDED: S.COMPLETED},
    "withdraw": _all_to(OPEN, S.WITHDRAWN),
    "merge": _all_to(OPEN, S.MERGED),
    "set_priority": _stay(OPEN),
    "assign": _stay(OWNED),
    "add_internal_note": _stay(tuple(Status)),
    "post_public_update": _stay(OWNED),
    "support": _stay(OPEN),
    "confirm_email": _stay(tuple(Status)),  # the initiator's address reaches them
    "set_mail_preferences": _stay(tuple(Status)),  # which mail the initiator wants
    # The initiator, once the work is finished (completed, or a refusal published: the state
    # decides): how it went, and within a period a request to take it up again.
    "rate_outcome": _stay((S.DECIDED, S.COMPLETED)),
    "reopen": {S.COMPLETED: S.ROUTED, S.DECIDED: S.ROUTED},
    "stop_supporter_updates": _stay(tuple(Status)),  # a supporter wants no more mail
    "record_missed_deadline": _stay(CLOCKED),  # by the deadline sweep
    "erase_personal_data": _stay(tuple(Status)),  # on request or when retention ends
    # What the public sees of the initiator's text, decided by a moderator at any time.
    "approve_public_text": _stay(tuple(Status)),
    "redact_public_text": _stay(tuple(Status)),
    "hide_public_text": _stay(tuple(Status)),
}

# Commands where a person decides something: they must say why.
REASON_REQUIRED = frozenset(
    {
        "reopen",
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
    }
)


def next_status(command: str, current: Status) -> Status:
    """Return the status `command` leads to from `current`, or raise IllegalTransition."""
    try:
        return TRANSITIONS[command][current]
    except KeyError:
        raise IllegalTransition(command, current.value) from None


def allowed_commands(current: Status) -> list[str]:
    """Return the commands allowed in `current`, in table order."""
    return [command for command, moves in TRANSITIONS.items() if current in moves]
