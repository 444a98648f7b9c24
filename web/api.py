"""The JSON API under /api/v1 (flask-smorest): described by an OpenAPI 3 document generated
from the marshmallow schemas at /api/v1/openapi.json, with a docs page at /api/v1/docs.

Public: submit, status by tracking code, support; areas, themes and teams. Staff: bearer tokens
(`participatie staff token`) scoped exactly like the pages (participatie.staff.access), the team
queue and every workflow action (participatie.application.actions) with the version for optimistic
concurrency.
Audit: history, state as of a moment, verify. Bad input gets 422 with field-level messages; a
stale version 409 with the current state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

from flask import current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, pre_load, validate

from participatie.application.actions import perform
from participatie.application.progress import progress_of
from participatie.application.schemas import N_, EmailSchema, SubmissionSchema
from participatie.audit.chain import CheckpointInvalid, signing_key, verify
from participatie.audit.history import describe, plain
from participatie.audit.timetravel import initiative_as_of
from participatie.domain.errors import (
    NotFound,
)
from participatie.domain.staff import StaffAccount
from participatie.domain.values import THEMES, Actor, AreaLevel, Priority
from participatie.notifications.mail import MailError
from participatie.staff import access
from participatie.views import queries
from web.context import container, platform
from web.i18n import accepted_language

PREFIX = "/api/v1"
public = Blueprint("api_public", __name__, url_prefix=PREFIX, description="Openbaar")
work = Blueprint("api_staff", __name__, url_prefix=PREFIX, description="Medewerkers")
auditing = Blueprint("api_audit", __name__, url_prefix=PREFIX + "/audit", description="Audit")
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def init_app(app: Any) -> None:
    app.config.update(
        API_TITLE="Participatie",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "pt_…"}
                }
            },
            "info": {"description": "Participatie: initiatieven, routering, triage en audit."},
        },
    )
    api = Api(app)  # one per app: its OpenAPI document belongs to that app
    for blueprint in (public, work, auditing):
        api.register_blueprint(blueprint)
    app.extensions["participatie_api"] = api
    app.add_url_rule(PREFIX + "/docs", "api_docs", docs)


def fail(code: int, **kwargs: Any) -> NoReturn:
    """Stop with an error answer in the API's JSON error format."""
    abort(code, **kwargs)
    raise AssertionError("unreachable")


# -- schemas -------------------------------------------------------------------------------------


class ApiSubmissionSchema(SubmissionSchema):
    """The submission, checked against the current area map of the running platform."""

    def __init__(self, **kwargs: Any) -> None:
        Schema.__init__(self, **kwargs)

    @property
    def area_index(self) -> Any:  # type: ignore[override]
        return platform().area_index()

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
    tracking_code = fields.String(
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
    status = fields.String(validate=validate.OneOf(queries.OPEN_STATUSES))
    theme = fields.String(validate=validate.OneOf(THEMES))
    area = fields.String(validate=validate.Length(min=1, max=20))
    priority = fields.String(validate=validate.OneOf([p.value for p in Priority]))
    overdue = fields.Boolean()
    mine = fields.Boolean()
    sort = fields.String(validate=validate.OneOf(list(queries.SORTS)), load_default="submitted")
    after = fields.String(validate=validate.Length(max=500))
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
    reason = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    priority = fields.String(validate=validate.OneOf([p.value for p in Priority]))
    note = fields.String()
    message = fields.String()
    question = fields.String()
    to_team = fields.String()
    involved_teams = fields.List(fields.String())
    outcome = fields.String(
        validate=validate.OneOf(["honoured", "partly_honoured", "not_honoured"])
    )
    rationale = fields.String()
    into = fields.UUID()
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)))
    area_code = fields.String(allow_none=True)


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


# -- public --------------------------------------------------------------------------------------


@public.route("/themes")
@public.response(200, ThemeSchema(many=True))
def themes() -> Any:
    """The controlled list of themes."""
    from web.i18n import THEMES as LABELS

    return [{"code": code, "name": str(LABELS.get(code, code))} for code in THEMES]


@public.route("/areas")
@public.response(200, AreaSchema(many=True))
def areas() -> Any:
    """Every area of the current map: municipality, wijken and buurten."""
    index = platform().area_index()
    return [
        {"code": a.code, "name": a.name, "level": a.level.value, "parent": a.parent}
        for a in sorted(
            index.areas.values(), key=lambda a: (a.level is not AreaLevel.MUNICIPALITY, a.code)
        )
    ]


@public.route("/teams")
@public.response(200, TeamSchema(many=True))
def teams() -> Any:
    """Area teams, challenge teams, line departments and the regie team."""
    return [
        {"code": t.code, "name": t.name, "kind": t.kind.value, "areas": list(t.areas)}
        for t in platform().teams()
    ]


@public.route("/initiatives", methods=["POST"])
@public.arguments(ApiSubmissionSchema())  # one instance, not one per request
@public.response(201, SubmittedSchema)
@public.alt_response(429, description="Too many submissions from this address; try later.")
def submit(data: dict[str, Any]) -> Any:
    """Submit an initiative; the answer holds the secret tracking code (shown once)."""
    result = platform().submit({**data, "language": accepted_language()}, channel="api")
    return {"id": result.initiative_id, "tracking_code": result.tracking_code}


@public.route("/tracking", methods=["POST"])
@public.arguments(TrackingRequestSchema)
@public.response(200, StatusSchema)
@public.alt_response(404, description="No initiative has this tracking code.")
def tracking(data: dict[str, str]) -> Any:
    """The status of an initiative by its tracking code (in the body, so it stays out of logs)."""
    initiative_id = platform().find_by_tracking_code(data["tracking_code"].strip().upper())
    if initiative_id is None:
        fail(404, message="Onbekende volgcode.")
    progress = progress_of(platform(), initiative_id)
    question = progress.open_question
    return {
        "id": initiative_id,
        "title": progress.title,
        "status": progress.status,
        "lead_team": progress.lead_team,
        "outcome": progress.outcome,
        "rationale": progress.rationale,
        "open_question": question.question if question else None,
        "version": progress.version,
    }


@public.route("/initiatives/<uuid:initiative_id>/support", methods=["POST"])
@public.arguments(SupportSchema)
@public.response(202, SupportAcceptedSchema)
@public.alt_response(429, description="Too many requests from this address; try later.")
@public.alt_response(404, description="No public initiative with this id.")
@public.alt_response(503, description="The e-mail could not be sent now; try again later.")
def support(data: dict[str, str], initiative_id: UUID) -> Any:
    """Ask to support a public initiative: a confirmation link is mailed to the address."""
    from participatie.notifications.mail import compose
    from web.public import LINK_DAYS, SUPPORT

    row = queries.public_initiative(container().views, str(initiative_id))
    if row is None:
        fail(404, message="Onbekend initiatief.")
    token = container().tokens.make(SUPPORT, {"i": str(initiative_id), "e": data["email"]})
    link = request.host_url.rstrip("/") + f"/steun/{token}"
    message = compose(
        data["email"],
        f"Bevestig uw steun voor: {row['title']}",
        f"Klik binnen {LINK_DAYS} dagen op deze link om uw steun te bevestigen:\n{link}\n",
    )
    try:
        container().mailer.send(f"support-{token[-16:]}", message, kind="support")
    except MailError:
        fail(503, message="De e-mail kon nu niet worden verstuurd; probeer het later opnieuw.")
    return {"message": "Bevestig uw steun met de link in de e-mail."}


# -- staff ---------------------------------------------------------------------------------------


def _bearer() -> StaffAccount:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        found = container().staff.token_account(token.strip())
    if found is None:
        fail(401, message="Geef een geldig API-token (Authorization: Bearer …).")
    g.api_account = found
    return found


def _require(account: StaffAccount, what: str, rel: str, target: str) -> None:
    if not access.allowed(account.role, what, rel):
        access.denied(account.username, account.role, what, rel, target)
        fail(403, message="Geen toegang.")


def _initiative(initiative_id: UUID) -> Any:
    try:
        return platform().get_initiative(initiative_id)
    except NotFound:
        fail(404, message="Onbekend initiatief.")


def _case(initiative: Any, account: StaffAccount) -> dict[str, Any]:
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    return {
        "id": initiative.id,
        "version": initiative.version,
        "title": initiative.title,
        "description": initiative.description,
        "status": initiative.status.value,
        "themes": list(initiative.themes),
        "area_code": initiative.location.area_code,
        "lead_team": initiative.lead_team,
        "involved_teams": list(initiative.involved_teams),
        "handoff_pending": initiative.handoff_pending,
        "priority": initiative.priority.value,
        "assignee": initiative.assignee,
        "outcome": initiative.outcome.value if initiative.outcome else None,
        "decision_published": initiative.decision_published,
        "actions": access.available_actions(account.role, rel, initiative.possible_commands()),
        "history": [plain(describe(e).__dict__) for e in platform().history(initiative.id)],
    }


@work.route("/queues/<team>")
@work.arguments(QueueArgsSchema, location="query")
@work.response(200, QueuePageSchema)
@work.alt_response(401, description="No valid token.")
@work.alt_response(403, description="Not a member of this team.")
@work.alt_response(404, description="No such team.")
@work.doc(security=BEARER)
def queue(args: dict[str, Any], team: str) -> Any:
    """One page of a team's queue (keyset paging: pass `next_cursor` as `after`)."""
    account = _bearer()
    if team not in {t.code for t in platform().teams()}:
        fail(404, message="Onbekend team.")
    rel = access.LEAD if team in account.teams else access.OTHER
    _require(account, "queue", rel, f"team:{team}")
    try:
        page = queries.team_queue(
            container().views,
            team,
            status=args.get("status"),
            theme=args.get("theme"),
            area=args.get("area"),
            priority=args.get("priority"),
            overdue=True if args.get("overdue") else None,
            assignee=account.username if args.get("mine") else None,
            sort=args["sort"],
            after=args.get("after"),
            limit=args["limit"],
            now=platform().clock(),
        )
    except queries.QueryError as error:
        fail(422, errors={"query": {error.field: [str(error)]}})
    return {
        "items": [item.__dict__ for item in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_exact": page.total_is_exact,
    }


@work.route("/initiatives/<uuid:initiative_id>")
@work.response(200, CaseSchema)
@work.alt_response(401, description="No valid token.")
@work.alt_response(403, description="Not for this account.")
@work.alt_response(404, description="No such initiative.")
@work.doc(security=BEARER)
def case(initiative_id: UUID) -> Any:
    """An initiative with its full history and the actions this account may take now."""
    account = _bearer()
    initiative = _initiative(initiative_id)
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    _require(account, "detail", rel, f"initiative:{initiative_id}")
    return _case(initiative, account)


@work.route(
    "/initiatives/<uuid:initiative_id>/actions/<any(" + ",".join(access.ACTIONS) + "):action>",
    methods=["POST"],
)
@work.arguments(ActionSchema)
@work.response(200, ActedSchema)
@work.alt_response(401, description="No valid token.")
@work.alt_response(403, description="Not for this account.")
@work.alt_response(404, description="No such initiative.")
@work.alt_response(409, description="Someone else acted first, or the action no longer fits.")
@work.doc(security=BEARER)
def act(data: dict[str, Any], initiative_id: UUID, action: str) -> Any:
    """Run a workflow action with the version the caller saw (409 if it changed meanwhile)."""
    account = _bearer()
    initiative = _initiative(initiative_id)
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    _require(account, action, rel, f"initiative:{initiative_id}")
    team = access.acting_team(account.teams, initiative.lead_team, initiative.involved_teams)
    actor = Actor(id=f"staff:{account.username}", role=account.role, team=team)
    version = data.pop("version")
    raw = {k: (str(v) if isinstance(v, UUID) else v) for k, v in data.items() if v is not None}
    lead = initiative.lead_team
    staff = container().staff
    # Field errors (422) and conflicts (409) are answered by web/errors.py.
    perform(
        platform(),
        initiative_id,
        action,
        raw,
        actor,
        version,
        members=lambda u: lead is not None and (a := staff.get(u)) is not None and lead in a.teams,
    )
    after = platform().get_initiative(initiative_id)
    return {"id": after.id, "version": after.version, "status": after.status.value}


# -- audit ---------------------------------------------------------------------------------------


@auditing.route("/initiatives/<uuid:initiative_id>/history")
@auditing.response(200, HistoryEntrySchema(many=True))
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.alt_response(404, description="No such initiative.")
@auditing.doc(security=BEARER)
def history(initiative_id: UUID) -> Any:
    """Every event of an initiative: actor, role, team, time, reason, routing explanation."""
    account = _bearer()
    _require(account, "audit", access.OTHER, f"audit:{initiative_id}")
    _initiative(initiative_id)
    return [plain(describe(e).__dict__) for e in platform().history(initiative_id)]


@auditing.route("/initiatives/<uuid:initiative_id>/as-of")
@auditing.arguments(AsOfArgsSchema, location="query")
@auditing.response(200, StateSchema)
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.alt_response(404, description="No such initiative, or not yet at that moment.")
@auditing.doc(security=BEARER)
def as_of(args: dict[str, datetime], initiative_id: UUID) -> Any:
    """The initiative's state as it was at a moment."""
    account = _bearer()
    _require(account, "audit", access.OTHER, f"audit:{initiative_id}")
    _initiative(initiative_id)
    state = initiative_as_of(platform(), initiative_id, args["at"])
    if state is None:
        fail(404, message="Het initiatief bestond toen nog niet.")
    return state


@auditing.route("/verify", methods=["POST"])
@auditing.response(200, VerifySchema)
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.doc(security=BEARER)
def verify_log() -> Any:
    """Recompute the hash chain against the seals and the latest signed checkpoint."""
    account = _bearer()
    _require(account, "audit", access.OTHER, "audit:verify")
    try:
        report = verify(
            platform(),
            container().audit_tables,
            signing_key(container().settings).public_key(),
        )
    except CheckpointInvalid as error:
        fail(409, message=str(error))
    return report.__dict__


def docs() -> ResponseReturnValue:
    """A readable page of every operation, rendered here from the OpenAPI document."""
    spec = current_app.extensions["participatie_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)
