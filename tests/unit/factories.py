"""Build domain objects for unit tests, without any storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from participatie.domain.initiative import DECISION, DEFAULT_DECISION_DAYS, Initiative
from participatie.domain.values import (
    Actor,
    InitiatorKind,
    Location,
    Moderation,
    Outcome,
    Priority,
    Role,
    RoutingDecision,
    SealedPersonalData,
    Status,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORKER = Actor.system("router")
NOORD = Actor("u-noord", Role.AREA_MANAGER, "gebiedsteam-noord")
REGIE = Actor("u-regie", Role.REGIE, "regie")
INITIATOR = Actor("subject:1", Role.INITIATOR)
SUPPORTER = Actor("subject:2", Role.SUPPORTER)


def decision(lead: str = "gebiedsteam-noord", involved: tuple[str, ...] = ()) -> RoutingDecision:
    return RoutingDecision(lead, involved, "wijk-noord", "2026-1", "v1", 5, "wijkregel Noord")


def new_initiative() -> Initiative:
    return Initiative._create(
        Initiative.Submitted,
        id=uuid4(),
        title="Bankjes op het plein",
        description="Graag drie bankjes op het plein zodat ouderen kunnen uitrusten.",
        themes=["openbare_ruimte"],
        location=Location("BU00010101", 0.5, 0.5, "v1"),
        initiator_kind=InitiatorKind.RESIDENT,
        initiator=SealedPersonalData(uuid4(), b"\x00" * 32),
        consent_to_publish=True,
        requested_support=None,
        tracking_code_hash="0" * 64,
        actor=INITIATOR,
        channel="web",
        language="nl",
        decision_days=DEFAULT_DECISION_DAYS,
        moderation=Moderation.PENDING,
        photos=[],
        timestamp=T0,
    )


def arguments(command: str, initiative: Initiative) -> dict[str, Any]:
    """Valid arguments for `command` on `initiative` (actor included)."""
    lead = Actor("u-lead", Role.AREA_MANAGER, initiative.lead_team)
    at = T0 + timedelta(hours=initiative.version)
    table: dict[str, dict[str, Any]] = {
        "route": {"actor": WORKER, "decision": decision()},
        "reroute": {"actor": lead, "decision": decision("lijn-verkeer"), "reason": "thema"},
        "accept_handoff": {"actor": lead},
        "decline_handoff": {"actor": lead, "reason": "hoort niet bij ons"},
        "request_info": {"actor": lead, "question": "Welke kant van het plein?"},
        "provide_info": {"actor": INITIATOR, "answer": "De zonkant."},
        "forward": {"actor": lead, "to_team": "lijn-groen", "reason": "groenbeheer"},
        "escalate": {"actor": lead, "reason": "loopt vast"},
        "change_details": {
            "actor": lead,
            "reason": "thema gecorrigeerd",
            "themes": ["verkeer"],
            "location": initiative.location,
        },
        "decide": {
            "actor": lead,
            "outcome": Outcome.HONOURED,
            "rationale": "Past in het plan.",
            "reason": "budget is er",
        },
        "publish_decision": {"actor": lead},
        "start_execution": {"actor": lead},
        "complete": {"actor": lead},
        "withdraw": {"actor": INITIATOR, "reason": "verhuisd"},
        "merge": {"actor": lead, "into": uuid4(), "reason": "dubbel"},
        "set_priority": {"actor": lead, "priority": Priority.HIGH, "reason": "veiligheid"},
        "assign": {"actor": lead, "assignee": "u-lead"},
        "add_internal_note": {"actor": lead, "note": "Gebeld met de buurman."},
        "post_public_update": {"actor": lead, "message": "We kijken ernaar."},
        "support": {"actor": INITIATOR, "supporter": SealedPersonalData(uuid4(), b"x")},
        "confirm_email": {"actor": INITIATOR},
        "set_mail_preferences": {"actor": INITIATOR, "muted": ["public_update"]},
        "rate_outcome": {"actor": INITIATOR, "score": 4, "comment": "Netjes opgelost."},
        "reopen": {"actor": INITIATOR, "reason": "Het gat is er weer.", "within_days": 30},
        "stop_supporter_updates": {"actor": SUPPORTER, "subject_id": _wanting_updates(initiative)},
        "erase_personal_data": {
            "actor": WORKER,
            "subject_id": initiative.initiator.subject_id,
            "reason": "verzoek van de indiener (art. 17 AVG)",
        },
        "approve_public_text": {"actor": REGIE},
        "redact_public_text": {
            "actor": REGIE,
            "title": "Bankjes op het plein",
            "description": "Graag drie bankjes op het plein voor wie wil uitrusten.",
            "reason": "naam van een buurvrouw weggehaald",
        },
        "hide_public_text": {"actor": REGIE, "reason": "beledigend"},
        "record_missed_deadline": {
            "actor": WORKER,
            "at": T0 + timedelta(days=365),
            "deadline": DECISION,
            "due": initiative.decision_due,
        },
    }
    return {"at": at, **table[command]}


def _wanting_updates(initiative: Initiative) -> UUID:
    """A supporter of `initiative` who asked for mail about the outcome (set up in its state:
    a support is not allowed in every status the stop is)."""
    if not initiative.updates_for:
        initiative.updates_for.append(uuid4().hex)
    return UUID(hex=initiative.updates_for[0])


def run(initiative: Initiative, command: str) -> None:
    getattr(initiative, command)(**arguments(command, initiative))


# The shortest path of commands from a fresh initiative to each status.
PATHS: dict[Status, list[str]] = {
    Status.SUBMITTED: [],
    Status.ROUTED: ["route"],
    Status.IN_PROGRESS: ["route", "accept_handoff"],
    Status.WAITING_FOR_INITIATOR: ["route", "accept_handoff", "request_info"],
    Status.DECIDED: ["route", "accept_handoff", "decide"],
    Status.IN_EXECUTION: ["route", "accept_handoff", "decide", "start_execution"],
    Status.COMPLETED: ["route", "accept_handoff", "decide", "start_execution", "complete"],
    Status.WITHDRAWN: ["withdraw"],
    Status.MERGED: ["merge"],
}


def initiative_in(status: Status) -> Initiative:
    initiative = new_initiative()
    for command in PATHS[status]:
        run(initiative, command)
    assert initiative.status is status
    return initiative


def not_honoured(published: bool) -> Initiative:
    """Decided not to honour (its decision published or not): the state in which `complete`
    closes a decided initiative."""
    initiative = initiative_in(Status.IN_PROGRESS)
    initiative.decide(NOORD, T0, Outcome.NOT_HONOURED, "Past niet in het plan.", "geen budget")
    if published:
        initiative.publish_decision(NOORD, T0)
    return initiative
