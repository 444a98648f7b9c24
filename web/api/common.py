"""What the API's operations share: the path prefix, the error answer, bearer-token accounts and
the access check (scoped exactly like the pages, participatie.staff.access)."""

from __future__ import annotations

from typing import Any, NoReturn
from uuid import UUID

from flask import g, request
from flask_smorest import abort

from participatie.domain.errors import NotFound
from participatie.domain.staff import StaffAccount
from participatie.staff import access
from web.context import container, platform

PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def fail(code: int, **kwargs: Any) -> NoReturn:
    """Stop with an error answer in the API's JSON error format."""
    abort(code, **kwargs)
    raise AssertionError("unreachable")


def bearer() -> StaffAccount:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        found = container().staff.token_account(token.strip())
    if found is None:
        fail(401, message="Geef een geldig API-token (Authorization: Bearer …).")
    g.api_account = found
    return found


def require(account: StaffAccount, what: str, rel: str, target: str) -> None:
    if not access.allowed(account.role, what, rel):
        access.denied(account.username, account.role, what, rel, target)
        fail(403, message="Geen toegang.")


def initiative_or_404(initiative_id: UUID) -> Any:
    try:
        return platform().get_initiative(initiative_id)
    except NotFound:
        fail(404, message="Onbekend initiatief.")
