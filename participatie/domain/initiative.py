"""The Initiative aggregate: an initiative's whole lifecycle as events (DESIGN.md §3)."""

# One thing over 500 lines: the Initiative aggregate with the events nested in it, whose stored
# topics (participatie.domain.initiative:Initiative.Routed, ...) pin them to this module and class;
# the rest (LANGUAGES, INITIATOR/SUPPORTER, _required_text) is under ten lines, not worth moving.

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from participatie.domain import deadlines, workflow
from participatie.domain.deadlines import (
    DECISION,
    DEFAULT_ACCEPTANCE_DAYS,
    DEFAULT_DECISION_DAYS,
    HANDOFF,
)
from participatie.domain.errors import (
    InvariantViolation,
    MergeIntoItself,
    NothingChanged,
    ReasonRequired,
)
from participatie.domain.values import (
    REGIE_TEAM,
    Actor,
    FreeText,
    InitiatorKind,
    Location,
    Moderation,
    Outcome,
    PhotoRef,
    Priority,
    Role,
    RoutingDecision,
    SealedPersonalData,
    Status,
)

__all__ = ["DECISION", "DEFAULT_ACCEPTANCE_DAYS", "DEFAULT_DECISION_DAYS", "HANDOFF", "Initiative"]

LANGUAGES = ("nl", "en")
INITIATOR, SUPPORTER = "initiator", "supporter"  # the data subjects of an initiative
# The kinds of mail an initiator may turn off (notifications/messages.py sends them); the mail
# that confirms the submission and the one with the personal link are always sent.
MUTABLE_MAIL = (
    "handoff_accepted",
    "information_requested",
    "public_update",
    "decision_published",
    "execution_started",
    "completed",
)


class Initiative(Aggregate):
    """An idea, request or problem brought in by a resident, entrepreneur or organisation."""

    # Snapshot state version: 2 added the hand-off deadline (handoff_since, handoff_days),
    # 3 whether the initiator confirmed their e-mail address, 4 the initiator's language and the
    # decision clock (decision_days, paused_since, paused_days) and the missed deadlines, 5 the
    # erased subjects, 6 supporter_ids as hex strings (a snapshot of a much-supported initiative
    # decodes a list of strings fast; a list of UUID objects needs one decoder call per item),
    # 7 the title, description and requested support as the initiator's sealed free text,
    # 8 moderation (the public text waits for a moderator), 9 photos, 10 the kinds of mail the
    # initiator turned off (muted_mail), the supporters who want to hear the outcome, the
    # initiator's rating, when the work was finished and when the decision clock (re)started.
    class_version = 10

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("handoff_since", None)
        state.setdefault("handoff_days", DEFAULT_ACCEPTANCE_DAYS)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("email_confirmed", False)

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state.setdefault("language", "nl")
        state.setdefault("decision_days", DEFAULT_DECISION_DAYS)
        state.setdefault("paused_since", None)
        state.setdefault("paused_days", 0)
        state.setdefault("missed", [])

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        state.setdefault("erased", [])

    @staticmethod
    def upcast_v5_v6(state: dict[str, Any]) -> None:
        state["supporter_ids"] = [
            s.hex if isinstance(s, UUID) else str(s) for s in state.pop("supporters", [])
        ]

    @staticmethod
    def upcast_v6_v7(state: dict[str, Any]) -> None:
        subject = state["initiator"].subject_id
        for name in ("title", "description", "requested_support"):
            state[name] = _legacy(state[name], subject)

    @staticmethod
    def upcast_v7_v8(state: dict[str, Any]) -> None:
        state["moderation"] = _published_at_once(state["consent_to_publish"])
        state["public_title"] = None
        state["public_description"] = None

    @staticmethod
    def upcast_v8_v9(state: dict[str, Any]) -> None:
        state["photos"] = []
        state["public_photos"] = None

    @staticmethod
    def upcast_v9_v10(state: dict[str, Any]) -> None:
        state["muted_mail"] = []
        state["updates_for"] = []
        state["rating"] = None
        state["finished_on"] = None
        state["decision_from"] = None

    class Submitted(Aggregate.Created):
        """The title, description and requested support are the initiator's free text (sealed
        from version 4); `moderation` says whether the public text waits for a moderator (from
        version 5: pending, or approved when the municipality approves automatically) and
        `photos` what photos came with it (version 6; their bytes are kept beside the log)."""

        class_version = 6

        title: str
        description: str
        themes: list[str]
        location: Location
        initiator_kind: InitiatorKind
        initiator: SealedPersonalData
        consent_to_publish: bool
        requested_support: str | None
        tracking_code_hash: str
        actor: Actor
        channel: str
        language: str
        decision_days: int
        moderation: Moderation
        photos: list[PhotoRef]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no channel: everything then came in through the web form."""
            state["channel"] = "web"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Version 2 had no language (all was Dutch) and the default decision term."""
            state["language"] = "nl"
            state["decision_days"] = DEFAULT_DECISION_DAYS

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            """Version 3 stored the initiator's text in clear."""
            subject = state["initiator"].subject_id
            for name in ("title", "description", "requested_support"):
                state[name] = _legacy(state[name], subject)

        @staticmethod
        def upcast_v4_v5(state: dict[str, Any]) -> None:
            """Before moderation a text with consent was public at once."""
            state["moderation"] = _published_at_once(state["consent_to_publish"])

        @staticmethod
        def upcast_v5_v6(state: dict[str, Any]) -> None:
            """Version 5 took no photos."""
            state["photos"] = []

    class Action(Aggregate.Event):
        """Every change after submission records who did it, the status after it, and why."""

        actor: Actor
        status: Status
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Initiative)
            aggregate.status = self.status
            if (
                aggregate.paused_since is not None
                and self.status is not Status.WAITING_FOR_INITIATOR
            ):
                aggregate.resume_clock(self.timestamp)
            self.apply_to(aggregate)

        def apply_to(self, initiative: Initiative) -> None:
            """Change the attributes this event is about (the status is already set)."""

    class Routed(Action):
        decision: RoutingDecision

        def apply_to(self, initiative: Initiative) -> None:
            initiative.handoff_days = self.decision.acceptance_days
            initiative.hand_off(
                self.decision.lead_team, self.decision.involved_teams, self.timestamp
            )
            initiative.routing = self.decision

    class Rerouted(Routed):
        pass

    class DetailsChanged(Action):
        """Themes or location corrected; routing is not redone until someone re-routes."""

        themes: list[str]
        location: Location

        def apply_to(self, initiative: Initiative) -> None:
            initiative.themes = list(self.themes)
            initiative.location = self.location

    class HandoffAccepted(Action):
        team: str

        def apply_to(self, initiative: Initiative) -> None:
            initiative.handoff_pending = False

    class HandoffDeclined(Action):
        team: str

        def apply_to(self, initiative: Initiative) -> None:
            initiative.hand_off(REGIE_TEAM, [], self.timestamp)

    class InformationRequested(Action):
        """The question is sealed under the initiator's key: it may quote them (version 2)."""

        class_version = 2
        question: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["question"] = _legacy(state["question"], None)

        def apply_to(self, initiative: Initiative) -> None:
            initiative.paused_since = self.timestamp

    class InformationProvided(Action):
        """The initiator's answer, their sealed free text (from version 2)."""

        class_version = 2
        answer: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["answer"] = _legacy(state["answer"], _subject_of(state["actor"]))

    class Forwarded(Action):
        to_team: str
        involved_teams: list[str]

        def apply_to(self, initiative: Initiative) -> None:
            initiative.hand_off(self.to_team, self.involved_teams, self.timestamp)

    class Escalated(Action):
        from_team: str | None

        def apply_to(self, initiative: Initiative) -> None:
            initiative.hand_off(REGIE_TEAM, initiative.involved_teams, self.timestamp)

    class PrioritySet(Action):
        priority: Priority

        def apply_to(self, initiative: Initiative) -> None:
            initiative.priority = self.priority

    class Assigned(Action):
        assignee: str | None

        def apply_to(self, initiative: Initiative) -> None:
            initiative.assignee = self.assignee

    class InternalNoteAdded(Action):
        """A staff note may quote the initiator: sealed under their key (version 2)."""

        class_version = 2
        note: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["note"] = _legacy(state["note"], None)

    class PublicUpdatePosted(Action):
        message: str

    class Decided(Action):
        outcome: Outcome
        rationale: str

        def apply_to(self, initiative: Initiative) -> None:
            initiative.outcome = self.outcome
            initiative.rationale = self.rationale
            # A new decision (after an escalation) is not published until it is published.
            initiative.decision_published = False

    class DecisionPublished(Action):
        rationale: str

        def apply_to(self, initiative: Initiative) -> None:
            initiative.decision_published = True
            if initiative.outcome is Outcome.NOT_HONOURED:
                initiative.finished_on = self.timestamp  # nothing is left to do

    class ExecutionStarted(Action):
        pass

    class Completed(Action):
        def apply_to(self, initiative: Initiative) -> None:
            initiative.finished_on = self.timestamp

    class OutcomeRated(Action):
        """The initiator said how it went (1 very unhappy … 5 very happy), with a comment
        (their sealed free text, or None)."""

        score: int
        comment: str | None

        def apply_to(self, initiative: Initiative) -> None:
            initiative.rating = self.score

    class Reopened(Action):
        """The initiator asked within the period to take the work up again (their reason, sealed):
        back to the lead team, which must accept it again; the decision clock starts anew."""

        def apply_to(self, initiative: Initiative) -> None:
            assert initiative.lead_team is not None
            initiative.outcome = None
            initiative.rationale = None
            initiative.decision_published = False
            initiative.rating = None
            initiative.finished_on = None
            initiative.decision_from = self.timestamp
            initiative.paused_days = 0
            initiative.hand_off(initiative.lead_team, initiative.involved_teams, self.timestamp)

    class Withdrawn(Action):
        """The initiator's reason is their sealed free text (version 2)."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            subject = _subject_of(state["actor"])
            if subject is not None:
                state["reason"] = _legacy(state["reason"], subject)

    class Merged(Action):
        into: UUID

        def apply_to(self, initiative: Initiative) -> None:
            initiative.merged_into = self.into

    class EmailConfirmed(Action):
        """The initiator followed the link sent to their address (it reaches them)."""

        def apply_to(self, initiative: Initiative) -> None:
            initiative.email_confirmed = True

    class DeadlineMissed(Action):
        """A deadline passed without the work it asked for (recorded by the sweep, once)."""

        deadline: str  # HANDOFF or DECISION
        due: datetime
        team: str | None

        def apply_to(self, initiative: Initiative) -> None:
            initiative.missed.append(deadlines.missed_key(self.deadline, self.due))

    class PersonalDataErased(Action):
        """A data subject's key was deleted: their sealed fields can never be read again.

        Holds only the subject id and which subject it was (initiator or supporter).
        """

        subject_id: UUID
        subject: str

        def apply_to(self, initiative: Initiative) -> None:
            initiative.erased.append(self.subject_id)

    class PublicTextApproved(Action):
        """A moderator let the initiator's own title and description be public."""

        def apply_to(self, initiative: Initiative) -> None:
            initiative.publish_text(Moderation.APPROVED, None, None)

    class PublicTextRedacted(Action):
        """A moderator published an edited version (the initiator's text still, so sealed
        under their key) with the photos it shows; `reason` says why."""

        class_version = 2
        title: str
        description: str
        photos: list[int] | None  # the positions of the photos that are public (None: all)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["photos"] = None  # version 1 kept every photo (there were none)

        def apply_to(self, initiative: Initiative) -> None:
            shown = None if self.photos is None else list(self.photos)
            initiative.publish_text(Moderation.REDACTED, self.title, self.description, shown)

    class PublicTextHidden(Action):
        """A moderator took the public text off the public pages; `reason` says why."""

        def apply_to(self, initiative: Initiative) -> None:
            initiative.publish_text(Moderation.HIDDEN, None, None)

    class Supported(Action):
        """A confirmed support; from version 2 whether the supporter wants to hear the decision
        and the completion by mail (`updates`, asked when they supported) and in what language."""

        class_version = 2

        supporter: SealedPersonalData
        updates: bool
        language: str  # of the mail they get

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["updates"] = False
            state["language"] = "nl"

        def apply_to(self, initiative: Initiative) -> None:
            initiative.supporter_ids.append(self.supporter.subject_id.hex)
            if self.updates:
                initiative.updates_for.append(self.supporter.subject_id.hex)

    class MailPreferencesSet(Action):
        """The initiator chose which kinds of mail about the initiative they do not want."""

        muted: list[str]

        def apply_to(self, initiative: Initiative) -> None:
            initiative.muted_mail = list(self.muted)

    class SupporterUpdatesStopped(Action):
        """A supporter no longer wants mail about the initiative (their support stays)."""

        subject_id: UUID

        def apply_to(self, initiative: Initiative) -> None:
            hex_id = self.subject_id.hex
            initiative.updates_for = [s for s in initiative.updates_for if s != hex_id]

    def __init__(
        self,
        title: str,
        description: str,
        themes: list[str],
        location: Location,
        initiator_kind: InitiatorKind,
        initiator: SealedPersonalData,
        consent_to_publish: bool,
        requested_support: str | None,
        tracking_code_hash: str,
        actor: Actor,
        channel: str,
        language: str,
        decision_days: int,
        moderation: Moderation,
        photos: list[PhotoRef],
    ) -> None:
        self.title = title
        self.description = description
        self.themes = list(themes)
        self.location = location
        self.initiator_kind = initiator_kind
        self.initiator = initiator
        self.consent_to_publish = consent_to_publish
        self.requested_support = requested_support
        self.tracking_code_hash = tracking_code_hash
        self.channel = channel
        self.status = Status.SUBMITTED
        self.lead_team: str | None = None
        self.involved_teams: list[str] = []
        self.handoff_pending = False
        self.handoff_since: datetime | None = None
        self.handoff_days = DEFAULT_ACCEPTANCE_DAYS
        self.routing: RoutingDecision | None = None
        self.priority = Priority.NORMAL
        self.assignee: str | None = None
        self.outcome: Outcome | None = None
        self.rationale: str | None = None
        self.decision_published = False
        self.merged_into: UUID | None = None
        self.supporter_ids: list[str] = []  # hex: see class_version 6
        self.updates_for: list[str] = []  # supporters (hex) who want the decision and completion
        self.muted_mail: list[str] = []  # kinds of mail the initiator turned off (MUTABLE_MAIL)
        self.rating: int | None = None  # how it went, by the initiator (1-5), once finished
        self.finished_on: datetime | None = None  # completed, or refused and published
        self.decision_from: datetime | None = None  # the decision clock's start if not created_on
        self.email_confirmed = False
        self.language = language
        self.decision_days = decision_days
        self.paused_since: datetime | None = None
        self.paused_days = 0  # working days the decision clock stood still
        self.missed: list[str] = []
        self.erased: list[UUID] = []  # subjects whose personal data was erased
        self.moderation = moderation
        self.public_title: str | None = None  # a redacted version (None: as written)
        self.public_description: str | None = None
        self.photos = list(photos)
        self.public_photos: list[int] | None = None  # those of a redacted version (None: all)

    def publish_text(
        self,
        moderation: Moderation,
        title: str | None,
        description: str | None,
        photos: list[int] | None = None,
    ) -> None:
        """Set where the public text stands (used by event handlers)."""
        self.moderation = moderation
        self.public_title, self.public_description = title, description
        self.public_photos = photos

    @property
    def shown_photos(self) -> list[int]:
        """The positions of the photos the public sees (none while the text is not public)."""
        if not self.moderation.is_public:
            return []
        if self.public_photos is None:
            return [p.position for p in self.photos]
        return list(self.public_photos)

    @property
    def public_text(self) -> tuple[str, str] | None:
        """The title and description the public sees (None: nothing is public)."""
        if not self.moderation.is_public:
            return None
        if self.public_title is not None and self.public_description is not None:
            return self.public_title, self.public_description
        return self.title, self.description

    # -- queries -------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def allowed_commands(self) -> list[str]:
        return workflow.allowed_commands(self.status)

    def possible_commands(self) -> list[str]:
        """The commands that would be accepted now: the status allows them and so does the state.

        Only the arguments (who acts, what they write) can still make one of these fail.
        """
        return [c for c in self.allowed_commands() if self._refusal(c) is None]

    def _refusal(self, command: str) -> InvariantViolation | None:
        """Why the state (beyond the status) refuses `command`, or None if it does not."""
        if command in ("accept_handoff", "decline_handoff") and not self.handoff_pending:
            return InvariantViolation("handoff", "there is no open hand-off to answer")
        if command == "decline_handoff" and self.lead_team == REGIE_TEAM:
            return InvariantViolation("team", "regie cannot decline: nothing may sit unowned")
        if command == "publish_decision" and self.decision_published:
            return InvariantViolation("decision", "the decision has already been published")
        if command == "start_execution" and self.outcome is Outcome.NOT_HONOURED:
            return InvariantViolation(
                "outcome", "an initiative that was not honoured is not executed"
            )
        if command == "complete" and self.status is Status.DECIDED:
            if self.outcome is not Outcome.NOT_HONOURED:
                return InvariantViolation(
                    "outcome", "a decision to honour is carried out before it is complete"
                )
            if not self.decision_published:
                return InvariantViolation(
                    "decision", "publish the decision before the initiative is closed"
                )
        if command in MODERATION and not self.consent_to_publish:
            return InvariantViolation("consent", "the initiator did not agree to publish")
        if command == "approve_public_text" and self.moderation is Moderation.APPROVED:
            return InvariantViolation("moderation", "the text is already public as written")
        if command == "hide_public_text" and self.moderation is Moderation.HIDDEN:
            return InvariantViolation("moderation", "the text is already hidden")
        if command == "confirm_email" and self.email_confirmed:
            return InvariantViolation("email", "the e-mail address is already confirmed")
        if command == "set_mail_preferences" and self.initiator.subject_id in self.erased:
            return InvariantViolation("mail", "the initiator's data was erased")
        if command in ("rate_outcome", "reopen") and self.finished_on is None:
            return InvariantViolation(
                "outcome", "only completed work, or a published refusal, can be rated or reopened"
            )
        if command == "rate_outcome" and self.rating is not None:
            return InvariantViolation("rating", "the initiator has already said how it went")
        return None

    def hand_off(self, lead_team: str, involved: list[str] | tuple[str, ...], at: datetime) -> None:
        """Make `lead_team` the owner, waiting for it to accept (used by event handlers)."""
        self.lead_team = lead_team
        self.involved_teams = [t for t in involved if t != lead_team]
        self.handoff_pending = True
        self.handoff_since = at

    @property
    def handoff_due(self) -> datetime | None:
        """When the lead team must have accepted or declined (None: no open hand-off)."""
        return deadlines.handoff_due(
            self.status, self.handoff_pending, self.handoff_since, self.handoff_days
        )

    @property
    def decision_due(self) -> datetime | None:
        """When the decision is due (None: decided, closed, or paused for the initiator)."""
        return deadlines.decision_due(
            self.status,
            self.outcome is not None,
            self.decision_from or self.created_on,
            self.decision_days,
            self.paused_days,
        )

    @property
    def next_deadline(self) -> tuple[datetime, str] | None:
        """The first running deadline and its kind (HANDOFF or DECISION), if any."""
        return deadlines.first(self.handoff_due, self.decision_due)

    def resume_clock(self, at: datetime) -> None:
        """End a pause of the decision clock (used by event handlers)."""
        assert self.paused_since is not None
        self.paused_days += deadlines.paused_days(self.paused_since, at)
        self.paused_since = None

    def missed_deadlines(self, now: datetime) -> list[tuple[str, datetime]]:
        """The deadlines that passed by `now` and were not recorded yet."""
        return deadlines.missed(self.handoff_due, self.decision_due, now, self.missed)

    # -- commands ------------------------------------------------------------------------------

    def _require(self, command: str) -> None:
        """Refuse an illegal command, then one the state refuses, before anything else."""
        workflow.next_status(command, self.status)
        refusal = self._refusal(command)
        if refusal is not None:
            raise refusal

    def _record(
        self,
        event_class: type[Initiative.Action],
        command: str,
        actor: Actor,
        at: datetime,
        reason: str | None,
        **fields: Any,
    ) -> None:
        status = workflow.next_status(command, self.status)
        reason = (reason or "").strip() or None
        if command in workflow.REASON_REQUIRED and reason is None:
            raise ReasonRequired(command)
        if reason is not None and actor.role is Role.INITIATOR:
            reason = self._free_text(reason)
        self.trigger_event(
            event_class, actor=actor, status=status, reason=reason, timestamp=at, **fields
        )

    def route(self, decision: RoutingDecision, actor: Actor, at: datetime) -> None:
        self._record(self.Routed, "route", actor, at, decision.explanation, decision=decision)

    def reroute(self, decision: RoutingDecision, actor: Actor, at: datetime, reason: str) -> None:
        self._record(self.Rerouted, "reroute", actor, at, reason, decision=decision)

    def change_details(
        self, actor: Actor, at: datetime, reason: str, themes: list[str], location: Location
    ) -> None:
        self._require("change_details")
        if not themes:
            raise InvariantViolation("themes", "choose at least one theme")
        if list(themes) == self.themes and location == self.location:
            raise NothingChanged()
        self._record(
            self.DetailsChanged,
            "change_details",
            actor,
            at,
            reason,
            themes=list(themes),
            location=location,
        )

    def accept_handoff(self, actor: Actor, at: datetime, reason: str | None = None) -> None:
        self._require("accept_handoff")
        self._check_handoff_team(actor)
        self._record(self.HandoffAccepted, "accept_handoff", actor, at, reason, team=actor.team)

    def decline_handoff(self, actor: Actor, at: datetime, reason: str) -> None:
        self._require("decline_handoff")
        self._check_handoff_team(actor)
        self._record(self.HandoffDeclined, "decline_handoff", actor, at, reason, team=actor.team)

    def request_info(self, actor: Actor, at: datetime, question: str) -> None:
        question = self._free_text(_required_text("question", question))
        self._record(self.InformationRequested, "request_info", actor, at, None, question=question)

    def provide_info(self, actor: Actor, at: datetime, answer: str) -> None:
        answer = self._free_text(_required_text("answer", answer))
        self._record(self.InformationProvided, "provide_info", actor, at, None, answer=answer)

    def forward(
        self,
        actor: Actor,
        at: datetime,
        to_team: str,
        reason: str,
        involved_teams: list[str] | None = None,
    ) -> None:
        self._require("forward")
        if to_team == self.lead_team:
            raise InvariantViolation("to_team", f"'{to_team}' already leads this initiative")
        involved = list(involved_teams or [])
        self._record(
            self.Forwarded, "forward", actor, at, reason, to_team=to_team, involved_teams=involved
        )

    def escalate(self, actor: Actor, at: datetime, reason: str) -> None:
        self._record(self.Escalated, "escalate", actor, at, reason, from_team=self.lead_team)

    def set_priority(self, actor: Actor, at: datetime, priority: Priority, reason: str) -> None:
        self._record(self.PrioritySet, "set_priority", actor, at, reason, priority=priority)

    def assign(self, actor: Actor, at: datetime, assignee: str | None) -> None:
        self._record(self.Assigned, "assign", actor, at, None, assignee=assignee)

    def add_internal_note(self, actor: Actor, at: datetime, note: str) -> None:
        note = self._free_text(_required_text("note", note))
        self._record(self.InternalNoteAdded, "add_internal_note", actor, at, None, note=note)

    def post_public_update(self, actor: Actor, at: datetime, message: str) -> None:
        message = _required_text("message", message)
        self._record(
            self.PublicUpdatePosted, "post_public_update", actor, at, None, message=message
        )

    def decide(
        self, actor: Actor, at: datetime, outcome: Outcome, rationale: str, reason: str
    ) -> None:
        rationale = _required_text("rationale", rationale)
        self._record(
            self.Decided, "decide", actor, at, reason, outcome=outcome, rationale=rationale
        )

    def publish_decision(self, actor: Actor, at: datetime) -> None:
        self._require("publish_decision")
        self._record(
            self.DecisionPublished,
            "publish_decision",
            actor,
            at,
            None,
            rationale=self.rationale or "",
        )

    def start_execution(self, actor: Actor, at: datetime, reason: str | None = None) -> None:
        self._require("start_execution")
        self._record(self.ExecutionStarted, "start_execution", actor, at, reason)

    def complete(self, actor: Actor, at: datetime, reason: str | None = None) -> None:
        self._require("complete")
        self._record(self.Completed, "complete", actor, at, reason)

    def withdraw(self, actor: Actor, at: datetime, reason: str | None = None) -> None:
        self._record(self.Withdrawn, "withdraw", actor, at, reason)

    def merge(self, actor: Actor, at: datetime, into: UUID, reason: str) -> None:
        self._require("merge")
        if into == self.id:
            raise MergeIntoItself()
        self._record(self.Merged, "merge", actor, at, reason, into=into)

    def rate_outcome(
        self, actor: Actor, at: datetime, score: int, comment: str | None = None
    ) -> None:
        """The initiator's satisfaction once the work is finished: 1 to 5, and a comment."""
        self._require("rate_outcome")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvariantViolation("score", "a whole number from 1 to 5")
        text = (comment or "").strip()
        self._record(
            self.OutcomeRated,
            "rate_outcome",
            actor,
            at,
            None,
            score=score,
            comment=self._free_text(text) if text else None,
        )

    def reopen(self, actor: Actor, at: datetime, reason: str, within_days: int) -> None:
        """Take the work up again at the initiator's request, within `within_days` calendar
        days of its finish: back to the lead team, with a new hand-off to accept."""
        self._require("reopen")
        assert self.finished_on is not None
        if at > self.finished_on + timedelta(days=within_days):
            raise InvariantViolation(
                "reopen", f"reopening is possible up to {within_days} days after the finish"
            )
        self._record(self.Reopened, "reopen", actor, at, reason)

    def confirm_email(self, actor: Actor, at: datetime) -> None:
        self._require("confirm_email")
        self._record(self.EmailConfirmed, "confirm_email", actor, at, None)

    def record_missed_deadline(
        self, actor: Actor, at: datetime, deadline: str, due: datetime
    ) -> None:
        self._require("record_missed_deadline")
        if (deadline, due) not in self.missed_deadlines(at):
            raise InvariantViolation("deadline", f"no unrecorded {deadline} deadline due {due}")
        self._record(
            self.DeadlineMissed,
            "record_missed_deadline",
            actor,
            at,
            None,
            deadline=deadline,
            due=due,
            team=self.lead_team,
        )

    @property
    def supporters(self) -> list[UUID]:
        """The supporters' subject ids, in the order they came."""
        return [UUID(s) for s in self.supporter_ids]

    def subjects(self) -> dict[UUID, str]:
        """Every data subject of this initiative: subject id → initiator or supporter."""
        found = {self.initiator.subject_id: INITIATOR}
        found.update((s, SUPPORTER) for s in self.supporters)
        return found

    def erase_personal_data(
        self, actor: Actor, at: datetime, subject_id: UUID, reason: str
    ) -> None:
        self._require("erase_personal_data")
        subject = self.subjects().get(subject_id)
        if subject is None:
            raise InvariantViolation("subject", f"{subject_id} is no subject of this initiative")
        if subject_id in self.erased:
            raise InvariantViolation("subject", f"{subject_id} is already erased")
        self._record(
            self.PersonalDataErased,
            "erase_personal_data",
            actor,
            at,
            reason,
            subject_id=subject_id,
            subject=subject,
        )

    def approve_public_text(self, actor: Actor, at: datetime) -> None:
        self._require("approve_public_text")
        self._record(self.PublicTextApproved, "approve_public_text", actor, at, None)

    def redact_public_text(
        self,
        actor: Actor,
        at: datetime,
        title: str,
        description: str,
        reason: str,
        photos: list[int] | None = None,
    ) -> None:
        """Publish an edited version; `photos`: the positions that stay public (None: all)."""
        self._require("redact_public_text")
        title = _required_text("title", title)
        description = _required_text("description", description)
        known = [p.position for p in self.photos]
        shown = known if photos is None else sorted(set(photos))
        if not set(shown) <= set(known):
            raise InvariantViolation("photos", f"no such photo: {sorted(set(shown) - set(known))}")
        if self.public_text == (title, description) and self.shown_photos == shown:
            raise NothingChanged("title")
        self._record(
            self.PublicTextRedacted,
            "redact_public_text",
            actor,
            at,
            reason,
            title=self._free_text(title),
            description=self._free_text(description),
            photos=shown,
        )

    def hide_public_text(self, actor: Actor, at: datetime, reason: str) -> None:
        self._require("hide_public_text")
        self._record(self.PublicTextHidden, "hide_public_text", actor, at, reason)

    def support(
        self,
        actor: Actor,
        at: datetime,
        supporter: SealedPersonalData,
        updates: bool = False,
        language: str = "nl",
        reason: str | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise InvariantViolation("language", f"not one of {', '.join(LANGUAGES)}")
        self._record(
            self.Supported,
            "support",
            actor,
            at,
            reason,
            supporter=supporter,
            updates=updates,
            language=language,
        )

    def set_mail_preferences(self, actor: Actor, at: datetime, muted: list[str]) -> None:
        """Turn off the kinds of mail in `muted` (and on every other one the initiator may turn
        off); a choice that changes nothing is refused, so no empty event is stored."""
        self._require("set_mail_preferences")
        unknown = sorted(set(muted) - set(MUTABLE_MAIL))
        if unknown:
            raise InvariantViolation("muted", f"not a kind of mail one can turn off: {unknown}")
        chosen = [kind for kind in MUTABLE_MAIL if kind in muted]  # one order, no repeats
        if chosen == [kind for kind in MUTABLE_MAIL if kind in self.muted_mail]:
            raise InvariantViolation("muted", "these are the preferences already")
        self._record(self.MailPreferencesSet, "set_mail_preferences", actor, at, None, muted=chosen)

    def stop_supporter_updates(self, actor: Actor, at: datetime, subject_id: UUID) -> None:
        """A supporter who asked for mail about the outcome no longer wants it."""
        self._require("stop_supporter_updates")
        if subject_id.hex not in self.updates_for:
            raise InvariantViolation("supporter", "this supporter gets no mail about it")
        self._record(
            self.SupporterUpdatesStopped,
            "stop_supporter_updates",
            actor,
            at,
            None,
            subject_id=subject_id,
        )

    def _free_text(self, text: str) -> FreeText:
        """`text` as free text of the initiator, sealed under their key when stored.

        Once their data is erased nothing can be written under it any more: refused.
        """
        subject = self.initiator.subject_id
        if subject in self.erased:
            raise InvariantViolation(
                "text", "the initiator's data was erased: no text can be kept for them"
            )
        return FreeText(text, subject)

    def _check_handoff_team(self, actor: Actor) -> None:
        if actor.team != self.lead_team:
            raise InvariantViolation(
                "team", f"only the lead team '{self.lead_team}' can answer this hand-off"
            )


MODERATION = ("approve_public_text", "redact_public_text", "hide_public_text")


def _published_at_once(consent: bool) -> Moderation:
    return Moderation.APPROVED if consent else Moderation.NONE


def _legacy(value: Any, subject: UUID | None) -> Any:
    """Text stored in clear by an older version, marked so (see FreeText)."""
    if isinstance(value, str) and not isinstance(value, FreeText):
        return FreeText(value, subject, legacy=True)
    return value


def _subject_of(actor: Actor) -> UUID | None:
    """The subject id of an initiator who acted (None: staff or the system acted)."""
    if actor.role is Role.INITIATOR and actor.id.startswith("subject:"):
        return UUID(hex=actor.id.removeprefix("subject:"))
    return None


def _required_text(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvariantViolation(field, "must not be empty")
    return value
