"""What the API's operations share: the path prefix, the error answer, bearer-token accounts and
the access check (scoped exactly like the pages, participatie.staff.access)."""

from __future__ import annotations

import json
from typing import Any, NoReturn
from uuid import UUID

import flask_smorest
from flask import g, request
from flask_smorest import abort
from webargs.flaskparser import FlaskParser

from participatie.domain.errors import NotFound
from participatie.domain.staff import StaffAccount
from participatie.staff import access
from web.context import container, platform

PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


UNREADABLE = "De JSON is niet te lezen."
TOO_DEEP = "De JSON is te diep genest."
TOO_LONG = "Een getal in de JSON heeft te veel cijfers."


class JsonParser(FlaskParser):
    """webargs' parser, answering 400 with a Dutch message to any JSON it cannot read.

    Python's own reader fails differently on two kinds: nesting deeper than its recursion
    limit (RecursionError) and integers of more than 4,300 digits (ValueError); both were 500s.
    """

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError(TOO_DEEP, "(body)", 0) from None
        except json.JSONDecodeError:
            raise
        except ValueError:
            raise json.JSONDecodeError(TOO_LONG, "(body)", 0) from None

    def _handle_invalid_json_error(self, error: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        message = getattr(error, "msg", "")
        known = message if message in (TOO_DEEP, TOO_LONG) else UNREADABLE
        abort(400, exc=error, message=known, messages={"json": [known]})


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: their arguments are read by JsonParser."""

    ARGUMENTS_PARSER = JsonParser()


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
