"""The admin area (role "beheerder"): staff accounts, teams, challenges, themes, the area map, the
routing rulebook, failed background jobs, privacy requests and the e-mail ledger (with the
embedded outbox), one module per section; what they share is in web/admin/common.py.

Every request is checked with participatie.staff.access ("admin" page); a refusal is logged and
answered with 403. Every change is recorded as an event with the admin as actor. Bad input gets
field-level errors (422) and changes nothing; a successful change redirects (303) to a page that
says so.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue

from participatie.staff import access
from web import context, staff

bp = Blueprint("admin", __name__, url_prefix="/beheer/admin")
bp.after_request(staff.no_store)


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


# The sections register their routes on `bp`, so they are imported after it exists.
from web.admin import (  # noqa: E402
    accounts,
    areas,
    challenges,
    home,
    jobs,
    mail,
    privacy,
    rulebook,
    teams,
    themes,
)

__all__ = [
    "accounts",
    "areas",
    "authorise",
    "bp",
    "challenges",
    "home",
    "jobs",
    "mail",
    "privacy",
    "rulebook",
    "teams",
    "themes",
]
