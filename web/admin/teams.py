"""Teams: add a team or change one (its kind never changes; there is one regieteam)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.errors import InvariantViolation
from participatie.domain.values import TeamKind
from web import context
from web.admin import bp
from web.admin.common import (
    TEAM_KINDS,
    Errors,
    _actor,
    _add,
    _area_choices,
    _area_names,
    _check_areas,
    _check_code,
    _check_email,
    _check_name,
    _done,
    _prefixed,
    _refusal,
    _render,
    _text,
)
from web.plain import TeamRow


def _teams_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/teams.html",
        status,
        teams=[TeamRow.of(t) for t in context.platform().teams()],
        area_names=_area_names(),
        area_choices=_area_choices(),
        kind_choices=[(kind.value, str(TEAM_KINDS[kind.value])) for kind in TeamKind],
        errors=errors or {},
        kept=kept or {"areas": []},
    )


@bp.get("/teams")
def teams() -> ResponseReturnValue:
    wanted = request.args.get("team") or ""
    found = next((t for t in context.platform().teams() if t.code == wanted), None)
    kept = None
    if found is not None:
        kept = {
            "code": found.code,
            "name": found.name,
            "kind": found.kind.value,
            "areas": list(found.areas),
            "email": found.email or "",
        }
    return _teams_page(kept=kept)


@bp.post("/teams")
def save_team() -> ResponseReturnValue:
    kept: dict[str, Any] = {
        "code": _text("code"),
        "name": _text("name"),
        "kind": _text("kind"),
        "areas": request.form.getlist("areas"),
        "email": _text("email"),
    }
    errors: Errors = {}
    _check_code(errors, kept["code"])
    _check_name(errors, kept["name"])
    existing = {team.code: team for team in context.platform().teams()}
    kind = next((k for k in TeamKind if k.value == kept["kind"]), None)
    current = existing.get(kept["code"])
    if kind is None:
        _add(errors, "kind", gettext("Kies het soort team."))
    elif current is not None and current.kind is not kind:
        _add(
            errors,
            "kind",
            gettext(
                "Een bestaand team verandert niet van soort: %(code)s is een %(kind)s.",
                code=current.code,
                kind=str(TEAM_KINDS[current.kind.value]).lower(),
            ),
        )
    elif current is None and kind is TeamKind.REGIE:
        regie = next((t.code for t in existing.values() if t.kind is TeamKind.REGIE), None)
        if regie is not None:
            _add(errors, "kind", gettext("Er is al een regieteam (%(code)s).", code=regie))
    _check_areas(errors, "areas", kept["areas"])
    if kind is TeamKind.AREA and not kept["areas"]:
        _add(errors, "areas", gettext("Kies de gebieden waar dit gebiedsteam eigenaar van is."))
    _check_email(errors, kept["email"])
    if not errors and kind is not None:
        try:
            changed = context.platform().register_team(
                kept["code"], kept["name"], kind, kept["areas"], kept["email"] or None, _actor()
            )
        except InvariantViolation as error:
            errors = _refusal(error, (), "code")
        else:
            if current is None:
                message = gettext("Team %(code)s is toegevoegd.", code=kept["code"])
            elif changed:
                message = gettext("Team %(code)s is gewijzigd.", code=kept["code"])
            else:
                message = gettext("Er was niets veranderd aan team %(code)s.", code=kept["code"])
            return _done(message, url_for("admin.teams"))
    return _teams_page(_prefixed("team", errors), kept, 422)
