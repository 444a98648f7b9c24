"""The regie dashboard: what sits with regie, what is late, and where hand-offs stall.

Counts and the weekly trend come first (a chart with its table), the lists after them, each
folded open only when it is short."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.values import REGIE_TEAM
from participatie.staff import access
from participatie.views import queries
from web import charts
from web.context import account, container, platform
from web.staff.capacity import loads
from web.staff.common import bp, teams

OPEN_LIST_UP_TO = 10  # a longer list starts folded, so the page opens on the overview


def _allowed() -> None:
    me = account()
    if not access.allowed(me.role, "regie_dashboard", access.OTHER):
        access.denied(me.username, me.role, "regie_dashboard", access.OTHER, "regie")
        abort(403)


@bp.get("/regie")
def regie() -> ResponseReturnValue:
    _allowed()
    now = platform().clock()
    overview = queries.regie_overview(container().views, REGIE_TEAM, now=now)
    overloaded = [t for t in loads() if t.overloaded]
    return render_template(
        "staff/regie.html",
        overview=overview,
        teams=teams(),
        overloaded=overloaded,
        trend=queries.handoff_trend(container().views, now),
        open_up_to=OPEN_LIST_UP_TO,
    )


@bp.get("/regie/overdrachten.svg")
def regie_trend() -> ResponseReturnValue:
    _allowed()
    weeks = queries.handoff_trend(container().views, platform().clock())
    svg = charts.bar_chart(
        gettext("Overdrachten naar regie per week"),
        [w.week for w in weeks],
        {
            gettext("Geweigerd door het team"): [w.declined for w in weeks],
            gettext("Voorgelegd na een verlopen termijn"): [w.escalated for w in weeks],
        },
    )
    return charts.svg_response(svg)
