"""What the admin sections share: labels, rendering, errors and the form checks.

Bad input gets field-level errors (422) and changes nothing; a successful change redirects (303)
to a page that says so. Every change is recorded as an event with the admin as actor.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from marshmallow import ValidationError, validate

from participatie.application.orgfile import CODE
from participatie.application.schemas import SINGLE_LINE, refused_character
from participatie.domain.errors import InvariantViolation
from participatie.domain.values import Actor, AreaLevel, TeamKind
from web import context, staff

log = logging.getLogger("participatie.admin")

NAME_LENGTH = (2, 120)
LABEL_LENGTH = 40  # area map and rulebook version labels

TEAM_KINDS = {
    "area": lazy_gettext("Gebiedsteam"),
    "challenge": lazy_gettext("Opgaveteam"),
    "line": lazy_gettext("Lijnafdeling"),
    "regie": lazy_gettext("Regieteam"),
}
# Labels of every admin form field, on top of the staff pages' labels (the staff form macros
# and the error summary look them up by field name).
FIELD_LABELS = {
    **staff.FIELD_LABELS,
    "username": lazy_gettext("Gebruikersnaam"),
    "name": lazy_gettext("Naam"),
    "email": lazy_gettext("E-mailadres"),
    "role": lazy_gettext("Rol"),
    "teams": lazy_gettext("Teams"),
    "password": lazy_gettext("Wachtwoord"),
    "reason": lazy_gettext("Reden"),
    "code": lazy_gettext("Code"),
    "kind": lazy_gettext("Soort team"),
    "areas": lazy_gettext("Gebieden"),
    "team": lazy_gettext("Opgaveteam"),
    "themes": lazy_gettext("Thema's"),
    "focus_areas": lazy_gettext("Focusgebieden"),
    "version": lazy_gettext("Versie"),
    "file": lazy_gettext("GeoJSON-bestand"),
    "text": lazy_gettext("Regelboek (YAML)"),
    "ids": lazy_gettext("Taken"),
    "scope": lazy_gettext("Wat verwijderen"),
    "identifier": lazy_gettext("Kenmerk"),
    "subject": lazy_gettext("Subject-id"),
    "purpose": lazy_gettext("Doel en verzoek"),
}

Errors = dict[str, list[str]]


def _actor() -> Actor:
    me = context.account()
    return Actor(id=f"staff:{me.username}", role=me.role, team=None)


def _render(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    return (
        render_template(template, FIELD_LABELS=FIELD_LABELS, TEAM_KINDS=TEAM_KINDS, **context),
        status,
    )


def _done(message: str, url: str, category: str = "success") -> ResponseReturnValue:
    flash(message, category)
    return redirect(url, code=303)


def _prefixed(form: str, errors: Mapping[str, list[str]]) -> Errors:
    """Errors keyed `<form>-<field>`, as the form macros in _macros.html expect."""
    return {f"{form}-{field}": list(messages) for field, messages in errors.items() if messages}


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# -- shared checks -------------------------------------------------------------------------------


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _valid_email(value: str) -> bool:
    try:
        validate.Email()(value)
    except ValidationError:
        return False
    return True


def _check_name(errors: Errors, name: str) -> None:
    low, high = NAME_LENGTH
    if refused_character(name):
        _add(errors, "name", gettext(SINGLE_LINE))
    elif not low <= len(name) <= high:
        _add(
            errors,
            "name",
            gettext("Vul een naam in van %(low)s tot %(high)s tekens.", low=low, high=high),
        )


def _check_code(errors: Errors, code: str) -> None:
    if not code:
        _add(errors, "code", gettext("Vul een code in."))
        return
    try:
        CODE(code)
    except ValidationError:
        _add(
            errors,
            "code",
            gettext(
                "Gebruik 2 tot 63 kleine letters, cijfers en streepjes, beginnend met een letter"
                " of cijfer, zoals gebiedsteam-noord."
            ),
        )


def _check_email(errors: Errors, email: str) -> None:
    if email and not _valid_email(email):
        _add(errors, "email", gettext("Vul een geldig e-mailadres in, zoals naam@example.org."))


def _area_choices() -> list[tuple[str, str]]:
    """Every wijk and buurt of the current map: wijk first, its buurten indented below it."""
    app = context.platform()
    if not app.has_area_map():
        return []
    areas = app.area_index().areas
    wijken = sorted(
        (a for a in areas.values() if a.level is AreaLevel.DISTRICT), key=lambda a: a.code
    )
    found: list[tuple[str, str]] = []
    for wijk in wijken:
        found.append((wijk.code, f"{wijk.name} ({wijk.code})"))
        buurten = sorted((a for a in areas.values() if a.parent == wijk.code), key=lambda a: a.code)
        found.extend((b.code, f"– {b.name} ({b.code})") for b in buurten)
    return found


def _area_names() -> dict[str, str]:
    app = context.platform()
    return {a.code: a.name for a in app.area_index().areas.values()} if app.has_area_map() else {}


def _check_areas(errors: Errors, field: str, codes: list[str]) -> None:
    known = {code for code, _ in _area_choices()}
    unknown = [code for code in codes if code not in known]
    if unknown:
        _add(
            errors,
            field,
            gettext("Deze gebieden staan niet op de kaart: %(codes)s.", codes=", ".join(unknown)),
        )


def _team_choices(kind: TeamKind | None = None) -> list[tuple[str, str]]:
    """Every team (or every team of `kind`) as a choice: code and "name (code)"."""
    return [
        (team.code, f"{team.name} ({team.code})")
        for team in context.platform().teams()
        if kind is None or team.kind is kind
    ]


def _team_names() -> dict[str, str]:
    return {team.code: team.name for team in context.platform().teams()}


# What to say when the domain refuses a change the form checks let through (for example because
# someone else was quicker), by the field the domain names.
REFUSALS = {
    "username": lazy_gettext("Deze gebruikersnaam bestaat al of kan niet."),
    "name": lazy_gettext("Vul de naam van de medewerker in."),
    "role": lazy_gettext("Kies een rol."),
    "teams": lazy_gettext("Deze combinatie van rol en teams kan niet."),
    "password": lazy_gettext("Dit wachtwoord kan niet."),
    "active": lazy_gettext("Dit account heeft die status al; laad de pagina opnieuw."),
    "reason": lazy_gettext("Vul een reden in."),
}


def _refusal(error: InvariantViolation, fields: Collection[str], fallback: str) -> Errors:
    """The domain's refusal as an error on the form's field it names (else on `fallback`)."""
    log.info("admin change refused: %s", error)
    field = error.field if error.field in fields else fallback
    message = REFUSALS.get(error.field) or gettext("Dit kan niet: %(reason)s", reason=error.message)
    return {field: [str(message)]}
