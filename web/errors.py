"""Errors as calm Dutch (or English) pages: never a stack trace.

This is the one place where an error becomes an HTTP answer: `http_status` maps the named
domain and application errors to 404, 409 or 422 (by type, never by message text), and the
handlers answer in the format of where the request went: a page, the JSON API's error object,
or Open311's error list. Pages that keep what the user typed catch the error themselves, and
still take its status and message from here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Flask, current_app, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from participatie.application.actions import GENERAL, ActionInvalid
from participatie.application.schemas import N_
from participatie.domain.errors import (
    AlreadySupported,
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    InvalidChoice,
    InvariantViolation,
    NotFound,
    ReasonRequired,
)

STALE = N_("Iemand anders heeft dit initiatief gewijzigd; er is niets opgeslagen.")


def http_status(error: Exception) -> int:
    """The HTTP status of a named error: 404 unknown, 422 input to correct, 409 conflict."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ActionInvalid | InvalidChoice | ReasonRequired):
        return 422
    if isinstance(
        error, ConcurrencyConflict | IllegalTransition | InvariantViolation | AlreadySupported
    ):
        return 409
    return 500


ERASED_AUTHOR = N_(
    "De gegevens van de indiener zijn verwijderd: bij dit initiatief kan geen tekst meer worden"
    " bewaard die onder hun sleutel valt (een notitie, vraag of antwoord)."
)


def conflict_message(error: Exception) -> str:
    """What a person is told about a 409: someone acted first, or the state refuses it."""
    if isinstance(error, ConcurrencyConflict):
        return gettext(STALE)
    if isinstance(error, InvariantViolation) and error.field == "text":
        return gettext(ERASED_AUTHOR)
    return gettext(GENERAL)


def _current(error: ConcurrencyConflict) -> dict[str, Any]:
    """The version (and status) someone else left: the 409 answer's `current`."""
    current: dict[str, Any] = {"version": error.actual}
    if isinstance(error.aggregate_id, UUID):
        try:
            found = current_app.extensions["participatie"].app.get_initiative(error.aggregate_id)
        except NotFound:
            return current
        current = {"version": found.version, "status": found.status.value}
    return current


def _details(error: Exception) -> dict[str, Any] | None:
    if isinstance(error, ActionInvalid):
        return {"json": error.errors}
    if isinstance(error, ConcurrencyConflict):
        return {"current": _current(error)}
    if isinstance(error, DomainError):
        return {"refusal": str(error)}  # the domain's own words, for a developer
    return None


def _page(
    heading: str, message: str, status: int, errors: dict[str, Any] | None = None
) -> ResponseReturnValue:
    if request.path.startswith("/open311/"):  # GeoReport v2's error list
        return [{"code": status, "description": heading}], status
    if request.path.startswith("/api/"):  # the API answers in its own JSON error format
        body: dict[str, Any] = {
            "code": status,
            "status": HTTP_STATUS_CODES.get(status, ""),
            "message": heading,
        }
        if errors:
            body["errors"] = errors
        return body, status
    return render_template("error.html", heading=heading, message=message), status


def answer(error: Exception) -> ResponseReturnValue:
    """The answer to a named error no view handled itself (the one builder of a 409)."""
    status = http_status(error)
    if status == 404:
        return not_found_page()
    if status == 409:
        message = conflict_message(error)
        return _page(message, message, 409, _details(error))
    if status == 422:
        message = gettext("Controleer de velden met een foutmelding.")
        return _page(message, message, 422, _details(error))
    raise error


def not_found_page() -> ResponseReturnValue:
    return _page(
        gettext("Pagina niet gevonden"),
        gettext("Deze pagina bestaat niet (meer). Controleer het adres."),
        404,
    )


def too_many_page() -> ResponseReturnValue:
    return _page(
        gettext("Even wachten"),
        gettext(
            "Er zijn vanaf uw internetaansluiting veel formulieren verstuurd. Probeer het"
            " over een tijdje opnieuw."
        ),
        429,
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, answer)
    app.register_error_handler(ActionInvalid, answer)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> ResponseReturnValue:
        return _page(
            gettext("Het formulier is verlopen"),
            gettext(
                "Om u te beschermen werkt een formulier maar een paar uur en alleen op deze"
                " website. Ga terug, laad de pagina opnieuw en probeer het nog eens."
            ),
            400,
        )

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> ResponseReturnValue:
        return _page(
            gettext("Geen toegang"),
            gettext(
                "U heeft geen toegang tot deze pagina of actie. Hoort u die wel te hebben?"
                " Vraag het de beheerder."
            ),
            403,
        )

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        return not_found_page()

    @app.errorhandler(405)
    def method_not_allowed(error: HTTPException) -> ResponseReturnValue:
        heading = gettext("Dit kan hier niet")
        message = gettext("Dit adres werkt niet op deze manier. Ga terug en probeer het opnieuw.")
        response = make_response(_page(heading, message, 405))
        # The answer names the methods that do work here (RFC 9110: a 405 carries Allow).
        allowed = getattr(error, "valid_methods", None) or ()
        response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    @app.errorhandler(410)
    def gone(error: HTTPException) -> ResponseReturnValue:
        return _page(
            gettext("Deze link is verlopen"),
            gettext("Links in onze e-mails werken 7 dagen. Vraag een nieuwe link aan."),
            410,
        )

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> ResponseReturnValue:
        return _page(
            gettext("Het bestand is te groot"),
            gettext(
                "Wat u stuurde is groter dan %(mb)s MB samen. Er is niets opgeslagen.",
                mb=(current_app.config["MAX_CONTENT_LENGTH"] or 0) // 1_000_000,
            ),
            413,
        )

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> ResponseReturnValue:
        return too_many_page()

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return _page(
            gettext("Er ging iets mis"),
            gettext("Er ging bij ons iets mis. Er is niets verloren; probeer het later opnieuw."),
            500,
        )
