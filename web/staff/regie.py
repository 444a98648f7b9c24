"""The regie dashboard: what sits with regie, what is late, and where hand-offs stall."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from participatie.domain.values import REGIE_TEAM
from participatie.staff import access
from participatie.views import queries
from web.context import account, container, platform
from web.staff.capacity import loads
from web.staff.common import bp, teams


@bp.get("/regie")
def regie() -> ResponseReturnValue:
    me = account()
    if not access.allowed(me.role, "regie_dashboard", access.OTHER):
        access.denied(me.username, me.role, "regie_dashboard", access.OTHER, "regie")
        abort(403)
    overview = queries.regie_overview(container().views, REGIE_TEAM, now=platform().clock())
    overloaded = [t for t in loads() if t.overloaded]
    return render_template(
        "staff/regie.html", overview=overview, teams=teams(), overloaded=overloaded
    )
