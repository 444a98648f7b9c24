"""The staff home page (my teams, the search box), a team's queue and its bulk actions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.actions import GENERAL, ActionInvalid, perform
from participatie.application.schemas import N_
from participatie.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvariantViolation,
    NotFound,
)
from participatie.domain.values import Priority
from participatie.staff import access
from participatie.views import queries
from web.context import account, container, platform
from web.fresh import caught_up, written
from web.security import local_target
from web.staff.common import actor, bp, members, relation, require, teams
from web.staff.labels import DONE, FIELD_LABELS

BULK_ACTIONS = ("accept_handoff", "assign", "set_priority")
INVOLVED_ONLY = N_(
    "Uw team is alleen betrokken bij dit initiatief; dit kan alleen het leidende team doen."
)
NOT_YOURS = N_("Dit initiatief ligt niet bij uw team; u kunt het alleen inzien.")
NOT_YET_SHOWN = N_(
    "De wijziging is opgeslagen, maar de lijst hieronder toont die nog niet. Ververs de pagina"
    " over enkele seconden."
)
QUEUE_FILTERS = (
    "status",
    "theme",
    "area",
    "challenge",
    "role",
    "priority",
    "overdue",
    "mine",
    "sort",
)


@bp.get("/")
def home() -> ResponseReturnValue:
    me = account()
    names = teams()
    mine = [(code, names.get(code, code)) for code in me.teams]
    return render_template("staff/home.html", teams=mine, searches=access.searches(me.role))


def _ranks(items: list[Any]) -> dict[str, int]:
    """Per initiative on the page, the place regie gave its challenge in the order of its area
    (the nearest area up its chain with a decided order)."""
    app = platform()
    index = app.area_index()
    orders: dict[str, Any] = {}
    found = {}
    for item in items:
        if item.challenge is None or item.area_code not in index:
            continue
        for code in index.ancestors(item.area_code):
            if code not in orders:
                orders[code] = app.challenge_order(code)
            order = orders[code]
            if order is not None and order.order:
                rank = order.rank(item.challenge)
                if rank is not None:
                    found[item.initiative_id] = rank
                break
    return found


def _actionable(items: list[Any]) -> set[str]:
    """The initiatives on the page the user may take a bulk action on: only these get a
    checkbox (work the team is only involved in is there to read, not to act on)."""
    me = account()
    found = set()
    for item in items:
        rel = access.relation(me.teams, item.lead_team, item.involved_teams)
        if any(access.allowed(me.role, action, rel) for action in BULK_ACTIONS):
            found.add(item.initiative_id)
    return found


@bp.get("/wachtrij/<team>")
def queue(team: str) -> ResponseReturnValue:
    names = teams()
    if team not in names:
        abort(404)
    me = account()
    rel = access.LEAD if team in me.teams else access.OTHER
    require("queue", rel, f"team:{team}")
    args = request.args
    chosen = {name: (args.get(name) or "").strip() for name in QUEUE_FILTERS}
    errors: dict[str, list[str]] = {}
    page = None
    try:
        page = queries.team_queue(
            container().views,
            team,
            status=chosen["status"] or None,
            theme=chosen["theme"] or None,
            area=chosen["area"] or None,
            priority=chosen["priority"] or None,
            overdue=True if chosen["overdue"] == "1" else None,
            assignee=me.username if chosen["mine"] == "1" else None,
            challenge=chosen["challenge"] or None,
            role=chosen["role"] or None,
            sort=chosen["sort"] or "submitted",
            after=args.get("after") or None,
            now=platform().clock(),
            orders=platform().orders_nearest_first() if chosen["sort"] == "challenge_order" else (),
        )
    except queries.QueryError as error:
        errors[error.field] = [gettext("Deze keuze bestaat niet.")]
    team_members = {a.username: a.name for a in members(team)}
    areas = platform().area_index()
    return (
        render_template(
            "staff/queue.html",
            team=team,
            team_name=names[team],
            page=page,
            chosen=chosen,
            errors=errors,
            members=team_members,
            areas=areas,
            area_choices=sorted(
                (a for a in areas.areas.values() if a.parent is not None),
                key=lambda a: (a.level.value != "district", a.name),
            ),
            statuses=queries.OPEN_STATUSES,
            themes=platform().theme_list().codes,
            challenges={c.code: c.name for c in platform().challenges()},
            ranks=_ranks(page.items if page else []),
            actionable=_actionable(page.items if page else []),
            priorities=[p.value for p in Priority],
            selection=set(session.get(f"selection:{team}", [])),
            results=session.pop(f"bulk:{team}", None),
            back=request.query_string.decode(),
        ),
        400 if errors else 200,
    )


@bp.post("/wachtrij/<team>/bulk")
def bulk(team: str) -> ResponseReturnValue:
    if team not in teams():
        abort(404)
    rel = access.LEAD if team in account().teams else access.OTHER
    require("queue", rel, f"team:{team}")
    ids = request.form.getlist("ids")
    action = request.form.get("bulk_action") or ""
    session[f"selection:{team}"] = ids
    results: list[dict[str, str]] = []
    if not ids:
        results.append(
            {
                "id": "",
                "title": "",
                "ok": "",
                "text": gettext("Kies eerst één of meer initiatieven."),
            }
        )
    elif action not in BULK_ACTIONS:
        results.append({"id": "", "title": "", "ok": "", "text": gettext("Kies een actie.")})
    else:
        raw = {
            "assign": {"assignee": request.form.get("assignee") or ""},
            "set_priority": {
                "priority": request.form.get("priority") or "",
                "reason": request.form.get("reason") or "",
            },
            "accept_handoff": {"reason": request.form.get("reason") or ""},
        }[action]
        for text_id in ids:
            results.append(_bulk_one(team, action, text_id, raw))
    if any(r["ok"] for r in results) and not caught_up(written()):
        results.append({"id": "", "title": "", "ok": "", "text": gettext(NOT_YET_SHOWN)})
    session[f"bulk:{team}"] = results
    back = request.form.get("back") or ""
    queue = url_for("staff.queue", team=team)
    return redirect(local_target(queue + (f"?{back}" if back else ""), queue), code=303)


def _bulk_one(team: str, action: str, text_id: str, raw: dict[str, Any]) -> dict[str, str]:
    def result(ok: bool, text: str, title: str = "") -> dict[str, str]:
        return {"id": text_id, "title": title, "ok": "1" if ok else "", "text": text}

    try:
        initiative_id = UUID(text_id)
        initiative = platform().get_initiative(initiative_id)
    except (ValueError, NotFound):
        return result(False, gettext("Dit initiatief bestaat niet."))
    me = account()
    rel = relation(initiative)
    if not access.allowed(me.role, action, rel):
        access.denied(me.username, me.role, action, rel, f"initiative:{text_id}")
        why = INVOLVED_ONLY if rel == access.INVOLVED else NOT_YOURS
        return result(False, gettext(why), initiative.title)
    version_text = request.form.get(f"version-{text_id}") or ""
    version = int(version_text) if version_text.isdigit() else None
    try:
        perform(
            platform(),
            initiative_id,
            action,
            dict(raw),
            actor(initiative),
            version,
            members=lambda u: u in {a.username for a in members(team)},
        )
    except ConcurrencyConflict:
        return result(
            False,
            gettext("Iemand anders heeft dit initiatief net gewijzigd; er is niets opgeslagen."),
            initiative.title,
        )
    except ActionInvalid as error:
        texts = [
            f"{FIELD_LABELS.get(f, f)}: {gettext(m)}" for f, ms in error.errors.items() for m in ms
        ]
        return result(False, "; ".join(texts), initiative.title)
    except (IllegalTransition, InvariantViolation):
        return result(False, gettext(GENERAL), initiative.title)
    return result(True, str(DONE[action]), initiative.title)
