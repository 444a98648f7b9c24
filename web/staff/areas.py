"""Area steering pages: where challenges stack up (the matrix), and per area its agenda, the
challenges landing there in the order regie decided, the work, the map and the P&C figures.

Area managers draft the agenda of an area their team owns; the roles of
PARTICIPATIE_AGENDA_ADOPTERS (regie by default) adopt and revise it and decide the order of the
challenges. Every change is a POST with a reason and the version the person saw (a race is a
409 that keeps what they typed), and becomes an event.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NoReturn

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.agenda import PERIOD, period_covers
from participatie.domain.agenda import MAX_PRIORITIES, AreaAgenda, Priority
from participatie.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidChoice,
    NotFound,
)
from participatie.domain.values import Actor, AreaLevel
from participatie.maps import svgmap
from participatie.staff import access
from participatie.views import queries
from web.context import account, container, platform
from web.staff.common import bp, initiative_or_404, teams

Errors = dict[str, list[str]]
PRIORITY_KEY = re.compile(r"[a-z][a-z0-9-]{0,39}")


def _refuse(what: str, target: str) -> NoReturn:
    """Log the refusal (who, what, on what) and answer 403."""
    me = account()
    access.denied(me.username, me.role, what, access.OTHER, target)
    abort(403)


def _allowed_to_see() -> None:
    if not access.sees_area(account().role):
        _refuse("areas", request.path)


def _area_to_change(code: str) -> None:
    """A post about area `code`: the person sees area pages, and the area exists."""
    _allowed_to_see()
    if code not in platform().area_index():
        abort(404)


def _me_as_actor() -> Actor:
    me = account()
    return Actor(id=f"staff:{me.username}", role=me.role, team=me.teams[0] if me.teams else None)


def _owned_areas() -> list[str]:
    mine = set(account().teams)
    return [code for t in platform().teams() if t.code in mine for code in t.areas]


def _rights(area: str) -> dict[str, bool]:
    me = account()
    chain = platform().area_index().ancestors(area)
    adopters = container().settings.agenda_adopters
    return {
        "draft": access.drafts_agenda(me.role, _owned_areas(), chain),
        "adopt": access.adopts_agenda(me.role, adopters),
    }


# -- the matrix ----------------------------------------------------------------------------------


@bp.get("/gebieden")
def areas() -> ResponseReturnValue:
    """Every wijk × every challenge: where challenges land, and the open work there."""
    _allowed_to_see()
    app = platform()
    index = app.area_index()
    wijken = sorted(
        (a for a in index.areas.values() if a.level is AreaLevel.DISTRICT), key=lambda a: a.name
    )
    challenges = sorted(app.challenges(), key=lambda c: c.name)
    landing = {w.code: app.challenges_landing(w.code) for w in wijken}
    matrix = queries.stacking_matrix(
        container().views,
        [(w.code, w.name) for w in wijken],
        [(c.code, c.name) for c in challenges],
        landing,
    )
    return render_template("staff/areas.html", matrix=matrix)


# -- one area ------------------------------------------------------------------------------------


def _period(app: Any, area: str, now: datetime) -> str:
    """The period asked for, else the agenda in force this year, else this year."""
    asked = request.values.get("periode") or ""
    if PERIOD.fullmatch(asked):
        return asked
    for agenda in app.agendas(area):
        if period_covers(agenda.period, now.year):
            return str(agenda.period)
    return str(now.year)


def _area_page(
    area: str,
    *,
    errors: Errors | None = None,
    kept: dict[str, Any] | None = None,
    form: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    app = platform()
    index = app.area_index()
    if area not in index:
        abort(404)
    now = app.clock()
    period = _period(app, area, now)
    agenda: AreaAgenda | None = app.agenda(area, period)
    order = app.challenge_order(area)
    by_code = {c.code: c for c in app.challenges()}
    landing = [
        (code, by_code[code].name, by_code[code].team) for code in app.challenges_landing(area)
    ]
    views = container().views
    stacked = queries.stacked_challenges(
        views, area, landing, order.order if order else (), now=now
    )
    overview = queries.overview_of_area(app, views, area)
    figures = queries.pc_figures(views, area, now=now)
    buurten = [index.areas[c] for c in index.children(area)] or [index.areas[area]]
    counts = queries.open_counts(views, [b.code for b in buurten])
    picture = svgmap.render(
        buurten,
        counts,
        link=url_for("staff.area", code="CODE").replace("CODE", "{code}"),
        title=gettext("Open initiatieven per gebied in %(area)s", area=index.name(area)),
    )
    sub_areas = [
        a for a in index.areas.values() if area in index.ancestors(a.code) and a.code != area
    ]
    linked: dict[str, int] = {}
    if agenda is not None:
        for _, key in agenda.links:
            linked[key] = linked.get(key, 0) + 1
    return (
        render_template(
            "staff/area.html",
            area=index.areas[area],
            chain=[index.areas[c] for c in reversed(index.ancestors(area))][:-1],
            children=[index.areas[c] for c in index.children(area)],
            period=period,
            periods=sorted({a.period for a in app.agendas(area)} | {period, str(now.year + 1)}),
            agenda=agenda,
            linked=linked,
            order=order,
            stacked=stacked,
            overview=overview,
            figures=figures,
            picture=picture,
            teams=teams(),
            challenge_names={c.code: c.name for c in by_code.values()},
            area_names={a.code: a.name for a in index.areas.values()},
            buurt_choices=[(a.code, a.name) for a in sorted(sub_areas, key=lambda a: a.name)],
            challenge_choices=[
                (c.code, c.name) for c in sorted(by_code.values(), key=lambda c: c.name)
            ],
            rights=_rights(area),
            errors=errors or {},
            kept=kept or {},
            form=form,
            max_priorities=MAX_PRIORITIES,
        ),
        status,
    )


@bp.get("/gebieden/<code>")
def area(code: str) -> ResponseReturnValue:
    _allowed_to_see()
    return _area_page(code)


# -- agenda changes ------------------------------------------------------------------------------


def _reason(errors: Errors) -> str:
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(gettext("Geef een reden."))
    elif len(reason) > 2000:
        errors.setdefault("reason", []).append(gettext("Gebruik hoogstens 2000 tekens."))
    return reason


def _version() -> int | None:
    raw = request.form.get("version") or ""
    return int(raw) if raw.isdigit() else None


def _done(code: str, period: str, message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("staff.area", code=code, periode=period) + "#agenda", code=303)


def _refused(code: str, form: str, error: Exception) -> ResponseReturnValue:
    """A refusal the person can do something about, on the form they used."""
    kept = {
        k: request.form.getlist(k) if k in ("challenges", "buurten") else v
        for k, v in request.form.items()
    }
    if isinstance(error, ConcurrencyConflict):
        message = gettext(
            "Iemand anders heeft de agenda intussen gewijzigd; er is niets opgeslagen. Bekijk de"
            " nieuwe stand; uw tekst staat hieronder nog."
        )
        return _area_page(code, errors={"version": [message]}, kept=kept, form=form, status=409)
    if isinstance(error, IllegalTransition):
        message = gettext("Dit kan nu niet: de agenda is intussen vastgesteld of herzien.")
        return _area_page(code, errors={"version": [message]}, kept=kept, form=form, status=409)
    message = gettext("Dit kan niet: %(why)s", why=str(error))
    return _area_page(code, errors={"key": [message]}, kept=kept, form=form, status=422)


def _draft_rights(code: str) -> None:
    if not _rights(code)["draft"]:
        _refuse("draft_agenda", code)


@bp.post("/gebieden/<code>/agenda/prioriteit")
def save_priority(code: str) -> ResponseReturnValue:
    """Add a priority to the draft, or change the one with the same key."""
    _area_to_change(code)
    _draft_rights(code)
    app = platform()
    period = request.form.get("periode") or ""
    errors: Errors = {}
    key = (request.form.get("key") or "").strip()
    title = (request.form.get("title") or "").strip()
    result = (request.form.get("result") or "").strip()
    indicators = [
        i.strip() for i in (request.form.get("indicators") or "").splitlines() if i.strip()
    ]
    team = request.form.get("team") or ""
    challenges = request.form.getlist("challenges")
    buurten = request.form.getlist("buurten")
    if not PERIOD.fullmatch(period):
        abort(400)  # the page sets it: a wrong one was not typed by a person
    if not PRIORITY_KEY.fullmatch(key):
        errors.setdefault("key", []).append(
            gettext("Gebruik 1 tot 40 kleine letters, cijfers en -, beginnend met een letter.")
        )
    if not 3 <= len(title) <= 150:
        errors.setdefault("title", []).append(gettext("Geef een titel van 3 tot 150 tekens."))
    if len(result) > 2000:
        errors.setdefault("result", []).append(gettext("Gebruik hoogstens 2000 tekens."))
    if len(indicators) > 10 or any(len(i) > 200 for i in indicators):
        errors.setdefault("indicators", []).append(
            gettext("Geef hoogstens 10 indicatoren van elk hoogstens 200 tekens, één per regel.")
        )
    if team not in teams():
        errors.setdefault("team", []).append(gettext("Kies het team dat eigenaar is."))
    reason = _reason(errors)
    kept = {k: v for k, v in request.form.items()} | {"challenges": challenges, "buurten": buurten}
    if errors:
        return _area_page(code, errors=errors, kept=kept, form="priority", status=422)
    agenda = app.agenda(code, period)
    current = list(agenda.latest.priorities) if agenda and agenda.latest else []
    new = Priority(key, title, result, tuple(indicators), team, tuple(challenges), tuple(buurten))
    if any(p.key == key for p in current):
        priorities = [new if p.key == key else p for p in current]
    else:
        if len(current) >= MAX_PRIORITIES:
            errors["key"] = [
                gettext("Een agenda heeft hoogstens %(n)s prioriteiten.", n=MAX_PRIORITIES)
            ]
            return _area_page(code, errors=errors, kept=kept, form="priority", status=422)
        priorities = [*current, new]
    try:
        changed = app.draft_agenda(code, period, priorities, reason, _me_as_actor(), _version())
    except (ConcurrencyConflict, IllegalTransition, InvalidChoice) as error:
        return _refused(code, "priority", error)
    if not changed:
        return _done(code, period, gettext("Er is niets veranderd."))
    return _done(
        code, period, gettext("Prioriteit „%(title)s” opgeslagen in het concept.", title=title)
    )


@bp.post("/gebieden/<code>/agenda/volgorde")
def move_priority(code: str) -> ResponseReturnValue:
    """Move a priority of the draft up or down, or take it out."""
    _area_to_change(code)
    _draft_rights(code)
    app = platform()
    period = request.form.get("periode") or ""
    key = request.form.get("key") or ""
    move = request.form.get("move") or ""
    errors: Errors = {}
    reason = _reason(errors)
    agenda = app.agenda(code, period) if PERIOD.fullmatch(period) else None
    current = list(agenda.latest.priorities) if agenda and agenda.latest else []
    keys = [p.key for p in current]
    if key not in keys or move not in ("up", "down", "remove"):
        abort(400)
    if errors:
        return _area_page(code, errors=errors, kept={"key": key}, form=f"move-{key}", status=422)
    at = keys.index(key)
    if move == "remove":
        current.pop(at)
    else:
        other = at - 1 if move == "up" else at + 1
        if 0 <= other < len(current):
            current[at], current[other] = current[other], current[at]
    try:
        app.draft_agenda(code, period, current, reason, _me_as_actor(), _version())
    except (ConcurrencyConflict, IllegalTransition, InvalidChoice) as error:
        return _refused(code, f"move-{key}", error)
    return _done(code, period, gettext("Het concept is aangepast."))


@bp.post("/gebieden/<code>/agenda/<step>")
def agenda_step(code: str, step: str) -> ResponseReturnValue:
    """Adopt the draft (vaststellen) or start a revision (herzien)."""
    _allowed_to_see()
    if code not in platform().area_index() or step not in ("vaststellen", "herzien"):
        abort(404)
    if not _rights(code)["adopt"]:
        _refuse("adopt_agenda", code)
    app = platform()
    period = request.form.get("periode") or ""
    errors: Errors = {}
    reason = _reason(errors)
    if errors or not PERIOD.fullmatch(period):
        return _area_page(code, errors=errors, kept=dict(request.form), form=step, status=422)
    try:
        if step == "vaststellen":
            number = app.adopt_agenda(code, period, reason, _me_as_actor(), _version())
            message = gettext("Versie %(n)s van de gebiedsagenda is vastgesteld.", n=number)
        else:
            number = app.revise_agenda(code, period, reason, _me_as_actor(), _version())
            message = gettext("Herziening gestart: versie %(n)s is een concept.", n=number)
    except (ConcurrencyConflict, IllegalTransition, InvalidChoice) as error:
        return _refused(code, step, error)
    return _done(code, period, message)


@bp.post("/gebieden/<code>/opgaven")
def order_challenges(code: str) -> ResponseReturnValue:
    """Regie's order among the challenges landing in the area (rank numbers; empty: unranked)."""
    _area_to_change(code)
    if not _rights(code)["adopt"]:
        _refuse("order_challenges", code)
    app = platform()
    errors: Errors = {}
    reason = _reason(errors)
    ranks: list[tuple[int, str]] = []
    for challenge in app.challenges_landing(code):
        raw = (request.form.get(f"rank-{challenge}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= 99:
            errors.setdefault(f"rank-{challenge}", []).append(
                gettext("Geef een getal van 1 tot 99.")
            )
            continue
        ranks.append((int(raw), challenge))
    numbers = [n for n, _ in ranks]
    if len(set(numbers)) != len(numbers):
        errors.setdefault("reason", []).append(gettext("Geef elke opgave een ander volgnummer."))
    if errors:
        return _area_page(code, errors=errors, kept=dict(request.form), form="order", status=422)
    order = [c for _, c in sorted(ranks)]
    try:
        changed = app.decide_challenge_order(code, order, reason, _me_as_actor(), _version())
    except (ConcurrencyConflict, InvalidChoice) as error:
        return _refused(code, "order", error)
    flash(
        gettext("De volgorde van de opgaven is vastgelegd.")
        if changed
        else gettext("Er is niets veranderd."),
        "success",
    )
    return redirect(url_for("staff.area", code=code) + "#opgaven", code=303)


# -- an initiative's place on the agendas (on its detail page) -----------------------------------


def _may_link(initiative: Any, area: str) -> bool:
    me = account()
    rel = access.relation(me.teams, initiative.lead_team, initiative.involved_teams)
    chain = platform().area_index().ancestors(area)
    return access.links_to_agenda(
        me.role, rel, access.drafts_agenda(me.role, _owned_areas(), chain)
    )


def agenda_panel(initiative: Any) -> dict[str, Any]:
    """What the detail page shows of the agendas: the links, and the priorities the platform
    suggests (a person confirms each with a reason)."""
    app = platform()
    links = []
    for agenda, key in app.links_of_initiative(initiative.id):
        found = agenda.priority(key)
        link = agenda.links[(initiative.id, key)]
        links.append(
            {
                "area": agenda.area,
                "period": agenda.period,
                "key": key,
                "title": found.title if found else key,
                "reason": link.reason,
                "by": link.actor,
                "at": link.at,
                "may_change": _may_link(initiative, agenda.area),
            }
        )
    linked = {(link["area"], link["period"], link["key"]) for link in links}
    suggestions = [
        {
            "area": s.area,
            "period": s.period,
            "key": s.priority.key,
            "title": s.priority.title,
            "why": s.why,
        }
        for s in app.suggest_priorities(initiative.id)
        if (s.area, s.period, s.priority.key) not in linked and _may_link(initiative, s.area)
    ]
    names = {a.code: a.name for a in app.area_index().areas.values()}
    return {"links": links, "suggestions": suggestions, "area_names": names}


@bp.post("/initiatieven/<uuid:initiative_id>/agenda")
def link_initiative(initiative_id: Any) -> ResponseReturnValue:
    """Link the initiative to a priority (a suggestion confirmed, with a reason) or unlink it."""
    initiative = initiative_or_404(initiative_id)
    app = platform()
    area = request.form.get("area") or ""
    period = request.form.get("periode") or ""
    key = request.form.get("key") or ""
    unlink = request.form.get("do") == "unlink"
    if area not in app.area_index() or not PERIOD.fullmatch(period):
        abort(400)
    if not _may_link(initiative, area):
        _refuse("link_agenda", str(initiative_id))
    reason = (request.form.get("reason") or "").strip()
    target = url_for("staff.detail", initiative_id=initiative_id)
    if not reason or len(reason) > 2000:
        flash(gettext("Geef een reden (hoogstens 2000 tekens); er is niets vastgelegd."), "warning")
        return redirect(target + "#agenda", code=303)
    try:
        if unlink:
            app.unlink_from_priority(area, period, initiative_id, key, reason, _me_as_actor())
            message = gettext("De koppeling is verwijderd.")
        else:
            suggested = request.form.get("suggested") == "1"
            app.link_to_priority(
                area, period, initiative_id, key, reason, _me_as_actor(), suggested
            )
            message = gettext("Het initiatief is gekoppeld aan de prioriteit.")
    except (InvalidChoice, NotFound):
        flash(gettext("Deze prioriteit bestaat niet (meer); er is niets vastgelegd."), "warning")
        return redirect(target + "#agenda", code=303)
    flash(message, "success")
    return redirect(target + "#agenda", code=303)


# -- one challenge across areas ------------------------------------------------------------------


@bp.get("/opgaven/<code>")
def challenge(code: str) -> ResponseReturnValue:
    """One challenge across the municipality: where it lands, its open work per wijk, the place
    regie gave it in each wijk's order, and the agenda priorities that serve it."""
    _allowed_to_see()
    app = platform()
    found = next((c for c in app.challenges() if c.code == code), None)
    if found is None:
        abort(404)
    index = app.area_index()
    wijken = sorted(
        (a for a in index.areas.values() if a.level is AreaLevel.DISTRICT), key=lambda a: a.name
    )
    overview = queries.challenge_overview(
        container().views, code, areas_of_interest=[w.code for w in wijken]
    )
    rows = []
    for wijk in wijken:
        order = app.challenge_order(wijk.code)
        rows.append(
            {
                "area": wijk,
                "lands": code in app.challenges_landing(wijk.code),
                "open": overview.by_area.get(wijk.code, 0),
                "rank": order.rank(code) if order else None,
            }
        )
    serving = [
        {"agenda": agenda, "priority": priority}
        for agenda in app.agendas()
        if (version := agenda.adopted or agenda.latest) is not None
        for priority in version.priorities
        if code in priority.challenges
    ]
    return render_template(
        "staff/challenge.html",
        challenge=found,
        overview=overview,
        rows=rows,
        serving=serving,
        teams=teams(),
        area_names={a.code: a.name for a in index.areas.values()},
    )
