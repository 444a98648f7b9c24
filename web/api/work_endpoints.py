"""Staff operations with a bearer token (`participatie staff token`): a team's queue, an
initiative as its team sees it, and every workflow action (participatie.application.actions) with
the version the caller saw, for optimistic concurrency."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from participatie.application.actions import perform
from participatie.audit.history import describe, plain
from participatie.domain.staff import StaffAccount
from participatie.domain.values import Actor
from participatie.staff import access
from participatie.views import queries
from web.api.common import BEARER, PREFIX, Blueprint, bearer, fail, initiative_or_404, require
from web.api.schemas import ActedSchema, ActionSchema, CaseSchema, QueueArgsSchema, QueuePageSchema
from web.context import container, platform

work = Blueprint("api_staff", __name__, url_prefix=PREFIX, description="Medewerkers")


def _case(initiative: Any, account: StaffAccount) -> dict[str, Any]:
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    return {
        "id": initiative.id,
        "version": initiative.version,
        "title": initiative.title,
        "description": initiative.description,
        "text_erased": initiative.initiator.subject_id in initiative.erased,
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
    account = bearer()
    if team not in {t.code for t in platform().teams()}:
        fail(404, message="Onbekend team.")
    rel = access.LEAD if team in account.teams else access.OTHER
    require(account, "queue", rel, f"team:{team}")
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
            challenge=args.get("challenge"),
            role=args.get("role"),
            sort=args["sort"],
            after=args.get("after"),
            limit=args["limit"],
            now=platform().clock(),
            orders=platform().orders_nearest_first() if args["sort"] == "challenge_order" else (),
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
    account = bearer()
    initiative = initiative_or_404(initiative_id)
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    require(account, "detail", rel, f"initiative:{initiative_id}")
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
    account = bearer()
    initiative = initiative_or_404(initiative_id)
    rel = access.relation(account.teams, initiative.lead_team, initiative.involved_teams)
    require(account, action, rel, f"initiative:{initiative_id}")
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
        sees=lambda other: access.sees(
            account.role, account.teams, other.lead_team, other.involved_teams
        ),
    )
    after = platform().get_initiative(initiative_id)
    return {"id": after.id, "version": after.version, "status": after.status.value}
