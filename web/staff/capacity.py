"""Team capacity and load: each team's open work weighted by status against what it can carry,
its trend, the age of its oldest work, and how much is agenda work and how much comes on top of
regular work. Regie (the agenda adopters) and a team's own manager record capacities."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.errors import InvalidChoice, ReasonRequired
from participatie.staff import access
from participatie.views import queries
from web import charts
from web.context import account, container, platform
from web.staff.areas import _allowed_to_see, _me_as_actor, _refuse
from web.staff.common import bp, teams

MAX_CASES = 10_000


def _agenda_work() -> set[Any]:
    return {link[0] for agenda in platform().agendas() for link in agenda.links}


def loads() -> list[queries.TeamLoad]:
    settings = container().settings
    return queries.loads_of_teams(
        platform(),
        container().views,
        agenda=_agenda_work(),
        hours_per_case=settings.capacity_hours_per_case,
        now=platform().clock(),
    )


def _may_set(team: str) -> bool:
    me = account()
    adopters = container().settings.agenda_adopters
    return access.sets_capacity(me.role, adopters, team in me.teams)


def _page(
    errors: dict[str, list[str]] | None = None,
    kept: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    names = teams()
    settable = [(code, name) for code, name in names.items() if _may_set(code)]
    return (
        render_template(
            "staff/capacity.html",
            loads=loads(),
            names=names,
            settable=settable,
            errors=errors or {},
            kept=kept or {},
            hours_per_case=container().settings.capacity_hours_per_case,
        ),
        status,
    )


@bp.get("/capaciteit")
def capacity() -> ResponseReturnValue:
    _allowed_to_see()
    return _page()


@bp.get("/capaciteit/belasting.svg")
def capacity_chart() -> ResponseReturnValue:
    _allowed_to_see()
    found = [t for t in loads() if t.capacity is not None or t.load]
    svg = charts.bar_chart(
        gettext("Belasting en capaciteit per team (in zaken)"),
        [t.team for t in found],
        {
            gettext("Belasting"): [t.load for t in found],
            gettext("Capaciteit"): [t.capacity for t in found],
        },
    )
    return charts.svg_response(svg)


@bp.get("/capaciteit/<team>/trend.svg")
def capacity_trend(team: str) -> ResponseReturnValue:
    _allowed_to_see()
    found = next((t for t in loads() if t.team == team), None)
    if found is None:
        abort(404)
    svg = charts.line_chart(
        gettext("Open werk van %(team)s, per week", team=teams().get(team, team)),
        [p.week for p in found.trend],
        {gettext("Open werk"): [p.open_lead for p in found.trend]},
    )
    return charts.svg_response(svg)


def _number(errors: dict[str, list[str]], name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_CASES:
        errors.setdefault(name, []).append(gettext("Geef een geheel getal van 0 tot en met 10000."))
        return None
    return int(raw)


@bp.post("/capaciteit")
def set_capacity() -> ResponseReturnValue:
    _allowed_to_see()
    team = request.form.get("team") or ""
    if team not in teams():
        abort(400)
    if not _may_set(team):
        _refuse("set_capacity", f"team:{team}")
    errors: dict[str, list[str]] = {}
    cases, hours = _number(errors, "cases"), _number(errors, "hours")
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(gettext("Geef een reden."))
    if not errors and cases is None and hours is None:
        errors["cases"] = [gettext("Geef het aantal zaken, de uren per week, of allebei.")]
    if errors:
        return _page(errors, dict(request.form), 422)
    try:
        changed = platform().set_team_capacity(team, cases, hours, reason, _me_as_actor())
    except (InvalidChoice, ReasonRequired):
        errors["cases"] = [gettext("Geef het aantal zaken, de uren per week, of allebei.")]
        return _page(errors, dict(request.form), 422)
    flash(
        gettext("De capaciteit van %(team)s is vastgelegd.", team=teams()[team])
        if changed
        else gettext("Er is niets veranderd."),
        "success",
    )
    return redirect(url_for("staff.capacity") + "#teams", code=303)
