"""The staff workflow actions: their input schema and how each one is carried out.

The staff pages and the API share this module, so an action means the same everywhere. Each
action validates its input (marshmallow, per field), then runs one command on the application
with the version the user saw: a stale version raises ConcurrencyConflict and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate

from participatie.application.schemas import N_, REQUIRED, Text, _messages, _string
from participatie.domain.commands import (
    AcceptHandoff,
    AddInternalNote,
    ApprovePublicText,
    Assign,
    Command,
    Complete,
    Decide,
    DeclineHandoff,
    Escalate,
    Forward,
    HidePublicText,
    Merge,
    PostPublicUpdate,
    PublishDecision,
    RedactPublicText,
    RequestInfo,
    SetPriority,
    StartExecution,
)
from participatie.domain.errors import (
    CapacityOutOfRange,
    InvalidChoice,
    MergeIntoItself,
    MergeTargetClosed,
    NoCapacity,
    NotATeamMember,
    NotFound,
    NothingChanged,
    ReasonRequired,
    UnknownInitiative,
    UnknownTeam,
    UnknownTheme,
)
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, Outcome, Priority

REASON = N_("Geef een reden (hoogstens 2000 tekens).")


def _reason(required: bool) -> Text:
    return _string(required, 1 if required else 0, 2000, REASON, multiline=True)


def _text(message: str) -> Text:
    return _string(True, 1, 5000, message, multiline=True)


def _choice(values: list[str], message: str) -> Text:
    return Text(
        required=True,
        validate=validate.OneOf(values, error=message),
        error_messages=_messages(),
    )


class ReasonOptional(Schema):
    reason = _reason(False)


class ReasonRequiredSchema(Schema):
    reason = _reason(True)


class AssignSchema(Schema):
    assignee = Text(load_default=None, error_messages=_messages())


class PrioritySchema(ReasonRequiredSchema):
    priority = _choice([p.value for p in Priority], N_("Kies een prioriteit uit de lijst."))


class NoteSchema(Schema):
    note = _text(N_("Schrijf een notitie (hoogstens 5000 tekens)."))


class UpdateSchema(Schema):
    message = _text(N_("Schrijf een bericht (hoogstens 5000 tekens)."))


class QuestionSchema(Schema):
    question = _text(N_("Schrijf een vraag (hoogstens 5000 tekens)."))


class ForwardSchema(ReasonRequiredSchema):
    to_team = Text(required=True, error_messages=_messages())
    involved_teams = fields.List(Text(error_messages=_messages()), load_default=list)


class DecideSchema(ReasonRequiredSchema):
    outcome = _choice([o.value for o in Outcome], N_("Kies een besluit uit de lijst."))
    rationale = _text(N_("Schrijf de onderbouwing voor de indiener (hoogstens 5000 tekens)."))


class MergeSchema(ReasonRequiredSchema):
    into = fields.UUID(
        required=True,
        error_messages=_messages(invalid=N_("Geef het nummer (id) van een initiatief.")),
    )


class DetailsSchema(ReasonRequiredSchema):
    themes = fields.List(
        Text(),  # the current list's active themes (and those it had) are checked on change
        required=True,
        validate=validate.Length(min=1, max=5, error=N_("Kies 1 tot 5 thema's.")),
        error_messages=_messages(),
    )
    area_code = Text(load_default=None, error_messages=_messages())


class Empty(Schema):
    pass


Performer = Callable[[Any, UUID, dict[str, Any], Actor, int | None], Any]


def _command(build: Callable[[dict[str, Any]], Command]) -> Performer:
    """Carry out the command `build` makes of the validated input."""

    def perform(
        app: Any, iid: UUID, data: dict[str, Any], actor: Actor, version: int | None
    ) -> Any:
        return app.act(iid, build(data), actor=actor, expected_version=version)

    return perform


def _forward(app: Any, iid: UUID, data: dict[str, Any], actor: Actor, version: int | None) -> Any:
    teams = {t.code for t in app.teams()}
    if data["to_team"] not in teams:
        raise UnknownTeam("to_team")
    involved = tuple(data.get("involved_teams") or ())
    if any(t not in teams for t in involved):
        raise UnknownTeam("involved_teams")
    command = Forward(data["to_team"], data["reason"], involved)
    return app.act(iid, command, actor=actor, expected_version=version)


def _merge(app: Any, iid: UUID, data: dict[str, Any], actor: Actor, version: int | None) -> Any:
    try:
        target = app.get_initiative(data["into"])
    except NotFound:
        raise UnknownInitiative("into") from None
    if not target.is_open:
        raise MergeTargetClosed()
    command = Merge(data["into"], data["reason"])
    return app.act(iid, command, actor=actor, expected_version=version)


def _reroute(app: Any, iid: UUID, data: dict[str, Any], actor: Actor, version: int | None) -> Any:
    return app.reroute_initiative(iid, actor=actor, reason=data["reason"], expected_version=version)


def _details(app: Any, iid: UUID, data: dict[str, Any], actor: Actor, version: int | None) -> Any:
    location = {"area_code": data["area_code"]} if data.get("area_code") else None
    return app.change_details(
        iid,
        actor=actor,
        reason=data["reason"],
        themes=data["themes"],
        location=location,
        expected_version=version,
    )


ACTION_TABLE: dict[str, tuple[type[Schema], Performer]] = {
    "accept_handoff": (ReasonOptional, _command(lambda d: AcceptHandoff(d.get("reason")))),
    "decline_handoff": (ReasonRequiredSchema, _command(lambda d: DeclineHandoff(d["reason"]))),
    "assign": (AssignSchema, _command(lambda d: Assign(d.get("assignee")))),
    "set_priority": (
        PrioritySchema,
        _command(lambda d: SetPriority(Priority(d["priority"]), d["reason"])),
    ),
    "add_internal_note": (NoteSchema, _command(lambda d: AddInternalNote(d["note"]))),
    "post_public_update": (UpdateSchema, _command(lambda d: PostPublicUpdate(d["message"]))),
    "request_info": (QuestionSchema, _command(lambda d: RequestInfo(d["question"]))),
    "forward": (ForwardSchema, _forward),
    "escalate": (ReasonRequiredSchema, _command(lambda d: Escalate(d["reason"]))),
    "decide": (
        DecideSchema,
        _command(lambda d: Decide(Outcome(d["outcome"]), d["rationale"], d["reason"])),
    ),
    "publish_decision": (Empty, _command(lambda d: PublishDecision())),
    "start_execution": (ReasonOptional, _command(lambda d: StartExecution(d.get("reason")))),
    "complete": (ReasonOptional, _command(lambda d: Complete(d.get("reason")))),
    "merge": (MergeSchema, _merge),
    "reroute": (ReasonRequiredSchema, _reroute),
    "change_details": (DetailsSchema, _details),
}


class RedactSchema(ReasonRequiredSchema):
    """A moderator's public version of the initiator's text (the submission's limits)."""

    title = _string(True, 5, 150, N_("Geef een titel van 5 tot 150 tekens."))
    description = _string(
        True, 20, 5000, N_("Geef een beschrijving van 20 tot 5000 tekens."), multiline=True
    )
    photos = fields.List(
        fields.Integer(strict=False, error_messages=_messages(invalid=N_("Kies een foto."))),
        load_default=None,
        error_messages=_messages(invalid=N_("Kies een foto.")),
    )


# What a moderator does with the public text (participatie.staff.access.moderates says who).
MODERATION_TABLE: dict[str, tuple[type[Schema], Performer]] = {
    "approve_public_text": (Empty, _command(lambda d: ApprovePublicText())),
    "redact_public_text": (
        RedactSchema,
        _command(
            lambda d: RedactPublicText(
                d["title"],
                d["description"],
                d["reason"],
                None if d["photos"] is None else tuple(d["photos"]),
            )
        ),
    ),
    "hide_public_text": (ReasonRequiredSchema, _command(lambda d: HidePublicText(d["reason"]))),
}


# Actions whose outcome does not depend on the state the person saw: two internal notes from
# two tabs do not conflict, so neither is refused as stale (the state still has to allow it).
VERSION_FREE = frozenset({"add_internal_note"})


class ActionInvalid(ValueError):
    """The input of an action is wrong; `errors` maps field → messages (Dutch, untranslated)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


# The refusals a person can correct → the Dutch message on the field (by type, never by text).
CHOICE_MESSAGES: dict[type[InvalidChoice], str] = {
    UnknownTeam: N_("Kies een team uit de lijst."),
    UnknownInitiative: N_("Er is geen initiatief met dit nummer."),
    MergeTargetClosed: N_("Dat initiatief is al afgesloten."),
    MergeIntoItself: N_("Een initiatief kan niet met zichzelf worden samengevoegd."),
    NothingChanged: N_("Er is niets veranderd."),
    NotATeamMember: N_("Kies iemand uit het team."),
    UnknownTheme: N_("Kies een thema uit de lijst."),
    NoCapacity: N_("Geef het aantal zaken, de uren per week, of allebei."),
    CapacityOutOfRange: N_("Geef een geheel getal van 0 tot en met 10000."),
}
FORM_FIELDS = {"details": "themes"}  # a refusal of the whole form shows on its first field
GENERAL = N_("Deze actie kan nu niet: het initiatief is intussen veranderd of al afgehandeld.")


def _visible(app: Any, initiative_id: UUID, sees: Callable[[Initiative], bool]) -> bool:
    try:
        found: Initiative = app.get_initiative(initiative_id)
    except NotFound:
        return False
    return sees(found)


def perform(
    app: Any,
    initiative_id: UUID,
    action: str,
    raw: dict[str, Any],
    actor: Actor,
    expected_version: int | None,
    members: Callable[[str], bool] | None = None,
    sees: Callable[[Initiative], bool] | None = None,
    table: dict[str, tuple[type[Schema], Performer]] = ACTION_TABLE,
) -> Any:
    """Validate `raw` for `action` and carry it out; raise ActionInvalid with field errors.

    ConcurrencyConflict (a stale version), IllegalTransition and the other InvariantViolations
    (the state refuses it) pass through to the caller.
    `members(username)` says whether an assignee belongs to the acting team; `sees(initiative)`
    whether the person acting may see an initiative: one it may not see is, as a merge target,
    answered as an unknown number (whether it exists, or is closed, is not theirs to learn).
    The moderation pages pass `table=MODERATION_TABLE` (their own actions, their own check).
    """
    if action not in table:
        raise ActionInvalid({"action": [N_("Onbekende actie.")]})
    schema_class, performer = table[action]
    try:
        data: dict[str, Any] = schema_class().load(raw)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        raise ActionInvalid(
            {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()}
        ) from None
    if action == "assign":
        assignee = (data.get("assignee") or "").strip() or None
        data["assignee"] = assignee
        if assignee is not None and members is not None and not members(assignee):
            raise invalid(NotATeamMember("assignee"))
    if action == "merge" and sees is not None and not _visible(app, data["into"], sees):
        raise invalid(UnknownInitiative("into"))
    if action in VERSION_FREE:
        expected_version = None  # the outcome does not depend on the state the person saw
    try:
        return performer(app, initiative_id, data, actor, expected_version)
    except ReasonRequired:
        raise ActionInvalid({"reason": [REQUIRED]}) from None
    except InvalidChoice as error:
        raise invalid(error) from None


def invalid(error: InvalidChoice) -> ActionInvalid:
    """The field error a person sees for a refusal they can correct."""
    field = FORM_FIELDS.get(error.field, error.field)
    return ActionInvalid({field: [CHOICE_MESSAGES[type(error)]]})
