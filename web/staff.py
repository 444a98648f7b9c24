"""Staff pages: login, team queues with bulk actions, the initiative detail page and its actions,
and the regie dashboard. Every page and action is checked against participatie.staff.access.

Staff sessions are server-side (participatie.staff.accounts.Sessions): the cookie holds a random
token, valid for its path /beheer only; login always issues a new token, logout deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from participatie.application.actions import GENERAL, ActionInvalid, perform
from participatie.application.schemas import N_
from participatie.audit.history import describe
from participatie.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvariantViolation,
    NotFound,
)
from participatie.domain.initiative import Initiative
from participatie.domain.staff import StaffAccount
from participatie.domain.values import REGIE_TEAM, THEMES, Actor, Outcome, Priority
from participatie.staff import access
from participatie.staff.accounts import LockedOut, LoginFailed
from participatie.views import queries
from web.context import account, container, platform, staff_accounts
from web.errors import conflict_message, http_status

bp = Blueprint("staff", __name__, url_prefix="/beheer")
COOKIE = "participatie_medewerker"
PUBLIC_ENDPOINTS = {"staff.login", "oidc.start", "oidc.callback"}
BULK_ACTIONS = ("accept_handoff", "assign", "set_priority")
CONTACT_PURPOSE = "behandeling initiatief"

ROLES = {
    "area_manager": lazy_gettext("Gebiedsmanager"),
    "team_member": lazy_gettext("Teamlid"),
    "regie": lazy_gettext("Regie"),
    "line_department": lazy_gettext("Lijnafdeling"),
    "auditor": lazy_gettext("Auditor"),
    "admin": lazy_gettext("Beheerder"),
    "initiator": lazy_gettext("Indiener"),
    "supporter": lazy_gettext("Steunbetuiger"),
    "system": lazy_gettext("Systeem"),
}
PRIORITIES = {
    "urgent": lazy_gettext("Spoed"),
    "high": lazy_gettext("Hoog"),
    "normal": lazy_gettext("Normaal"),
    "low": lazy_gettext("Laag"),
}
ACTION_LABELS = {
    "accept_handoff": lazy_gettext("Overdracht accepteren"),
    "decline_handoff": lazy_gettext("Overdracht weigeren"),
    "assign": lazy_gettext("Toewijzen"),
    "set_priority": lazy_gettext("Prioriteit zetten"),
    "add_internal_note": lazy_gettext("Interne notitie"),
    "post_public_update": lazy_gettext("Openbaar bericht"),
    "request_info": lazy_gettext("Informatie vragen aan de indiener"),
    "forward": lazy_gettext("Doorsturen naar een ander team"),
    "escalate": lazy_gettext("Voorleggen aan regie"),
    "decide": lazy_gettext("Besluiten"),
    "publish_decision": lazy_gettext("Besluit publiceren"),
    "start_execution": lazy_gettext("Uitvoering starten"),
    "complete": lazy_gettext("Afronden"),
    "merge": lazy_gettext("Samenvoegen met een ander initiatief"),
    "reroute": lazy_gettext("Opnieuw routeren"),
    "change_details": lazy_gettext("Thema of locatie aanpassen"),
}
DONE = {
    "accept_handoff": lazy_gettext("De overdracht is geaccepteerd."),
    "decline_handoff": lazy_gettext("De overdracht is geweigerd; het initiatief gaat naar regie."),
    "assign": lazy_gettext("De toewijzing is opgeslagen."),
    "set_priority": lazy_gettext("De prioriteit is opgeslagen."),
    "add_internal_note": lazy_gettext("De notitie is opgeslagen."),
    "post_public_update": lazy_gettext("Het bericht is gepubliceerd."),
    "request_info": lazy_gettext("De vraag is naar de indiener gestuurd."),
    "forward": lazy_gettext("Het initiatief is doorgestuurd."),
    "escalate": lazy_gettext("Het initiatief is voorgelegd aan regie."),
    "decide": lazy_gettext(
        "Het besluit is vastgelegd. Publiceer het als de indiener het mag zien."
    ),
    "publish_decision": lazy_gettext("Het besluit is gepubliceerd."),
    "start_execution": lazy_gettext("De uitvoering is gestart."),
    "complete": lazy_gettext("Het initiatief is afgerond."),
    "merge": lazy_gettext("Het initiatief is samengevoegd."),
    "reroute": lazy_gettext("Het initiatief is opnieuw gerouteerd."),
    "reroute_same": lazy_gettext("Opnieuw routeren verandert niets: de teams blijven dezelfde."),
    "change_details": lazy_gettext("Thema of locatie is aangepast."),
}
FIELD_LABELS = {
    "reason": lazy_gettext("Reden"),
    "assignee": lazy_gettext("Toewijzen aan"),
    "priority": lazy_gettext("Prioriteit"),
    "note": lazy_gettext("Notitie"),
    "message": lazy_gettext("Bericht"),
    "question": lazy_gettext("Vraag"),
    "to_team": lazy_gettext("Naar team"),
    "involved_teams": lazy_gettext("Betrokken teams"),
    "outcome": lazy_gettext("Besluit"),
    "rationale": lazy_gettext("Onderbouwing voor de indiener"),
    "into": lazy_gettext("Samenvoegen met (nummer)"),
    "themes": lazy_gettext("Thema's"),
    "area_code": lazy_gettext("Gebiedscode"),
    "version": lazy_gettext("Versie"),
    "ids": lazy_gettext("Selectie"),
    "bulk_action": lazy_gettext("Actie"),
    "username": lazy_gettext("Gebruikersnaam"),
    "password": lazy_gettext("Wachtwoord"),
}
EVENTS = {
    "Submitted": lazy_gettext("Ingediend"),
    "Routed": lazy_gettext("Gerouteerd"),
    "Rerouted": lazy_gettext("Opnieuw gerouteerd"),
    "DetailsChanged": lazy_gettext("Thema of locatie aangepast"),
    "HandoffAccepted": lazy_gettext("Overdracht geaccepteerd"),
    "HandoffDeclined": lazy_gettext("Overdracht geweigerd"),
    "InformationRequested": lazy_gettext("Informatie gevraagd"),
    "InformationProvided": lazy_gettext("Informatie gegeven"),
    "Forwarded": lazy_gettext("Doorgestuurd"),
    "Escalated": lazy_gettext("Voorgelegd aan regie"),
    "PrioritySet": lazy_gettext("Prioriteit gezet"),
    "Assigned": lazy_gettext("Toegewezen"),
    "InternalNoteAdded": lazy_gettext("Interne notitie"),
    "PublicUpdatePosted": lazy_gettext("Openbaar bericht"),
    "Decided": lazy_gettext("Besluit genomen"),
    "DecisionPublished": lazy_gettext("Besluit gepubliceerd"),
    "ExecutionStarted": lazy_gettext("Uitvoering gestart"),
    "Completed": lazy_gettext("Afgerond"),
    "Withdrawn": lazy_gettext("Ingetrokken"),
    "Merged": lazy_gettext("Samengevoegd"),
    "EmailConfirmed": lazy_gettext("E-mailadres bevestigd"),
    "Supported": lazy_gettext("Steun ontvangen"),
    "DeadlineMissed": lazy_gettext("Termijn verstreken"),
    "PersonalDataErased": lazy_gettext("Persoonsgegevens verwijderd"),
}
# Event details shown on the timeline (others are internal bookkeeping or sealed).
SHOWN_DETAILS = (
    "question",
    "answer",
    "note",
    "message",
    "outcome",
    "rationale",
    "to_team",
    "priority",
    "assignee",
    "team",
    "into",
    "deadline",
    "due",
)


def _teams() -> dict[str, str]:
    return {team.code: team.name for team in platform().teams()}


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "ROLES": ROLES,
        "PRIORITIES": PRIORITIES,
        "ACTION_LABELS": ACTION_LABELS,
        "FIELD_LABELS": FIELD_LABELS,
        "EVENTS": EVENTS,
        "staff_account": g.get("account"),
        "may": _may_page,
        "admin_area": "admin.home" in current_app.view_functions,
        "oidc_login": "oidc.start" in current_app.view_functions,
    }


@bp.app_template_filter("zip_labels")
def zip_labels(values: list[str], labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(value, str(labels.get(value, value))) for value in values]


def _may_page(what: str) -> bool:
    found = g.get("account")
    return found is not None and access.allowed(found.role, what, access.OTHER)


# -- sessions ------------------------------------------------------------------------------------


@bp.before_request
def load_account() -> ResponseReturnValue | None:
    g.account = None
    token = request.cookies.get(COOKIE)
    if token:
        resumed = staff_accounts().sessions.resume(token)
        found = staff_accounts().get(resumed.username) if resumed else None
        if found is not None and found.active:
            g.account = found
            g.token = token
    if g.account is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        expired = "1" if token else None
        return redirect(url_for("staff.login", volgende=target, verlopen=expired))
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=bp.url_prefix or "/",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/beheer") and "//" not in target and "\\" not in target:
        return target
    return url_for("staff.home")


@bp.route("/inloggen", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username:
            errors["username"] = [gettext("Vul uw gebruikersnaam in.")]
        if not password:
            errors["password"] = [gettext("Vul uw wachtwoord in.")]
        if not errors:
            try:
                found = staff_accounts().authenticate(
                    username, password, request.remote_addr or "-"
                )
            except LockedOut:
                errors["username"] = [
                    gettext(
                        "Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw of"
                        " vraag de beheerder om hulp."
                    )
                ]
                status = 429
            except LoginFailed:
                errors["password"] = [gettext("Deze gebruikersnaam en dit wachtwoord passen niet.")]
                status = 401
            else:
                old = request.cookies.get(COOKIE)
                if old:
                    staff_accounts().sessions.end(old)
                session.clear()  # a fresh CSRF token too
                token = staff_accounts().sessions.start(found.username)
                response = redirect(_safe_next(request.form.get("volgende")), code=303)
                _set_cookie(response, token)
                return response
        else:
            status = 422
    return (
        render_template(
            "staff/login.html",
            errors=errors,
            username=username,
            next=request.values.get("volgende", ""),
            expired=request.args.get("verlopen") == "1",
            logged_out=request.args.get("uitgelogd") == "1",
        ),
        status,
    )


@bp.post("/uitloggen")
def logout() -> ResponseReturnValue:
    staff_accounts().sessions.end(g.token)
    session.clear()
    response = redirect(url_for("staff.login", uitgelogd="1"), code=303)
    response.delete_cookie(COOKIE, path=bp.url_prefix or "/")
    return response


# -- authorization -------------------------------------------------------------------------------


def require(what: str, rel: str, target: str) -> None:
    me = account()
    if not access.allowed(me.role, what, rel):
        access.denied(me.username, me.role, what, rel, target)
        abort(403)


def _relation(initiative: Initiative) -> str:
    return access.relation(account().teams, initiative.lead_team, initiative.involved_teams)


def _actor(initiative: Initiative) -> Actor:
    me = account()
    team = access.acting_team(me.teams, initiative.lead_team, initiative.involved_teams)
    return Actor(id=f"staff:{me.username}", role=me.role, team=team)


def _initiative(initiative_id: UUID) -> Initiative:
    try:
        found: Initiative = platform().get_initiative(initiative_id)
    except NotFound:
        abort(404)
    return found


# -- home ----------------------------------------------------------------------------------------


@bp.get("/")
def home() -> ResponseReturnValue:
    me = account()
    teams = _teams()
    mine = [(code, teams.get(code, code)) for code in me.teams]
    wanted = (request.args.get("nummer") or "").strip()
    if wanted:
        try:
            return redirect(url_for("staff.detail", initiative_id=UUID(wanted)))
        except ValueError:
            pass
    return render_template("staff/home.html", teams=mine, wanted=wanted)


# -- queue ---------------------------------------------------------------------------------------


def _members(team: str) -> list[StaffAccount]:
    return [a for a in staff_accounts().all() if team in a.teams and a.active]


QUEUE_FILTERS = ("status", "theme", "area", "priority", "overdue", "mine", "sort")


@bp.get("/wachtrij/<team>")
def queue(team: str) -> ResponseReturnValue:
    teams = _teams()
    if team not in teams:
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
            sort=chosen["sort"] or "submitted",
            after=args.get("after") or None,
            now=platform().clock(),
        )
    except queries.QueryError as error:
        errors[error.field] = [gettext("Deze keuze bestaat niet.")]
    members = {a.username: a.name for a in _members(team)}
    areas = platform().area_index()
    return (
        render_template(
            "staff/queue.html",
            team=team,
            team_name=teams[team],
            page=page,
            chosen=chosen,
            errors=errors,
            members=members,
            areas=areas,
            area_choices=sorted(
                (a for a in areas.areas.values() if a.parent is not None),
                key=lambda a: (a.level.value != "district", a.name),
            ),
            statuses=queries.OPEN_STATUSES,
            themes=THEMES,
            priorities=[p.value for p in Priority],
            selection=set(session.get(f"selection:{team}", [])),
            results=session.pop(f"bulk:{team}", None),
            back=request.query_string.decode(),
        ),
        400 if errors else 200,
    )


@bp.post("/wachtrij/<team>/bulk")
def bulk(team: str) -> ResponseReturnValue:
    teams = _teams()
    if team not in teams:
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
    session[f"bulk:{team}"] = results
    back = request.form.get("back") or ""
    target = url_for("staff.queue", team=team) + (f"?{back}" if back else "")
    return redirect(target, code=303)


def _bulk_one(team: str, action: str, text_id: str, raw: dict[str, Any]) -> dict[str, str]:
    def result(ok: bool, text: str, title: str = "") -> dict[str, str]:
        return {"id": text_id, "title": title, "ok": "1" if ok else "", "text": text}

    try:
        initiative_id = UUID(text_id)
        initiative = platform().get_initiative(initiative_id)
    except (ValueError, NotFound):
        return result(False, gettext("Dit initiatief bestaat niet."))
    me = account()
    rel = _relation(initiative)
    if not access.allowed(me.role, action, rel):
        access.denied(me.username, me.role, action, rel, f"initiative:{text_id}")
        return result(False, gettext("Geen toegang."), initiative.title)
    version_text = request.form.get(f"version-{text_id}") or ""
    version = int(version_text) if version_text.isdigit() else None
    try:
        perform(
            platform(),
            initiative_id,
            action,
            dict(raw),
            _actor(initiative),
            version,
            members=lambda u: u in {a.username for a in _members(team)},
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


# What the detail page says when someone else acted first: the form keeps what was typed.
STALE_ON_PAGE = N_(
    "Iemand anders heeft dit initiatief gewijzigd terwijl u keek. Er is niets"
    " opgeslagen. Hieronder ziet u de huidige stand; uw invoer staat nog in het"
    " formulier. Controleer of uw actie nog nodig is en verstuur opnieuw."
)

# -- detail --------------------------------------------------------------------------------------


def _available(initiative: Initiative, rel: str) -> list[str]:
    return access.available_actions(account().role, rel, initiative.possible_commands())


def _timeline(initiative_id: UUID) -> list[dict[str, Any]]:
    entries = []
    for event in platform().history(initiative_id):
        entry = describe(event)
        details = {k: entry.details[k] for k in SHOWN_DETAILS if entry.details.get(k)}
        if entry.event in ("Routed", "Rerouted"):
            details["explanation"] = entry.details.get("decision", {}).get("explanation")
        entries.append({"entry": entry, "details": details})
    return entries


def _detail(
    initiative: Initiative,
    *,
    errors: Mapping[str, list[str]] | None = None,
    form_action: str | None = None,
    kept: Mapping[str, Any] | None = None,
    message: str | None = None,
    contact: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rel = _relation(initiative)
    teams = _teams()
    lead = initiative.lead_team
    areas = platform().area_index()
    return (
        render_template(
            "staff/detail.html",
            initiative=initiative,
            rel=rel,
            actions=_available(initiative, rel),
            timeline=_timeline(initiative.id),
            teams=teams,
            members={a.username: a.name for a in _members(lead)} if lead else {},
            forward_teams=[(code, name) for code, name in teams.items() if code != lead],
            all_members={a.username: a.name for a in staff_accounts().all()},
            areas=areas,
            area_name=areas.name(initiative.location.area_code)
            if initiative.location.area_code in areas
            else initiative.location.area_code,
            outcomes=[o.value for o in Outcome],
            priorities=[p.value for p in Priority],
            themes=THEMES,
            may_contact=access.allowed(account().role, "contact", rel),
            contact=contact,
            errors=errors or {},
            form_action=form_action,
            kept=kept or {},
            message=message,
            done=DONE.get(request.args.get("gedaan") or ""),
        ),
        status,
    )


@bp.get("/initiatieven/<uuid:initiative_id>")
def detail(initiative_id: UUID) -> ResponseReturnValue:
    initiative = _initiative(initiative_id)
    rel = _relation(initiative)
    require("detail", rel, f"initiative:{initiative_id}")
    contact = None
    if request.args.get("contactgegevens") == "1":
        require("contact", rel, f"initiative:{initiative_id}")
        contact = platform().open_personal_data(initiative_id, _actor(initiative), CONTACT_PURPOSE)
        contact = contact if contact is not None else {}
    return _detail(initiative, contact=contact)


def _form_data() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in request.form:
        if key in ("csrf_token", "version"):
            continue
        values = request.form.getlist(key)
        data[key] = values if key in ("themes", "involved_teams") else values[0]
    return data


@bp.post("/initiatieven/<uuid:initiative_id>/<action>")
def act(initiative_id: UUID, action: str) -> ResponseReturnValue:
    if action not in access.ACTIONS:
        abort(404)
    initiative = _initiative(initiative_id)
    rel = _relation(initiative)
    require(action, rel, f"initiative:{initiative_id}")
    kept = _form_data()
    version_text = request.form.get("version") or ""
    if not version_text.isdigit():
        return _detail(
            initiative,
            errors={f"{action}-version": [gettext("De versie ontbreekt; laad de pagina opnieuw.")]},
            form_action=action,
            kept=kept,
            status=400,
        )
    lead = initiative.lead_team
    try:
        result = perform(
            platform(),
            initiative_id,
            action,
            kept,
            _actor(initiative),
            int(version_text),
            members=lambda u: lead is not None and u in {a.username for a in _members(lead)},
        )
    except ActionInvalid as error:
        errors = {f"{action}-{f}": [gettext(m) for m in ms] for f, ms in error.errors.items()}
        return _detail(initiative, errors=errors, form_action=action, kept=kept, status=422)
    except (ConcurrencyConflict, IllegalTransition, InvariantViolation) as error:
        stale = isinstance(error, ConcurrencyConflict)
        return _detail(
            _initiative(initiative_id),
            form_action=action,
            kept=kept,
            message=gettext(STALE_ON_PAGE) if stale else conflict_message(error),
            status=http_status(error),
        )
    done = "reroute_same" if action == "reroute" and result is None else action
    return redirect(url_for("staff.detail", initiative_id=initiative_id, gedaan=done), code=303)


# -- regie ---------------------------------------------------------------------------------------


@bp.get("/regie")
def regie() -> ResponseReturnValue:
    me = account()
    if not access.allowed(me.role, "regie_dashboard", access.OTHER):
        access.denied(me.username, me.role, "regie_dashboard", access.OTHER, "regie")
        abort(403)
    overview = queries.regie_overview(container().views, REGIE_TEAM, now=platform().clock())
    return render_template("staff/regie.html", overview=overview, teams=_teams())
