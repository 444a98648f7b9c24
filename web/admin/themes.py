"""Themes: the municipality's theme list, changed here as a new version with a reason.

Each theme of the current list can be renamed (Dutch and English) and retired or taken back into
use; one new theme can be added at a time. A theme is never deleted, so work that has it stays
readable. The Open311 description, keywords and group of a theme are kept as they are (the
theme file of `participatie themes apply` sets them).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext

from participatie.application.schemas import refused_character
from participatie.domain.errors import InvariantViolation
from participatie.domain.themes import THEME_CODE, Theme
from web import context
from web.admin import bp
from web.admin.common import Errors, _actor, _add, _done, _render, _text

LABEL_LENGTH = 60
VERSION_LENGTH = 40
REASON_LENGTH = 2000


def _themes_page(
    errors: Errors | None = None, kept: dict[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    app = context.platform()
    catalogue = app.theme_list()
    history = app.theme_history()
    if kept is None:
        kept = {f"{t.code}-nl": t.nl for t in catalogue.themes}
        kept |= {f"{t.code}-en": t.en for t in catalogue.themes}
        kept |= {f"{t.code}-active": t.active for t in catalogue.themes}
    return _render(
        "admin/themes.html",
        status,
        catalogue=catalogue,
        versions=list(reversed(history.history)) if history else [],
        errors=errors or {},
        labels=_labels(catalogue.themes),
        kept=kept,
    )


def _labels(themes: tuple[Theme, ...]) -> dict[str, str]:
    """What each field is called in the error summary."""
    labels = {
        "versie": gettext("Versie"),
        "reden": gettext("Reden"),
        "nieuw-code": gettext("Nieuw thema: code"),
        "nieuw-nl": gettext("Nieuw thema: Nederlandse naam"),
        "nieuw-en": gettext("Nieuw thema: Engelse naam"),
    }
    for theme in themes:
        labels[f"{theme.code}-nl"] = gettext("%(code)s: Nederlandse naam", code=theme.code)
        labels[f"{theme.code}-en"] = gettext("%(code)s: Engelse naam", code=theme.code)
    return labels


@bp.get("/themas")
def themes() -> ResponseReturnValue:
    return _themes_page()


def _check_label(errors: Errors, key: str, value: str) -> None:
    if refused_character(value):
        _add(errors, key, gettext("Gebruik geen regeleinden, tabs of andere onzichtbare tekens."))
    elif not 1 <= len(value) <= LABEL_LENGTH:
        _add(errors, key, gettext("Geef een naam van 1 tot %(high)s tekens.", high=LABEL_LENGTH))


@bp.post("/themas")
def apply_themes() -> ResponseReturnValue:
    app = context.platform()
    catalogue = app.theme_list()
    history = app.theme_history()
    errors: Errors = {}
    kept: dict[str, Any] = {}
    new_list: list[Theme] = []
    for theme in catalogue.themes:
        nl, en = _text(f"{theme.code}-nl"), _text(f"{theme.code}-en")
        active = request.form.get(f"{theme.code}-active") == "1"
        kept |= {f"{theme.code}-nl": nl, f"{theme.code}-en": en, f"{theme.code}-active": active}
        _check_label(errors, f"{theme.code}-nl", nl)
        _check_label(errors, f"{theme.code}-en", en)
        new_list.append(replace(theme, nl=nl, en=en, active=active))
    code, nl, en = _text("nieuw-code"), _text("nieuw-nl"), _text("nieuw-en")
    kept |= {"nieuw-code": code, "nieuw-nl": nl, "nieuw-en": en}
    if code or nl or en:
        if not THEME_CODE.fullmatch(code):
            _add(
                errors,
                "nieuw-code",
                gettext("Gebruik 2 tot 40 kleine letters, cijfers en _, beginnend met een letter."),
            )
        elif code in catalogue.codes:
            _add(errors, "nieuw-code", gettext("Dit thema bestaat al; pas het hierboven aan."))
        _check_label(errors, "nieuw-nl", nl)
        _check_label(errors, "nieuw-en", en)
        new_list.append(Theme(code, nl, en))
    version, reason = _text("versie"), (request.form.get("reden") or "").strip()
    kept |= {"versie": version, "reden": reason}
    if not 1 <= len(version) <= VERSION_LENGTH or refused_character(version):
        _add(
            errors,
            "versie",
            gettext(
                "Geef een versie van 1 tot %(high)s tekens, zoals 2027-1.", high=VERSION_LENGTH
            ),
        )
    elif history is not None and version in history.versions:
        _add(errors, "versie", gettext("Deze versie bestaat al; kies een nieuwe naam."))
    if not 1 <= len(reason) <= REASON_LENGTH:
        _add(
            errors,
            "reden",
            gettext("Geef een reden van hoogstens %(high)s tekens.", high=REASON_LENGTH),
        )
    if not any(theme.active for theme in new_list):
        _add(errors, "versie", gettext("Houd minstens één thema in gebruik."))
    if errors:
        return _themes_page(errors, kept, 422)
    try:
        change = app.apply_themes(version, new_list, reason, _actor())
    except InvariantViolation:  # someone applied the same version name just now
        _add(errors, "versie", gettext("Deze versie bestaat al; kies een nieuwe naam."))
        return _themes_page(errors, kept, 422)
    url = url_for("admin.themes")
    if change.nothing and app.theme_list().version != version:
        return _done(gettext("Er is niets veranderd; er is niets vastgelegd."), url, "warning")
    changed = len(change.added + change.retired + change.reactivated + change.relabelled)
    return _done(
        ngettext(
            "Themalijst %(version)s vastgelegd: %(num)s thema gewijzigd.",
            "Themalijst %(version)s vastgelegd: %(num)s thema's gewijzigd.",
            changed,
            version=version,
        ),
        url,
    )
