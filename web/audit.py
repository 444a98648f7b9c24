"""Auditor pages: history per initiative (HTML and JSON), time travel, the integrity check,
exports and the processing log. Read-only; no personal data is ever shown here."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.audit.chain import CheckpointInvalid, signing_key, verify
from participatie.audit.exports import ExportFilter, export_events
from participatie.audit.history import describe, plain
from participatie.audit.timetravel import initiative_as_of, views_as_of
from participatie.domain.errors import NotFound
from participatie.domain.processing import EventsExported, PersonalDataOpened
from participatie.staff import access
from participatie.views import queries
from web import context, staff
from web.i18n import TIMEZONE

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")
bp.after_request(staff.no_store)


@bp.before_request
def only_auditors() -> ResponseReturnValue | None:
    redirect = staff.load_account()
    if redirect is not None:
        return redirect
    staff.require("audit", access.OTHER, f"audit:{request.path}")
    return None


def _moment(text: str | None) -> datetime | None:
    """A moment from a datetime-local field (Amsterdam time) or an ISO string; None if absent."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(TIMEZONE))


def _actor() -> Any:
    me = context.account()
    from participatie.domain.values import Actor

    return Actor(id=f"staff:{me.username}", role=me.role, team=None)


@bp.get("/")
def home() -> ResponseReturnValue:
    teams = {t.code: t.name for t in context.platform().teams()}
    grant = context.account().grant_purpose(context.platform().clock())
    return render_template("audit/home.html", teams=teams, grant=grant)


@bp.route("/zoeken", methods=["GET", "POST"])
def search() -> ResponseReturnValue:
    """The staff search, opening an initiative's history."""
    return staff.search.search_page("audit.search", "audit.history")


def _history(initiative_id: UUID) -> list[dict[str, Any]]:
    try:
        events = context.platform().history(initiative_id)
    except NotFound:
        abort(404)
    if not events or type(events[0]).__qualname__ != "Initiative.Submitted":
        abort(404)
    return [plain(asdict(describe(e))) for e in events]


@bp.get("/initiatieven/<uuid:initiative_id>")
def history(initiative_id: UUID) -> ResponseReturnValue:
    entries = _history(initiative_id)
    at_text = request.args.get("op") or ""
    at = _moment(at_text)
    state = initiative_as_of(context.platform(), initiative_id, at) if at else None
    teams = {t.code: t.name for t in context.platform().teams()}
    return render_template(
        "audit/history.html",
        initiative_id=initiative_id,
        entries=entries,
        at_text=at_text,
        at=at,
        bad_moment=bool(at_text) and at is None,
        state=state,
        teams=teams,
    )


@bp.get("/initiatieven/<uuid:initiative_id>.json")
def history_json(initiative_id: UUID) -> ResponseReturnValue:
    entries = _history(initiative_id)
    at = _moment(request.args.get("op"))
    body: dict[str, Any] = {"initiative_id": str(initiative_id), "history": entries}
    if at is not None:
        body["as_of"] = initiative_as_of(context.platform(), initiative_id, at)
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json")


@bp.get("/wachtrij")
def queue_as_of() -> ResponseReturnValue:
    teams = {t.code: t.name for t in context.platform().teams()}
    team = request.args.get("team") or ""
    at_text = request.args.get("op") or ""
    at = _moment(at_text)
    errors: dict[str, list[str]] = {}
    if team not in teams:
        errors["team"] = [gettext("Kies een team uit de lijst.")]
    if at is None:
        errors["op"] = [gettext("Vul een datum en tijd in.")]
    page = None
    if not errors:
        assert at is not None
        with views_as_of(context.platform(), at) as then:
            page = queries.team_queue(then, team, limit=200, now=at)
    return (
        render_template(
            "audit/queue.html",
            teams=teams,
            team=team,
            at_text=at_text,
            at=at,
            page=page,
            errors=errors,
        ),
        422 if errors and (team or at_text) else 200,
    )


@bp.get("/gebiedsagenda")
def agenda_as_of() -> ResponseReturnValue:
    """An area's agenda, its stacked challenges and its P&C figures as they were at a moment,
    replayed from the log (the agenda from its own events, the figures from the views)."""
    app = context.platform()
    index = app.area_index()
    choices = {f"{a.area}|{a.period}": (a.area, a.period) for a in app.agendas()}
    names = {code: area.name for code, area in index.areas.items()}
    wanted = request.args.get("agenda") or ""
    at_text = request.args.get("op") or ""
    at = _moment(at_text)
    errors: dict[str, list[str]] = {}
    if wanted not in choices:
        errors["agenda"] = [gettext("Kies een gebiedsagenda uit de lijst.")]
    if at is None:
        errors["op"] = [gettext("Vul een datum en tijd in.")]
    agenda = figures = stacked = None
    if not errors:
        assert at is not None
        area, period = choices[wanted]
        agenda = app.agenda_as_of(area, period, at)
        by_code = {c.code: c for c in app.challenges()}
        landing = [(c, by_code[c].name, by_code[c].team) for c in app.challenges_landing(area)]
        order = app.challenge_order_as_of(area, at)
        with views_as_of(app, at) as then:
            figures = queries.pc_figures(then, area, now=at)
            stacked = queries.stacked_challenges(
                then, area, landing, order.order if order else (), now=at
            )
    return (
        render_template(
            "audit/agenda.html",
            choices={key: f"{names.get(a, a)} {p}" for key, (a, p) in choices.items()},
            wanted=wanted,
            at_text=at_text,
            at=at,
            agenda=agenda,
            figures=figures,
            stacked=stacked,
            errors=errors,
            names=names,
            teams={t.code: t.name for t in app.teams()},
        ),
        422 if errors and (wanted or at_text) else 200,
    )


@bp.route("/controle", methods=["GET", "POST"])
def integrity() -> ResponseReturnValue:
    report = None
    rejected = None
    sealer = context.container().sealer()
    if request.method == "POST":
        try:
            report = verify(
                context.platform(),
                context.container().audit_tables,
                signing_key(context.container().settings).public_key(),
            )
        except CheckpointInvalid as error:
            rejected = str(error)
    position, _, count = sealer.head()
    return render_template(
        "audit/integrity.html",
        report=report,
        rejected=rejected,
        sealed=count,
        head=position,
        checkpoint=sealer.last_checkpoint(),
    )


@bp.post("/export")
def export() -> ResponseReturnValue:
    """Download events. Every export is recorded in the auditor's name (with personal data,
    each person opened too), so it takes a post with a CSRF token, never a followed link."""
    form = request.form
    fmt = form.get("format") or "jsonl"
    if fmt not in ("jsonl", "csv"):
        abort(404)
    flt = ExportFilter(
        start=_moment(form.get("van")),
        end=_moment(form.get("tot")),
        area=form.get("gebied") or None,
        team=form.get("team") or None,
    )
    purpose = context.account().grant_purpose(context.platform().clock())
    personal = form.get("persoonsgegevens") == "1"
    if personal and purpose is None:
        me = context.account()
        access.denied(me.username, me.role, "export-personal-data", access.OTHER, "audit:export")
        abort(403)
    out = io.StringIO()
    export_events(
        context.platform(),
        flt,
        out,
        format=fmt,
        actor=_actor(),
        personal_data=personal,
        purpose=purpose if personal else None,
    )
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    response = Response(out.getvalue(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="gebeurtenissen.{fmt}"'
    return response


@bp.get("/verwerkingen")
def processing() -> ResponseReturnValue:
    app = context.platform()
    opened: list[PersonalDataOpened] = app.processing_log()
    exported: list[EventsExported] = [
        app.repository.get(UUID(str(n.originator_id)))
        for n in app.notifications(EventsExported.Recorded)
    ]
    return render_template("audit/processing.html", opened=opened, exported=exported)
