"""Staff accounts: add, change, deactivate and reactivate them, and set a password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.schemas import SINGLE_LINE, refused_character
from participatie.domain.errors import InvariantViolation
from participatie.domain.staff import STAFF_ROLES, TEAM_ROLES, StaffAccount, normal_username
from participatie.domain.values import Role
from participatie.staff.accounts import MIN_PASSWORD_LENGTH
from web import context, staff
from web.admin import bp
from web.admin.common import (
    Errors,
    _actor,
    _add,
    _check_email,
    _done,
    _prefixed,
    _refusal,
    _render,
    _team_choices,
    _team_names,
    _text,
)
from web.plain import AccountRow


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
    elif refused_character(values["name"]):
        _add(errors, "name", gettext(SINGLE_LINE))
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


def _accounts_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    return _render(
        "admin/accounts.html",
        status,
        accounts=[AccountRow.of(a) for a in context.staff_accounts().all()],
        team_names=_team_names(),
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
        account=AccountRow.of(account),
        myself=account.username == context.account().username,
        team_names=_team_names(),
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


def _set_active(
    found: StaffAccount, active: bool, form: str, already: str, success: str
) -> ResponseReturnValue:
    """Deactivate (`active` False) or reactivate an account, with the reason from the form."""
    reason = _text("reason")
    errors: Errors = {}
    if found.active == active:
        _add(errors, "reason", already)
    elif not reason:
        _add(errors, "reason", gettext("Vul de reden in; die wordt vastgelegd."))
    if not errors:
        staff_accounts = context.staff_accounts()
        change = staff_accounts.reactivate if active else staff_accounts.deactivate
        try:
            change(found.username, _actor(), reason)
        except InvariantViolation as error:
            errors = _refusal(error, ("reason",), "reason")
        else:
            return _done(success, url_for("admin.account", username=found.username))
    return _account_page(found, _prefixed(form, errors), None, 422)


@bp.post("/medewerkers/<username>/deactiveren")
def deactivate_account(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    if found.username == context.account().username:  # the page offers no form for this
        message = gettext(
            "U kunt uw eigen account niet deactiveren. Er is niets veranderd; vraag het een"
            " andere beheerder."
        )
        return _account_page(found, message=message, status=409)
    return _set_active(
        found,
        False,
        "deactivate",
        gettext("Dit account is al gedeactiveerd."),
        gettext(
            "%(username)s is gedeactiveerd en kan niet meer inloggen; open sessies zijn beëindigd.",
            username=found.username,
        ),
    )


@bp.post("/medewerkers/<username>/heractiveren")
def reactivate_account(username: str) -> ResponseReturnValue:
    found = _account_or_404(username)
    return _set_active(
        found,
        True,
        "reactivate",
        gettext("Dit account is al actief."),
        gettext("%(username)s is weer actief.", username=found.username),
    )


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
