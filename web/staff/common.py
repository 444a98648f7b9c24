"""The staff blueprint and what its pages share: the labels every staff template sees, the
access checks, and looking up teams, members and the initiative a page is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, current_app, g

from participatie.domain.errors import NotFound
from participatie.domain.initiative import Initiative
from participatie.domain.staff import StaffAccount
from participatie.domain.values import Actor
from participatie.staff import access
from web.context import account, platform, staff_accounts
from web.plain import AccountRow
from web.staff.labels import ACTION_LABELS, EVENTS, FIELD_LABELS, MODERATION, PRIORITIES, ROLES

bp = Blueprint("staff", __name__, url_prefix="/beheer")


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "ROLES": ROLES,
        "PRIORITIES": PRIORITIES,
        "ACTION_LABELS": ACTION_LABELS,
        "FIELD_LABELS": FIELD_LABELS,
        "EVENTS": EVENTS,
        "MODERATION": MODERATION,
        "moderates": g.get("account") is not None
        and access.moderates(
            g.account.role, current_app.extensions["participatie"].settings.moderators
        ),
        "staff_account": AccountRow.of(g.account) if g.get("account") else None,
        "may": _may_page,
        "sees_areas": g.get("account") is not None and access.sees_area(g.account.role),
        "admin_area": "admin.home" in current_app.view_functions,
        "oidc_login": "oidc.start" in current_app.view_functions,
    }


@bp.app_template_filter("zip_labels")
def zip_labels(values: list[str], labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(value, str(labels.get(value, value))) for value in values]


def _may_page(what: str) -> bool:
    found = g.get("account")
    return found is not None and access.allowed(found.role, what, access.OTHER)


# -- authorization -------------------------------------------------------------------------------


def require(what: str, rel: str, target: str) -> None:
    me = account()
    if not access.allowed(me.role, what, rel):
        access.denied(me.username, me.role, what, rel, target)
        abort(403)


def relation(initiative: Initiative) -> str:
    return access.relation(account().teams, initiative.lead_team, initiative.involved_teams)


def actor(initiative: Initiative) -> Actor:
    me = account()
    team = access.acting_team(me.teams, initiative.lead_team, initiative.involved_teams)
    return Actor(id=f"staff:{me.username}", role=me.role, team=team)


# -- look-ups ------------------------------------------------------------------------------------


def teams() -> dict[str, str]:
    return {team.code: team.name for team in platform().teams()}


def members(team: str) -> list[StaffAccount]:
    return [a for a in staff_accounts().all() if team in a.teams and a.active]


def initiative_or_404(initiative_id: UUID) -> Initiative:
    try:
        found: Initiative = platform().get_initiative(initiative_id)
    except NotFound:
        abort(404)
    return found
