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
    pass


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
    priority = Text(validate=validate.OneOf([p.value for p in Priority]))
    overdue = fields.Boolean()
    mine = fields.Boolean()
    sort = Text(validate=validate.OneOf(list(queries.SORTS)), load_default="submitted")
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
