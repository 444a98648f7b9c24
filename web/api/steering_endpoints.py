"""Area steering for staff with a bearer token: where challenges stack (the matrix), an area's
agenda, stacked challenges, key figures and P&C figures, and one challenge across areas. The
same figures as the staff pages, from the same queries; read-only."""

from __future__ import annotations

from typing import Any

from participatie.application.agenda import check_period, period_covers
from participatie.domain.agenda import AreaAgenda
from participatie.domain.errors import InvalidChoice
from participatie.domain.values import AreaLevel
from participatie.staff import access
from participatie.views import queries
from web.api.common import BEARER, PREFIX, Blueprint, bearer, fail
from web.api.schemas import (
    AreaSteeringSchema,
    ChallengeAcrossSchema,
    MatrixSchema,
    SteeringArgsSchema,
)
from web.context import container, platform

steering = Blueprint("api_steering", __name__, url_prefix=PREFIX, description="Gebiedsgericht")


def _may_see() -> None:
    account = bearer()
    if not access.sees_area(account.role):
        access.denied(account.username, account.role, "areas", access.OTHER, "api:steering")
        fail(403, message="Geen toegang.")


def _agenda(agenda: AreaAgenda | None) -> dict[str, Any] | None:
    if agenda is None:
        return None
    return {
        "area": agenda.area,
        "period": agenda.period,
        "version": agenda.version,
        "versions": [
            {
                "number": v.number,
                "status": v.status,
                "priorities": [p.as_dict() for p in v.priorities],
                "changed_at": v.changed_at,
                "changed_by": v.changed_by,
                "reason": v.reason,
                "adopted_at": v.adopted_at,
                "adopted_by": v.adopted_by,
            }
            for v in agenda.versions.values()
        ],
        "links": [
            {
                "initiative_id": link.initiative_id,
                "priority": link.priority,
                "reason": link.reason,
                "by": link.actor,
                "at": link.at,
                "suggested": link.suggested,
            }
            for link in agenda.links.values()
        ],
    }


@steering.route("/steering/matrix")
@steering.response(200, MatrixSchema)
@steering.alt_response(401, description="No valid token.")
@steering.alt_response(403, description="This role does not see area steering.")
@steering.doc(security=BEARER)
def matrix() -> Any:
    """Every wijk × every challenge: whether the challenge lands there, and its open work."""
    _may_see()
    app = platform()
    index = app.area_index()
    wijken = sorted(
        (a for a in index.areas.values() if a.level is AreaLevel.DISTRICT), key=lambda a: a.code
    )
    challenges = sorted(app.challenges(), key=lambda c: c.code)
    found = queries.stacking_matrix(
        container().views,
        [(w.code, w.name) for w in wijken],
        [(c.code, c.name) for c in challenges],
        {w.code: app.challenges_landing(w.code) for w in wijken},
    )
    return {
        "areas": [{"code": code, "name": name} for code, name in found.areas],
        "challenges": [{"code": code, "name": name} for code, name in found.challenges],
        "cells": [
            {"area": area, "challenge": code, "lands": cell.lands, "open": cell.open,
             "band": cell.band}
            for (area, code), cell in found.cells.items()
        ],
    }  # fmt: skip


@steering.route("/areas/<code>/steering")
@steering.arguments(SteeringArgsSchema, location="query")
@steering.response(200, AreaSteeringSchema)
@steering.alt_response(401, description="No valid token.")
@steering.alt_response(403, description="This role does not see area steering.")
@steering.alt_response(404, description="No such area.")
@steering.doc(security=BEARER)
def area(args: dict[str, Any], code: str) -> Any:
    """An area's agenda for a period (default: the one in force this year), the challenges
    landing there in regie's order with their work, key figures and P&C figures per quarter."""
    _may_see()
    app = platform()
    if code not in app.area_index():
        fail(404, message="Onbekend gebied.")
    now = app.clock()
    period = args.get("period")
    if period is None:
        covering = [a.period for a in app.agendas(code) if period_covers(a.period, now.year)]
        period = covering[0] if covering else str(now.year)
    else:
        try:
            check_period(period)
        except InvalidChoice:
            fail(422, errors={"query": {"period": ["Geef een jaar (2027) of jaren (2027-2030)."]}})
    views = container().views
    by_code = {c.code: c for c in app.challenges()}
    landing = [(c, by_code[c].name, by_code[c].team) for c in app.challenges_landing(code)]
    order = app.challenge_order(code)
    stacked = queries.stacked_challenges(
        views, code, landing, order.order if order else (), now=now
    )
    overview = queries.overview_of_area(app, views, code)
    return {
        "area": code,
        "period": period,
        "agenda": _agenda(app.agenda(code, period)),
        "order": {
            "challenges": order.order,
            "decided_at": order.decided_at,
            "decided_by": order.decided_by,
            "reason": order.reason,
            "version": order.version,
        }
        if order is not None
        else None,
        "challenges": [
            {
                "code": c.code,
                "name": c.name,
                "team": c.team,
                "rank": c.rank,
                "open": c.open,
                "overdue": c.overdue,
                "oldest_days": c.oldest_days,
                "total": c.total,
            }
            for c in stacked
        ],
        "figures": {
            "total": overview.total,
            "open": overview.open,
            "overdue": overview.overdue,
            "by_status": overview.by_status,
            "median_days_to_decision": overview.median_days_to_decision,
            "sub_areas": overview.sub_areas,
        },
        "pc": [q.__dict__ for q in queries.pc_figures(views, code, now=now)],
    }


@steering.route("/challenges/<code>/overview")
@steering.response(200, ChallengeAcrossSchema)
@steering.alt_response(401, description="No valid token.")
@steering.alt_response(403, description="This role does not see area steering.")
@steering.alt_response(404, description="No such challenge.")
@steering.doc(security=BEARER)
def challenge(code: str) -> Any:
    """One challenge across all areas: its work by status and by area."""
    _may_see()
    app = platform()
    found = next((c for c in app.challenges() if c.code == code), None)
    if found is None:
        fail(404, message="Onbekende opgave.")
    overview = queries.challenge_overview(container().views, code)
    return {
        "code": code,
        "name": found.name,
        "team": found.team,
        "focus_areas": list(found.focus_areas),
        "total": overview.total,
        "open": overview.open,
        "by_status": overview.by_status,
        "by_area": overview.by_area,
        "median_days_to_decision": overview.median_days_to_decision,
    }
