"""The marshmallow schemas of the JSON API: what each operation takes and answers (the OpenAPI
document is generated from them)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from participatie.application.schemas import N_, EmailSchema, SubmissionSchema, Text
from participatie.domain.values import Priority
from participatie.views import queries
from web.context import platform


def _known_theme(code: str) -> None:
    """A theme of the current list, retired ones included (older work still has them)."""
    if code not in platform().theme_list().codes:
        raise ValidationError(N_("Kies een thema uit de lijst."))


class ApiSubmissionSchema(SubmissionSchema):
    """The submission, checked against the current area map and themes of the platform."""

    photos = fields.List(
        fields.String(),
        load_default=list,
        metadata={
            "description": "Photos, each as base64 (JPEG, PNG or WebP; the number and sizes"
            " PARTICIPATIE_MAX_PHOTOS and PARTICIPATIE_PHOTO_MEGABYTES allow). Their metadata"
            " is removed; the public sees them only once a moderator approved them."
        },
    )

    def __init__(self, **kwargs: Any) -> None:
        Schema.__init__(self, **kwargs)

    @property
    def area_index(self) -> Any:  # type: ignore[override]
        return platform().area_index()

    @property
    def theme_codes(self) -> Any:  # type: ignore[override]
        return platform().theme_list().active_codes

    @pre_load
    def strip_texts(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: v.strip() if isinstance(v, str) and k in ("title", "description") else v
                for k, v in data.items()
            }
        return data


class SubmittedSchema(Schema):
    id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)


class TrackingRequestSchema(Schema):
    tracking_code = Text(
        required=True, validate=validate.Length(min=1, max=100, error=N_("Vul de volgcode in."))
    )


class StatusSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    lead_team = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    open_question = fields.String(allow_none=True)
    version = fields.Integer(required=True)


class SupportSchema(EmailSchema):
    updates = fields.Boolean(
        load_default=False,
        metadata={"description": "Mail the decision and the completion to this address."},
    )


class SupportAcceptedSchema(Schema):
    message = fields.String(required=True)


class ThemeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)


class AreaSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent = fields.String(allow_none=True)


class TeamSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    areas = fields.List(fields.String(), required=True)


class QueueArgsSchema(Schema):
    status = Text(validate=validate.OneOf(queries.OPEN_STATUSES))
    theme = Text(validate=lambda code: _known_theme(code))
    area = Text(validate=validate.Length(min=1, max=20))
    challenge = Text(validate=validate.Length(min=1, max=63))
    priority = Text(validate=validate.OneOf([p.value for p in Priority]))
    overdue = fields.Boolean()
    mine = fields.Boolean()
    role = Text(
        validate=validate.OneOf(queries.queue.ROLES),
        metadata={"description": "`lead`: work the team leads; `involved`: only involved in."},
    )
    sort = Text(
        validate=validate.OneOf(list(queries.SORTS)),
        load_default="submitted",
        metadata={
            "description": "`challenge_order`: the place regie gave the initiative's challenge in"
            " the nearest area up its chain with a decided order, ranked work first."
        },
    )
    after = Text(validate=validate.Length(max=500))
    limit = fields.Integer(validate=validate.Range(min=1, max=200), load_default=25)


class QueueItemSchema(Schema):
    initiative_id = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    priority = fields.String(required=True)
    themes = fields.List(fields.String(), required=True)
    area_code = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    submitted_at = fields.DateTime(required=True)
    last_activity = fields.DateTime(required=True)
    deadline = fields.DateTime(allow_none=True)
    deadline_kind = fields.String(
        allow_none=True,
        validate=validate.OneOf(["handoff", "decision"]),
        metadata={"description": "Which deadline `deadline` is: the hand-off's or the decision's."},
    )
    overdue = fields.Boolean(required=True)
    age_days = fields.Integer(required=True)
    version = fields.Integer(required=True)
    challenge = fields.String(allow_none=True)
    lead_team = fields.String(allow_none=True)
    involved_teams = fields.List(fields.String())


class QueuePageSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema), required=True)
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer(required=True)
    total_is_exact = fields.Boolean(required=True)


class HistoryEntrySchema(Schema):
    version = fields.Integer(required=True)
    at = fields.String(required=True)
    event = fields.String(required=True)
    actor = fields.String(required=True)
    role = fields.String(required=True)
    team = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict(required=True)


class CaseSchema(Schema):
    """An initiative as its team sees it (no personal data)."""

    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    text_erased = fields.Boolean(
        required=True,
        metadata={"description": "The initiator was erased: title and description are empty."},
    )
    status = fields.String(required=True)
    themes = fields.List(fields.String(), required=True)
    area_code = fields.String(required=True)
    lead_team = fields.String(allow_none=True)
    involved_teams = fields.List(fields.String(), required=True)
    handoff_pending = fields.Boolean(required=True)
    priority = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    decision_published = fields.Boolean(required=True)
    actions = fields.List(fields.String(), required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class ActionSchema(Schema):
    """Every workflow action: `version` is the version the caller saw; the rest per action."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = Text(multiline=True, allow_none=True)
    assignee = Text(allow_none=True)
    priority = Text(validate=validate.OneOf([p.value for p in Priority]))
    note = Text(multiline=True)
    message = Text(multiline=True)
    question = Text(multiline=True)
    to_team = Text()
    involved_teams = fields.List(Text())
    outcome = Text(validate=validate.OneOf(["honoured", "partly_honoured", "not_honoured"]))
    rationale = Text(multiline=True)
    into = fields.UUID()
    themes = fields.List(Text())  # the current list is checked when the change is made
    area_code = Text(allow_none=True)


class ActedSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)


class AsOfArgsSchema(Schema):
    at = fields.AwareDateTime(required=True, default_timezone=None)


class StateSchema(Schema):
    title = fields.String(required=True)
    status = fields.String(required=True)
    themes = fields.List(fields.String(), required=True)
    lead_team = fields.String(allow_none=True)
    involved_teams = fields.List(fields.String(), required=True)
    handoff_pending = fields.Boolean(required=True)
    priority = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    decision_published = fields.Boolean(required=True)
    merged_into = fields.String(allow_none=True)
    email_confirmed = fields.Boolean(required=True)
    area_code = fields.String(required=True)
    version = fields.Integer(required=True)
    as_of = fields.String(required=True)
    last_event_at = fields.String(required=True)


class VerifySchema(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True)
    unsealed = fields.Integer(required=True)
    position = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)
    checkpoint = fields.Integer(allow_none=True)


# -- area steering -------------------------------------------------------------------------------


class SteeringArgsSchema(Schema):
    period = Text(validate=validate.Length(min=4, max=9))


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class MatrixCellSchema(Schema):
    area = fields.String(required=True)
    challenge = fields.String(required=True)
    lands = fields.Boolean(required=True)
    open = fields.Integer(required=True)
    band = fields.String(required=True, metadata={"description": "none, low, medium or high"})


class MatrixSchema(Schema):
    areas = fields.List(fields.Nested(CodeNameSchema), required=True)
    challenges = fields.List(fields.Nested(CodeNameSchema), required=True)
    cells = fields.List(fields.Nested(MatrixCellSchema), required=True)


class PrioritySchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    result = fields.String(required=True)
    indicators = fields.List(fields.String(), required=True)
    team = fields.String(required=True)
    challenges = fields.List(fields.String(), required=True)
    buurten = fields.List(fields.String(), required=True)


class AgendaVersionSchema(Schema):
    number = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "draft, adopted, superseded"})
    priorities = fields.List(fields.Nested(PrioritySchema), required=True)
    changed_at = fields.DateTime(required=True)
    changed_by = fields.String(required=True)
    reason = fields.String(required=True)
    adopted_at = fields.DateTime(allow_none=True)
    adopted_by = fields.String(allow_none=True)


class AgendaLinkSchema(Schema):
    initiative_id = fields.UUID(required=True)
    priority = fields.String(required=True)
    reason = fields.String(required=True)
    by = fields.String(required=True)
    at = fields.DateTime(required=True)
    suggested = fields.Boolean(required=True)


class AgendaSchema(Schema):
    area = fields.String(required=True)
    period = fields.String(required=True)
    version = fields.Integer(required=True)
    versions = fields.List(fields.Nested(AgendaVersionSchema), required=True)
    links = fields.List(fields.Nested(AgendaLinkSchema), required=True)


class ChallengeOrderSchema(Schema):
    challenges = fields.List(fields.String(), required=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.String(allow_none=True)
    reason = fields.String(required=True)
    version = fields.Integer(required=True)


class StackedChallengeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    rank = fields.Integer(allow_none=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    oldest_days = fields.Float(allow_none=True)
    total = fields.Integer(required=True)


class AreaFiguresSchema(Schema):
    total = fields.Integer(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    median_days_to_decision = fields.Float(allow_none=True)
    sub_areas = fields.Dict(keys=fields.String(), values=fields.Integer())


class QuarterSchema(Schema):
    quarter = fields.String(required=True)
    submitted = fields.Integer(required=True)
    decided = fields.Dict(keys=fields.String(), values=fields.Integer())
    median_days_to_decision = fields.Float(allow_none=True)
    overdue = fields.Integer(required=True)


class AreaSteeringSchema(Schema):
    area = fields.String(required=True)
    period = fields.String(required=True)
    agenda = fields.Nested(AgendaSchema, allow_none=True)
    order = fields.Nested(ChallengeOrderSchema, allow_none=True)
    challenges = fields.List(fields.Nested(StackedChallengeSchema), required=True)
    figures = fields.Nested(AreaFiguresSchema, required=True)
    pc = fields.List(fields.Nested(QuarterSchema), required=True)


class ChallengeAcrossSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    focus_areas = fields.List(fields.String(), required=True)
    total = fields.Integer(required=True)
    open = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_area = fields.Dict(keys=fields.String(), values=fields.Integer())
    median_days_to_decision = fields.Float(allow_none=True)
