"""Moderation: what a resident asked to publish is public only once a moderator approved it, or
published an edited version (redacted); a moderator can also hide it. Each is an event with the
moderator and, for redacting and hiding, the reason. Who moderates: PARTICIPATIE_MODERATORS.

The queue lists the initiatives waiting, oldest first, with the text as submitted; approving is a
bulk action (checkboxes and one button: keyboard only is enough). Redacting and hiding are done
on one initiative's page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.actions import MODERATION_TABLE, ActionInvalid, perform
from participatie.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvariantViolation,
    NotFound,
)
from participatie.domain.values import Actor
from participatie.staff import access
from participatie.views.queries.moderation import STATES, moderation_counts, moderation_queue
from web.context import account, container, platform
from web.errors import conflict_message, http_status
from web.staff.common import bp, initiative_or_404, teams

DONE = {
    "approve_public_text": "goedgekeurd",
    "redact_public_text": "aangepast",
    "hide_public_text": "verborgen",
}


def _moderator() -> Actor:
    me = account()
    if not access.moderates(me.role, container().settings.moderators):
        access.denied(me.username, me.role, "moderation", access.OTHER, request.path)
        abort(403)
    return Actor(id=f"staff:{me.username}", role=me.role)


@bp.route("/moderatie")
def moderation() -> ResponseReturnValue:
    _moderator()
    return _queue()


def _queue(results: list[dict[str, Any]] | None = None, status: int = 200) -> ResponseReturnValue:
    state = request.args.get("status", "pending")
    if state not in STATES:
        abort(404)
    views = container().views
    page = moderation_queue(views, state, request.args.get("na"))
    return (
        render_template(
            "staff/moderation.html",
            page=page,
            state=state,
            counts=moderation_counts(views),
            areas=platform().area_index(),
            results=results or [],
        ),
        status,
    )


@bp.route("/moderatie", methods=["POST"])
def moderation_bulk() -> ResponseReturnValue:
    """Approve every chosen initiative as written; each gets its own result line."""
    moderator = _moderator()
    results = []
    for raw in request.form.getlist("ids"):
        try:
            initiative_id = UUID(raw)
        except ValueError:
            abort(400)
        version = request.form.get(f"version-{raw}", "")
        title = ""
        try:
            initiative = platform().get_initiative(initiative_id)
            title = initiative.title
            perform(
                platform(),
                initiative_id,
                "approve_public_text",
                {},
                moderator,
                int(version) if version.isdigit() else None,
                table=MODERATION_TABLE,
            )
        except (ConcurrencyConflict, IllegalTransition, InvariantViolation) as error:
            results.append({"ok": False, "title": title, "text": conflict_message(error)})
            continue
        except NotFound:
            results.append({"ok": False, "title": raw, "text": gettext("Niet gevonden.")})
            continue
        results.append({"ok": True, "title": title, "text": gettext("Goedgekeurd: nu openbaar.")})
    if not results:
        results.append({"ok": False, "title": "", "text": gettext("Kies eerst een initiatief.")})
    return _queue(results, 200 if all(r["ok"] for r in results) else 409)


@bp.route("/moderatie/<uuid:initiative_id>", methods=["GET", "POST"])
def moderate(initiative_id: UUID) -> ResponseReturnValue:
    moderator = _moderator()
    initiative = initiative_or_404(initiative_id)
    if request.method == "GET":
        return _page(initiative)
    action = request.form.get("action", "")
    if action not in MODERATION_TABLE:
        abort(400)
    kept: dict[str, Any] = {k: request.form.get(k, "") for k in ("title", "description", "reason")}
    sent = {k: v for k, v in kept.items() if k in _fields(action)}
    if action == "redact_public_text" and initiative.photos:  # ticked: the ones that stay
        sent["photos"] = kept["photos"] = request.form.getlist("photos")
    version = request.form.get("version", "")
    try:
        perform(
            platform(),
            initiative_id,
            action,
            sent,
            moderator,
            int(version) if version.isdigit() else None,
            table=MODERATION_TABLE,
        )
    except ActionInvalid as error:
        errors = {f"{action}-{f}": [gettext(m) for m in ms] for f, ms in error.errors.items()}
        return _page(initiative, errors=errors, action=action, kept=kept, status=422)
    except (ConcurrencyConflict, IllegalTransition, InvariantViolation) as error:
        return _page(
            initiative_or_404(initiative_id),
            action=action,
            kept=kept,
            message=conflict_message(error),
            status=http_status(error),
        )
    return redirect(
        url_for("staff.moderate", initiative_id=initiative_id, gedaan=DONE[action]), 303
    )


def _fields(action: str) -> tuple[str, ...]:
    return {
        "approve_public_text": (),
        "redact_public_text": ("title", "description", "reason"),
        "hide_public_text": ("reason",),
    }[action]


def _page(
    initiative: Any,
    *,
    errors: dict[str, list[str]] | None = None,
    action: str | None = None,
    kept: dict[str, Any] | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    public = initiative.public_text
    possible = set(initiative.possible_commands())
    return (
        render_template(
            "staff/moderate.html",
            initiative=initiative,
            public=public,
            moderation=initiative.moderation.value,
            possible=possible,
            shown=initiative.shown_photos,
            moderatable=bool(possible & set(MODERATION_TABLE)),
            errors=errors or {},
            form_action=action,
            kept=kept or {},
            message=message,
            done=request.args.get("gedaan"),
            teams=teams(),
        ),
        status,
    )
