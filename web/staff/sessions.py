"""Staff login, logout and the session check before every staff page.

Staff sessions are server-side (participatie.staff.accounts.Sessions): the cookie holds a random
token, valid for its path /beheer only; login always issues a new token, logout deletes it.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from participatie.domain.values import Role
from participatie.staff.accounts import LockedOut, LoginFailed
from web.context import staff_accounts
from web.security import cookie_options, local_target
from web.staff.common import bp

COOKIE = "participatie_medewerker"
PUBLIC_ENDPOINTS = {"staff.login", "oidc.start", "oidc.callback"}


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
    # Lax, not Strict: staff open cases from links in their e-mail (often webmail, another
    # site), and no GET under /beheer changes anything; every post carries a CSRF token.
    response.set_cookie(COOKIE, token, **cookie_options(bp.url_prefix or "/"))


def _safe_next(target: str | None, role: Role | None = None) -> str:
    """Where a login leads: the page asked for (under /beheer), else the person's home page.

    An admin has no work queue, so their home page is the admin area, not an empty
    "Werkvoorraad"."""
    home = url_for("admin.home") if role is Role.ADMIN else url_for("staff.home")
    return local_target(target, home, prefix="/beheer")


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
                response = redirect(_safe_next(request.form.get("volgende"), found.role), code=303)
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
    response.delete_cookie(COOKIE, **cookie_options(bp.url_prefix or "/"))
    return response
