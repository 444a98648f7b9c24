"""The workflow commands on an initiative, one frozen dataclass each, and how each is carried out.

A command says what someone wants done; `execute` calls the aggregate method that decides whether
it may be done and records the event. Who acts and when come with it, never inside it, so the
same command can be replayed in tests, the demo and the API alike. `name` is the command's name
in the transition table (`workflow.TRANSITIONS`) and the action name of the pages and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from participatie.domain.initiative import Initiative
from participatie.domain.values import (
    Actor,
    Location,
    Outcome,
    Priority,
    RoutingDecision,
    SealedPersonalData,
)


@dataclass(frozen=True)
class Command:
    name: ClassVar[str]


@dataclass(frozen=True)
class Route(Command):
    name = "route"
    decision: RoutingDecision


@dataclass(frozen=True)
class Reroute(Command):
    name = "reroute"
    decision: RoutingDecision
    reason: str


@dataclass(frozen=True)
class ChangeDetails(Command):
    name = "change_details"
    themes: tuple[str, ...]
    location: Location
    reason: str


@dataclass(frozen=True)
class AcceptHandoff(Command):
    name = "accept_handoff"
    reason: str | None = None


@dataclass(frozen=True)
class DeclineHandoff(Command):
    name = "decline_handoff"
    reason: str


@dataclass(frozen=True)
class RequestInfo(Command):
    name = "request_info"
    question: str


@dataclass(frozen=True)
class ProvideInfo(Command):
    name = "provide_info"
    answer: str


@dataclass(frozen=True)
class Forward(Command):
    name = "forward"
    to_team: str
    reason: str
    involved_teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalate(Command):
    name = "escalate"
    reason: str


@dataclass(frozen=True)
class SetPriority(Command):
    name = "set_priority"
    priority: Priority
    reason: str


@dataclass(frozen=True)
class Assign(Command):
    name = "assign"
    assignee: str | None


@dataclass(frozen=True)
class AddInternalNote(Command):
    name = "add_internal_note"
    note: str


@dataclass(frozen=True)
class PostPublicUpdate(Command):
    name = "post_public_update"
    message: str


@dataclass(frozen=True)
class Decide(Command):
    name = "decide"
    outcome: Outcome
    rationale: str
    reason: str


@dataclass(frozen=True)
class PublishDecision(Command):
    name = "publish_decision"


@dataclass(frozen=True)
class StartExecution(Command):
    name = "start_execution"
    reason: str | None = None


@dataclass(frozen=True)
class Complete(Command):
    name = "complete"
    reason: str | None = None


@dataclass(frozen=True)
class Withdraw(Command):
    name = "withdraw"
    reason: str | None = None


@dataclass(frozen=True)
class Merge(Command):
    name = "merge"
    into: UUID
    reason: str


@dataclass(frozen=True)
class ConfirmEmail(Command):
    name = "confirm_email"


@dataclass(frozen=True)
class ApprovePublicText(Command):
    name = "approve_public_text"


@dataclass(frozen=True)
class RedactPublicText(Command):
    name = "redact_public_text"
    title: str
    description: str
    reason: str
    photos: tuple[int, ...] | None = None  # the positions that stay public (None: all)


@dataclass(frozen=True)
class HidePublicText(Command):
    name = "hide_public_text"
    reason: str


@dataclass(frozen=True)
class Support(Command):
    """One more supporter; the application seals their contact details before executing."""

    name = "support"
    supporter: SealedPersonalData | Mapping[str, str]
    updates: bool = False  # the supporter wants to hear the decision and the completion
    language: str = "nl"  # of that mail


@dataclass(frozen=True)
class SetMailPreferences(Command):
    """The initiator turns off these kinds of mail (MUTABLE_MAIL) and on every other one."""

    name = "set_mail_preferences"
    muted: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateOutcome(Command):
    name = "rate_outcome"
    score: int
    comment: str | None = None


@dataclass(frozen=True)
class Reopen(Command):
    """The initiator asks to take finished work up again (`within_days`: the municipality's
    period, PARTICIPATIE_REOPEN_DAYS)."""

    name = "reopen"
    reason: str
    within_days: int


@dataclass(frozen=True)
class StopSupporterUpdates(Command):
    name = "stop_supporter_updates"
    subject_id: UUID


def execute(initiative: Initiative, command: Command, actor: Actor, at: datetime) -> None:
    """Carry out `command` on `initiative` (its events are pending until saved)."""
    match command:
        case Route(decision=decision):
            initiative.route(decision, actor, at)
        case Reroute(decision=decision, reason=reason):
            initiative.reroute(decision, actor, at, reason)
        case ChangeDetails(themes=themes, location=location, reason=reason):
            initiative.change_details(actor, at, reason, list(themes), location)
        case AcceptHandoff(reason=reason):
            initiative.accept_handoff(actor, at, reason)
        case DeclineHandoff(reason=reason):
            initiative.decline_handoff(actor, at, reason)
        case RequestInfo(question=question):
            initiative.request_info(actor, at, question)
        case ProvideInfo(answer=answer):
            initiative.provide_info(actor, at, answer)
        case Forward(to_team=to_team, reason=reason, involved_teams=involved):
            initiative.forward(actor, at, to_team, reason, list(involved))
        case Escalate(reason=reason):
            initiative.escalate(actor, at, reason)
        case SetPriority(priority=priority, reason=reason):
            initiative.set_priority(actor, at, priority, reason)
        case Assign(assignee=assignee):
            initiative.assign(actor, at, assignee)
        case AddInternalNote(note=note):
            initiative.add_internal_note(actor, at, note)
        case PostPublicUpdate(message=message):
            initiative.post_public_update(actor, at, message)
        case Decide(outcome=outcome, rationale=rationale, reason=reason):
            initiative.decide(actor, at, outcome, rationale, reason)
        case PublishDecision():
            initiative.publish_decision(actor, at)
        case StartExecution(reason=reason):
            initiative.start_execution(actor, at, reason)
        case Complete(reason=reason):
            initiative.complete(actor, at, reason)
        case Withdraw(reason=reason):
            initiative.withdraw(actor, at, reason)
        case Merge(into=into, reason=reason):
            initiative.merge(actor, at, into, reason)
        case ConfirmEmail():
            initiative.confirm_email(actor, at)
        case ApprovePublicText():
            initiative.approve_public_text(actor, at)
        case RedactPublicText(title=title, description=description, reason=reason, photos=shown):
            chosen = None if shown is None else list(shown)
            initiative.redact_public_text(actor, at, title, description, reason, chosen)
        case HidePublicText(reason=reason):
            initiative.hide_public_text(actor, at, reason)
        case Support(supporter=SealedPersonalData() as sealed, updates=updates, language=lang):
            initiative.support(actor, at, sealed, updates, lang)
        case SetMailPreferences(muted=muted):
            initiative.set_mail_preferences(actor, at, list(muted))
        case RateOutcome(score=score, comment=comment):
            initiative.rate_outcome(actor, at, score, comment)
        case Reopen(reason=reason, within_days=days):
            initiative.reopen(actor, at, reason, days)
        case StopSupporterUpdates(subject_id=subject_id):
            initiative.stop_supporter_updates(actor, at, subject_id)
        case _:
            raise TypeError(f"{command!r} cannot be executed on an initiative as it is")
