"""The admin area (role "beheerder"): staff accounts, teams, challenges, the area map, the routing
rulebook, failed background jobs and the e-mail ledger (with the embedded outbox).

Every request is checked with participatie.staff.access ("admin" page); a refusal is logged and
answered with 403. Every change is recorded as an event with the admin as actor. Bad input gets
field-level errors (422) and changes nothing; a successful change redirects (303) to a page that
says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Collection, Mapping
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, ngettext
from marshmallow import ValidationError, validate
from redis.exceptions import RedisError
from werkzeug.utils import secure_filename

from participatie.application.backtest import BacktestResult, backtest
from participatie.application.orgfile import CODE
from participatie.application.rulesfile import read_rulebook
from participatie.application.schemas import flatten
from participatie.domain.errors import DomainError, InvariantViolation, NotFound
from participatie.domain.rulecheck import RuleBookInvalid
from participatie.domain.staff import STAFF_ROLES, TEAM_ROLES, StaffAccount, normal_username
from participatie.domain.values import THEMES, Actor, AreaLevel, Role, TeamKind
from participatie.infra.failed_jobs import failed_jobs, requeue_failed
from participatie.maps.areas_import import AreaFileError, read_areas
from participatie.notifications.mail import OutboxTransport
from participatie.privacy.erasure import erase_initiative, erase_subject
from participatie.privacy.retention import RetentionPolicy
from participatie.privacy.retention import due as retention_due
from participatie.privacy.subject_access import access_export
from participatie.staff import access
from participatie.staff.accounts import MIN_PASSWORD_LENGTH
from web import context, staff

log = logging.getLogger("participatie.admin")

bp = Blueprint("admin", __name__, url_prefix="/beheer/admin")
bp.after_request(staff.no_store)

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
RULEBOOK_TEMPLATE = """\
version: "1"
description: Eerste versie
default_acceptance_days: 5
rules: []
"""

Errors = dict[str, list[str]]


# -- access --------------------------------------------------------------------------------------


@bp.before_request
def authorise() -> ResponseReturnValue | None:
    """Load the staff session (or go to the login page) and admit admins only."""
    found = staff.load_account()
    if found is not None:
        return found
    me = context.account()
    if not access.allowed(me.role, "admin", access.OTHER):
        access.denied(me.username, me.role, "admin", access.OTHER, request.path)
        abort(403)
    return None


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
    """Errors keyed `<form>-<field>`, as the form macros in staff/_forms.html expect."""
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
    if not low <= len(name) <= high:
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


def _team_choices() -> list[tuple[str, str]]:
    return [(team.code, f"{team.name} ({team.code})") for team in context.platform().teams()]


# -- home ----------------------------------------------------------------------------------------


@bp.get("/")
def home() -> ResponseReturnValue:
    app = context.platform()
    rulebook = app.rulebook()
    return _render(
        "admin/home.html",
        accounts=len(context.staff_accounts().all()),
        teams=len(app.teams()),
        challenges=len(app.challenges()),
        map_version=app.area_map_version(),
        rulebook_version=rulebook.current_version if rulebook else None,
        redis=bool(context.container().settings.redis_url),
        mail_failed=context.container().mailer.log.counts()["failed"],
    )


# -- staff accounts ------------------------------------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(staff.ROLES[role.value])) for role in STAFF_ROLES]


def _check_account(values: Mapping[str, Any], password: str | None) -> tuple[Errors, Role | None]:
    """Check an account form (`password` None: the change form); return errors and the role."""
    errors: Errors = {}
    if "username" in values:
        username = normal_username(values["username"])
        if not username:
            _add(errors, "username", gettext("Vul een gebruikersnaam in."))
        elif not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            _add(
                errors,
                "username",
                gettext(
                    "Gebruik alleen letters, cijfers, punten, streepjes en liggende streepjes."
                ),
            )
        elif context.staff_accounts().get(username) is not None:
            _add(errors, "username", gettext("Deze gebruikersnaam bestaat al."))
    if not values["name"]:
        _add(errors, "name", gettext("Vul de naam van de medewerker in."))
    _check_email(errors, values["email"])
    role = next((r for r in STAFF_ROLES if r.value == values["role"]), None)
    if role is None:
        _add(errors, "role", gettext("Kies een rol."))
    teams = values["teams"]
    known = {code for code, _ in _team_choices()}
    if any(team not in known for team in teams):
        _add(errors, "teams", gettext("Kies alleen teams uit de lijst."))
    elif role in TEAM_ROLES and not teams:
        _add(
            errors,
            "teams",
            gettext(
                "Een %(role)s werkt voor minstens één team: kies een team.",
                role=str(staff.ROLES[role.value]).lower(),
            ),
        )
    elif role is not None and role not in TEAM_ROLES and teams:
        _add(
            errors,
            "teams",
            gettext(
                "Een %(role)s werkt niet voor een team: zet de teams uit.",
                role=str(staff.ROLES[role.value]).lower(),
            ),
        )
    if password is not None:
        _check_password(errors, password)
    return errors, role


def _check_password(errors: Errors, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        _add(
            errors,
            "password",
            gettext(
                "Kies een wachtwoord van minstens %(num)s tekens; een zin van een paar woorden"
                " is het best.",
                num=MIN_PASSWORD_LENGTH,
            ),
        )


ADD_FIELDS = ("username", "name", "email", "role", "teams", "password")
CHANGE_FIELDS = ("name", "email", "role", "teams")


def _account_form() -> dict[str, Any]:
    return {
        "name": _text("name"),
        "email": _text("email"),
        "role": _text("role"),
        "teams": request.form.getlist("teams"),
    }


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


def _accounts_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/accounts.html",
        status,
        accounts=context.staff_accounts().all(),
        team_names={team.code: team.name for team in context.platform().teams()},
        team_choices=_team_choices(),
        role_choices=_role_choices(),
        errors=errors or {},
        kept=kept or {"teams": []},
    )


@bp.get("/medewerkers")
def accounts() -> ResponseReturnValue:
    return _accounts_page()


@bp.post("/medewerkers")
def add_account() -> ResponseReturnValue:
    kept: dict[str, Any] = {"username": _text("username"), **_account_form()}
    password = request.form.get("password") or ""
    errors, role = _check_account(kept, password)
    if not errors and role is not None:
        try:
            account = context.staff_accounts().add(
                kept["username"],
                kept["name"],
                role,
                kept["teams"],
                password,
                _actor(),
                email=kept["email"] or None,
            )
        except InvariantViolation as error:
            errors = _refusal(error, ADD_FIELDS, "username")
        else:
            return _done(
                gettext(
                    "Medewerker %(username)s is toegevoegd. Geef het wachtwoord op een veilige"
                    " manier door.",
                    username=account.username,
                ),
                url_for("admin.account", username=account.username),
            )
    return _accounts_page(_prefixed("add", errors), kept, 422)


def _account_or_404(username: str) -> StaffAccount:
    found: StaffAccount | None = context.staff_accounts().get(username)
    if found is None:
        abort(404)
    return found


def _account_page(
    account: StaffAccount,
    errors: Errors | None = None,
    kept: Mapping[str, Any] | None = None,
    status: int = 200,
    message: str | None = None,
) -> ResponseReturnValue:
    current = {
        "name": account.name,
        "email": account.email or "",
        "role": account.role.value,
        "teams": list(account.teams),
    }
    return _render(
        "admin/account.html",
        status,
        account=account,
        myself=account.username == context.account().username,
        team_names={team.code: team.name for team in context.platform().teams()},
        team_choices=_team_choices(),
        role_choices=_role_choices(),
        errors=errors or {},
        change=kept if kept is not None else current,
        reason=_text("reason") if request.method == "POST" else "",
        message=message,
    )


@bp.get("/medewerkers/<username>")
def account(username: str) -> ResponseReturnValue:
    return _account_page(_account_or_404(username))


@bp.post("/medewerkers/<username>/wijzigen")
def change_account(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    kept = _account_form()
    errors, role = _check_account(kept, None)
    if found.username == context.account().username and role is not Role.ADMIN:
        _add(
            errors,
            "role",
            gettext("U kunt uw eigen rol niet veranderen: u zou zichzelf buitensluiten."),
        )
    if not errors and role is not None:
        try:
            changed = context.staff_accounts().change(
                found.username,
                kept["name"],
                role,
                kept["teams"],
                _actor(),
                email=kept["email"] or None,
            )
        except InvariantViolation as error:
            errors = _refusal(error, CHANGE_FIELDS, "name")
        else:
            message = (
                gettext("De gegevens van %(username)s zijn opgeslagen.", username=found.username)
                if changed
                else gettext("Er was niets veranderd; er is niets opgeslagen.")
            )
            return _done(message, url_for("admin.account", username=found.username))
    return _account_page(found, _prefixed("change", errors), kept, 422)


@bp.post("/medewerkers/<username>/deactiveren")
def deactivate_account(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    reason = _text("reason")
    errors: Errors = {}
    if found.username == context.account().username:  # the page offers no form for this
        message = gettext(
            "U kunt uw eigen account niet deactiveren. Er is niets veranderd; vraag het een"
            " andere beheerder."
        )
        return _account_page(found, message=message, status=409)
    if not found.active:
        _add(errors, "reason", gettext("Dit account is al gedeactiveerd."))
    elif not reason:
        _add(errors, "reason", gettext("Vul de reden in; die wordt vastgelegd."))
    if not errors:
        try:
            context.staff_accounts().deactivate(found.username, _actor(), reason)
        except InvariantViolation as error:
            errors = _refusal(error, ("reason",), "reason")
        else:
            return _done(
                gettext(
                    "%(username)s is gedeactiveerd en kan niet meer inloggen; open sessies zijn"
                    " beëindigd.",
                    username=found.username,
                ),
                url_for("admin.account", username=found.username),
            )
    return _account_page(found, _prefixed("deactivate", errors), None, 422)


@bp.post("/medewerkers/<username>/heractiveren")
def reactivate_account(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    reason = _text("reason")
    errors: Errors = {}
    if found.active:
        _add(errors, "reason", gettext("Dit account is al actief."))
    elif not reason:
        _add(errors, "reason", gettext("Vul de reden in; die wordt vastgelegd."))
    if not errors:
        try:
            context.staff_accounts().reactivate(found.username, _actor(), reason)
        except InvariantViolation as error:
            errors = _refusal(error, ("reason",), "reason")
        else:
            return _done(
                gettext("%(username)s is weer actief.", username=found.username),
                url_for("admin.account", username=found.username),
            )
    return _account_page(found, _prefixed("reactivate", errors), None, 422)


@bp.post("/medewerkers/<username>/wachtwoord")
def set_password(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    password = request.form.get("password") or ""
    errors: Errors = {}
    _check_password(errors, password)
    if not errors:
        try:
            context.staff_accounts().set_password(found.username, password, _actor())
        except InvariantViolation as error:
            errors = _refusal(error, ("password",), "password")
        else:
            return _done(
                gettext(
                    "Het nieuwe wachtwoord van %(username)s is ingesteld; open sessies zijn"
                    " beëindigd.",
                    username=found.username,
                ),
                url_for("admin.account", username=found.username),
            )
    return _account_page(found, _prefixed("password", errors), None, 422)


# -- teams ---------------------------------------------------------------------------------------


def _teams_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/teams.html",
        status,
        teams=context.platform().teams(),
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


# -- challenges ----------------------------------------------------------------------------------


def _challenge_teams() -> list[tuple[str, str]]:
    return [
        (team.code, f"{team.name} ({team.code})")
        for team in context.platform().teams()
        if team.kind is TeamKind.CHALLENGE
    ]


def _challenges_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/challenges.html",
        status,
        challenges=context.platform().challenges(),
        team_names={team.code: team.name for team in context.platform().teams()},
        area_names=_area_names(),
        area_choices=_area_choices(),
        team_choices=_challenge_teams(),
        theme_choices=list(THEMES),
        errors=errors or {},
        kept=kept or {"themes": [], "focus_areas": []},
    )


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
    elif any(theme not in THEMES for theme in kept["themes"]):
        _add(errors, "themes", gettext("Kies alleen thema's uit de lijst."))
    if kept["team"] not in dict(_challenge_teams()):
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


# -- area map ------------------------------------------------------------------------------------


def _areas_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    app = context.platform()
    counts: dict[str, int] = {}
    municipality = None
    if app.has_area_map():
        municipality = app.municipality()
        for area in app.area_index().areas.values():
            counts[area.level.value] = counts.get(area.level.value, 0) + 1
    return _render(
        "admin/areas.html",
        status,
        version=app.area_map_version(),
        municipality=municipality,
        counts=counts,
        errors=errors or {},
        kept=kept or {},
    )


@bp.get("/gebiedskaart")
def areas() -> ResponseReturnValue:
    return _areas_page()


@bp.post("/gebiedskaart")
def import_areas() -> ResponseReturnValue:
    app = context.platform()
    label = _text("version")
    upload = request.files.get("file")
    errors: Errors = {}
    if not label:
        _add(errors, "version", gettext("Vul een versielabel in, bijvoorbeeld 2026-2."))
    elif len(label) > LABEL_LENGTH:
        _add(errors, "version", gettext("Gebruik hoogstens %(num)s tekens.", num=LABEL_LENGTH))
    if upload is None or not upload.filename:
        _add(errors, "file", gettext("Kies het GeoJSON-bestand met de wijken en buurten."))
    found: list[Any] = []
    filename = ""
    if upload is not None and upload.filename:
        filename = secure_filename(upload.filename) or "kaart.geojson"
        with tempfile.TemporaryDirectory(prefix="participatie-kaart-") as folder:
            path = Path(folder) / filename
            upload.save(path)
            try:
                found = read_areas(path)
            except AreaFileError as error:
                detail = str(error).replace(str(path), filename)
                _add(
                    errors,
                    "file",
                    gettext(
                        "Dit bestand is geen bruikbaar wijken-en-buurtenbestand: %(detail)s",
                        detail=detail,
                    ),
                )
        if found and app.has_area_map():
            code, name = app.municipality()
            root = next((a for a in found if a.parent is None), None)
            if root is not None and root.code != code:
                _add(
                    errors,
                    "file",
                    gettext(
                        "Dit bestand is van %(file)s (%(file_code)s); de kaart is van %(name)s"
                        " (%(code)s).",
                        file=root.name,
                        file_code=root.code,
                        name=name,
                        code=code,
                    ),
                )
    if not errors:
        try:
            app.import_area_map(label, found, f"upload:{filename}", _actor())
        except InvariantViolation as error:
            if error.field == "version":
                errors = {
                    "version": [
                        gettext(
                            "Kaartversie %(label)s bestaat al; kies een nieuw versielabel.",
                            label=label,
                        )
                    ]
                }
            else:
                errors = {
                    "file": [
                        gettext(
                            "Dit bestand past niet bij de kaart: %(detail)s", detail=error.message
                        )
                    ]
                }
        else:
            return _done(
                ngettext(
                    "Kaartversie %(label)s is geïmporteerd: %(num)s gebied.",
                    "Kaartversie %(label)s is geïmporteerd: %(num)s gebieden.",
                    len(found),
                    label=label,
                ),
                url_for("admin.areas"),
            )
    return _areas_page(_prefixed("map", errors), {"version": label}, 422)


# -- rulebook ------------------------------------------------------------------------------------


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compact(value: Any) -> Any:
    """Leave out empty values (the schema's defaults), so the YAML reads like a handmade file."""
    if isinstance(value, dict):
        pairs = ((k, _compact(v)) for k, v in value.items())
        return {k: v for k, v in pairs if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def rulebook_yaml(rulebook: Any) -> str:
    """The YAML of the current rulebook version, in the format `participatie rules` reads."""
    if rulebook is None or rulebook.current_version is None:
        return RULEBOOK_TEMPLATE
    version = rulebook.versions[rulebook.current_version]
    data = {
        "version": rulebook.current_version,
        "description": version["description"],
        "default_acceptance_days": version["default_acceptance_days"],
        "rules": [_compact(rule) for rule in version["rules"]],
    }
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return text


def _read_candidate(text: str) -> tuple[dict[str, Any] | None, Any, list[str]]:
    """Parse and check a rulebook text as `participatie rules check` does.

    Returns the data, the candidate Book and the problems (the first two None on problems).
    """
    if not text.strip():
        return None, None, [gettext("Vul het regelboek in (YAML).")]
    with tempfile.TemporaryDirectory(prefix="participatie-regels-") as folder:
        path = Path(folder) / "regelboek.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            data = read_rulebook(path)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            if mark is not None:
                message = gettext(
                    "Dit is geen geldige YAML (regel %(line)s, kolom %(column)s): %(problem)s",
                    line=mark.line + 1,
                    column=mark.column + 1,
                    problem=problem,
                )
            else:
                message = gettext("Dit is geen geldige YAML: %(problem)s", problem=problem)
            return None, None, [message]
        except ValidationError as error:
            return (
                None,
                None,
                [
                    f"{'.'.join(str(k) for k in path) or '_schema'}: {message}"
                    for path, message in flatten(error.messages)
                ],
            )
    rulebook = context.platform().rulebook()
    if rulebook is not None and data["version"] in rulebook.versions:
        return (
            None,
            None,
            [
                gettext(
                    "version: versie %(version)s bestaat al. Geef het regelboek een nieuwe versie.",
                    version=data["version"],
                )
            ],
        )
    try:
        book = context.platform().candidate_book(
            data["version"], data["default_acceptance_days"], data["rules"]
        )
    except RuleBookInvalid as error:
        return None, None, [str(problem) for problem in error.problems]
    return data, book, []


def _rulebook_page(
    text: str,
    *,
    problems: list[str] | None = None,
    result: BacktestResult | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rulebook = context.platform().rulebook()
    errors = {"rules-text": problems} if problems else {}
    return _render(
        "admin/rulebook.html",
        status,
        rulebook=rulebook,
        versions=list(rulebook.versions) if rulebook else [],
        text=text,
        digest=_text_hash(text) if result is not None else "",
        result=result,
        team_names={team.code: team.name for team in context.platform().teams()},
        message=message,
        errors=errors,
    )


@bp.get("/regelboek")
def rulebook() -> ResponseReturnValue:
    return _rulebook_page(rulebook_yaml(context.platform().rulebook()))


@bp.post("/regelboek")
def rulebook_step() -> ResponseReturnValue:
    text = (request.form.get("text") or "").replace("\r\n", "\n")
    step = request.form.get("stap") or "backtest"
    data, book, problems = _read_candidate(text)
    if step == "publiceren" and request.form.get("sha") != _text_hash(text):
        message = gettext(
            "Er is niets gepubliceerd: de tekst is veranderd sinds de backtest. Bekijk hieronder"
            " de backtest van de tekst zoals die nu is en publiceer dan opnieuw."
        )
        if problems:
            return _rulebook_page(text, problems=problems, message=message, status=422)
        return _rulebook_page(
            text, result=backtest(context.platform(), book), message=message, status=409
        )
    if problems or data is None:
        return _rulebook_page(text, problems=problems, status=422)
    if step != "publiceren":
        return _rulebook_page(text, result=backtest(context.platform(), book))
    try:
        context.platform().publish_rulebook(
            data["version"],
            data["description"],
            data["default_acceptance_days"],
            data["rules"],
            _actor(),
        )
    except RuleBookInvalid as error:
        return _rulebook_page(
            text, problems=[str(problem) for problem in error.problems], status=422
        )
    except DomainError as error:
        log.info("rulebook publish refused: %s", error)
        return _rulebook_page(
            text, problems=[gettext("Dit kan niet: %(reason)s", reason=str(error))], status=422
        )
    return _done(
        gettext(
            "Regelboek %(version)s is gepubliceerd (%(num)s regels). Lopende initiatieven zijn"
            " niet verplaatst; nieuwe initiatieven worden met deze versie gerouteerd.",
            version=data["version"],
            num=len(data["rules"]),
        ),
        url_for("admin.rulebook"),
    )


# -- failed background jobs ----------------------------------------------------------------------


def _jobs_page(
    errors: Errors | None = None, status: int = 200, *, refused: bool = False
) -> ResponseReturnValue:
    settings = context.container().settings
    found = None
    unreachable = False
    if settings.redis_url:
        try:
            found = failed_jobs(settings)
        except (RedisError, OSError) as error:
            log.warning("failed jobs: Redis not reachable: %s", error)
            unreachable = True
            status = 503
    elif refused:
        status = 409
    return _render(
        "admin/jobs.html",
        status,
        configured=bool(settings.redis_url),
        unreachable=unreachable,
        jobs=found,
        errors=errors or {},
    )


@bp.get("/taken")
def jobs() -> ResponseReturnValue:
    return _jobs_page()


@bp.post("/taken")
def requeue_jobs() -> ResponseReturnValue:
    settings = context.container().settings
    if not settings.redis_url:
        return _jobs_page(refused=True)
    everything = request.form.get("alles") == "1"
    ids = [i for i in request.form.getlist("ids") if i]
    if not everything and not ids:
        return _jobs_page({"jobs-ids": [gettext("Kies eerst één of meer taken.")]}, 422)
    try:
        done, unknown = requeue_failed(settings, None if everything else ids)
    except (RedisError, OSError) as error:
        log.warning("requeue: Redis not reachable: %s", error)
        return _jobs_page()
    flash(
        ngettext(
            "%(num)s taak staat weer in de wachtrij.",
            "%(num)s taken staan weer in de wachtrij.",
            done,
        ),
        "success",
    )
    if unknown:
        flash(
            gettext(
                "Niet (meer) mislukt, dus niet opnieuw in de wachtrij gezet: %(ids)s",
                ids=", ".join(unknown),
            ),
            "warning",
        )
    return redirect(url_for("admin.jobs"), code=303)


# -- privacy -------------------------------------------------------------------------------------

ERASE_SCOPES = [
    ("subject", lazy_gettext("Eén persoon (subject-id)")),
    ("initiative", lazy_gettext("Alle personen van een initiatief (initiatief-id)")),
]


RETENTION_LABELS = {
    "completed": lazy_gettext("Afgerond"),
    "withdrawn": lazy_gettext("Ingetrokken"),
    "merged": lazy_gettext("Samengevoegd"),
    "not_honoured": lazy_gettext("Niet gehonoreerd (besluit gepubliceerd)"),
}
RETENTION_SHOWN = 100


def _privacy_page(
    errors: Errors | None = None, kept: Mapping[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    container = context.container()
    policy = RetentionPolicy.from_settings(container.settings)
    items = retention_due(container.app, container.views, policy, container.app.clock())
    return _render(
        "admin/privacy.html",
        status,
        errors=errors or {},
        kept=kept or {"scope": "subject"},
        SCOPES=[(code, str(label)) for code, label in ERASE_SCOPES],
        RETENTION_LABELS=RETENTION_LABELS,
        policy=policy.months,
        due_items=items[:RETENTION_SHOWN],
        due_total=len(items),
    )


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return _privacy_page()


@bp.post("/privacy/verwijderen")
def erase() -> ResponseReturnValue:
    """Erase one person, or everyone of an initiative (crypto-shredding), with a reason."""
    kept = {name: _text(name) for name in ("scope", "identifier", "reason")}
    errors: Errors = {}
    scope = kept["scope"]
    if scope not in dict(ERASE_SCOPES):
        _add(errors, "scope", gettext("Kies wat u wilt verwijderen."))
    try:
        identifier = UUID(kept["identifier"])
    except ValueError:
        _add(errors, "identifier", gettext("Vul een id in zoals 3f2b8c1e-…."))
    if not kept["reason"]:
        _add(
            errors,
            "reason",
            gettext("Vul een reden in, bijvoorbeeld het verzoek waarop u dit doet."),
        )
    if not errors:
        container = context.container()
        try:
            if scope == "subject":
                done = erase_subject(container, identifier, _actor(), kept["reason"])
            else:
                done = erase_initiative(container, identifier, _actor(), kept["reason"])
        except NotFound:
            _add(errors, "identifier", gettext("Er is geen persoon of initiatief met dit id."))
        else:
            if done.erased:
                message = ngettext(
                    "De gegevens van %(num)s persoon zijn verwijderd.",
                    "De gegevens van %(num)s personen zijn verwijderd.",
                    len(done.erased),
                )
            else:
                message = gettext("Deze gegevens waren al verwijderd.")
            log.info(
                "erasure by %s: initiative %s, %d subjects, %d mails",
                _actor().id,
                done.initiative_id,
                len(done.erased),
                done.mails_removed,
            )
            return _done(message, url_for("admin.privacy"))
    return _privacy_page(_prefixed("erase", errors), kept, 422)


@bp.post("/privacy/inzage")
def subject_access() -> ResponseReturnValue:
    """Everything about one person as a JSON download (AVG art. 15), recorded first."""
    kept = {name: _text(name) for name in ("subject", "purpose")}
    errors: Errors = {}
    try:
        subject_id = UUID(kept["subject"])
    except ValueError:
        _add(errors, "subject", gettext("Vul een id in zoals 3f2b8c1e-…."))
    if not kept["purpose"]:
        _add(errors, "purpose", gettext("Vul in op welk verzoek u dit doet."))
    if not errors:
        try:
            export = access_export(context.platform(), subject_id, _actor(), kept["purpose"])
        except NotFound:
            _add(errors, "subject", gettext("Er is geen indiener of steuner met dit id."))
        else:
            body = json.dumps(export, ensure_ascii=False, indent=2, default=str)
            return Response(
                body,
                mimetype="application/json",
                headers={"Content-Disposition": f'attachment; filename="inzage-{subject_id}.json"'},
            )
    return _privacy_page(_prefixed("access", errors), kept, 422)


# -- e-mail --------------------------------------------------------------------------------------

MAIL_STATES = {
    "sending": lazy_gettext("Wordt verzonden"),
    "retry": lazy_gettext("Wordt opnieuw geprobeerd"),
    "sent": lazy_gettext("Verzonden"),
    "failed": lazy_gettext("Mislukt"),
}
OUTBOX_SHOWN = 200


def _date_of(message: EmailMessage) -> Any:
    """The Date header as a datetime, or as its text when it is no valid date."""
    raw = str(message["Date"] or "")
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return raw or None


def _outbox_rows(outbox: OutboxTransport) -> list[dict[str, Any]]:
    """The newest messages in the outbox: file name, subject and date."""
    paths = sorted(outbox.messages(), key=lambda p: p.stat().st_mtime, reverse=True)
    rows = []
    for path in paths[:OUTBOX_SHOWN]:
        message = outbox.read(path.name)
        if message is not None:
            rows.append(
                {
                    "name": path.name,
                    "subject": str(message["Subject"] or ""),
                    "date": _date_of(message),
                }
            )
    return rows


@bp.get("/mail")
def mail() -> ResponseReturnValue:
    """Counts per state, the ledger (optionally one state) and the embedded outbox."""
    mailer = context.container().mailer
    settings = context.container().settings
    state = request.args.get("status") or ""
    if state not in MAIL_STATES:
        state = ""
    outbox = mailer.outbox
    return _render(
        "admin/mail.html",
        STATES=MAIL_STATES,
        counts=mailer.log.counts(),
        entries=mailer.log.entries(state or None),
        state=state,
        outbox=_outbox_rows(outbox) if outbox else None,
        outbox_total=len(outbox.messages()) if outbox else 0,
        shown=OUTBOX_SHOWN,
        smtp=f"{settings.smtp_host}:{settings.smtp_effective_port}",
    )


@bp.get("/mail/bericht/<name>")
def mail_message(name: str) -> ResponseReturnValue:
    """One message of the embedded outbox: its headers, the text and the HTML as source."""
    outbox = context.container().mailer.outbox
    message = outbox.read(name) if outbox else None
    if message is None:
        abort(404)
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    return _render(
        "admin/mail_message.html",
        name=name,
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        date=_date_of(message),
        message_id=str(message["Message-ID"] or ""),
        text=text.get_content() if isinstance(text, EmailMessage) else "",
        html=markup.get_content() if isinstance(markup, EmailMessage) else None,
    )
