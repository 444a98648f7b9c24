"""Challenges (opgaven): add or change one, with its themes, team and focus areas."""

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
    Errors,
    _actor,
    _add,
    _area_choices,
    _area_names,
    _check_areas,
    _check_code,
    _check_name,
    _done,
    _prefixed,
    _refusal,
    _render,
    _team_choices,
    _team_names,
    _text,
)
from web.plain import ChallengeRow


def _challenges_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/challenges.html",
        status,
        challenges=[ChallengeRow.of(c) for c in context.platform().challenges()],
        team_names=_team_names(),
        area_names=_area_names(),
        area_choices=_area_choices(),
        team_choices=_team_choices(TeamKind.CHALLENGE),
        theme_choices=_theme_choices(kept),
        errors=errors or {},
        kept=kept or {"themes": [], "focus_areas": []},
    )


def _theme_choices(kept: Mapping[str, Any] | None) -> list[str]:
    """The active themes, and the retired ones the challenge being edited already has."""
    held = set()
    code = (kept or {}).get("code")
    for challenge in context.platform().challenges():
        if challenge.code == code:
            held = set(challenge.themes)
    themes = context.platform().theme_list()
    return [t.code for t in themes.themes if t.active or t.code in held]


@bp.get("/opgaven")
def challenges() -> ResponseReturnValue:
    wanted = request.args.get("opgave") or ""
    found = next((c for c in context.platform().challenges() if c.code == wanted), None)
    kept = None
    if found is not None:
        kept = {
            "code": found.code,
            "name": found.name,
            "themes": list(found.themes),
            "team": found.team,
            "focus_areas": list(found.focus_areas),
        }
    return _challenges_page(kept=kept)


@bp.post("/opgaven")
def save_challenge() -> ResponseReturnValue:
    kept: dict[str, Any] = {
        "code": _text("code"),
        "name": _text("name"),
        "themes": request.form.getlist("themes"),
        "team": _text("team"),
        "focus_areas": request.form.getlist("focus_areas"),
    }
    errors: Errors = {}
    _check_code(errors, kept["code"])
    _check_name(errors, kept["name"])
    if not kept["themes"]:
        _add(errors, "themes", gettext("Kies minstens één thema."))
    elif any(theme not in _theme_choices(kept) for theme in kept["themes"]):
        _add(errors, "themes", gettext("Kies alleen thema's uit de lijst."))
    if kept["team"] not in dict(_team_choices(TeamKind.CHALLENGE)):
        _add(errors, "team", gettext("Kies het opgaveteam dat eigenaar is van deze opgave."))
    if not kept["focus_areas"]:
        _add(
            errors,
            "focus_areas",
            gettext("Kies minstens één focusgebied; zonder focusgebied landt de opgave nergens."),
        )
    _check_areas(errors, "focus_areas", kept["focus_areas"])
    if not errors:
        existed = any(c.code == kept["code"] for c in context.platform().challenges())
        try:
            changed = context.platform().define_challenge(
                kept["code"],
                kept["name"],
                kept["themes"],
                kept["team"],
                kept["focus_areas"],
                _actor(),
            )
        except InvariantViolation as error:
            errors = _refusal(error, (), "code")
        else:
            if not existed:
                message = gettext("Opgave %(code)s is toegevoegd.", code=kept["code"])
            elif changed:
                message = gettext("Opgave %(code)s is gewijzigd.", code=kept["code"])
            else:
                message = gettext("Er was niets veranderd aan opgave %(code)s.", code=kept["code"])
            return _done(message, url_for("admin.challenges"))
    return _challenges_page(_prefixed("challenge", errors), kept, 422)
