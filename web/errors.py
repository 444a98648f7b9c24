"""Errors as calm Dutch (or English) pages: never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES


def _page(heading: str, message: str, status: int) -> ResponseReturnValue:
    if request.path.startswith("/open311/"):  # GeoReport v2's error list
        return [{"code": status, "description": heading}], status
    if request.path.startswith("/api/"):  # the API answers in its own JSON error format
        return {
            "code": status,
            "status": HTTP_STATUS_CODES.get(status, ""),
            "message": heading,
        }, status
    return render_template("error.html", heading=heading, message=message), status


def init_app(app: Flask) -> None:
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
        return _page(
            gettext("Pagina niet gevonden"),
            gettext("Deze pagina bestaat niet (meer). Controleer het adres."),
            404,
        )

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
            gettext("Een bestand mag hoogstens 32 MB zijn. Er is niets opgeslagen."),
            413,
        )

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> ResponseReturnValue:
        return _page(
            gettext("Even wachten"),
            gettext(
                "Er zijn vanaf uw internetaansluiting veel formulieren verstuurd. Probeer het"
                " over een tijdje opnieuw."
            ),
            429,
        )

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return _page(
            gettext("Er ging iets mis"),
            gettext("Er ging bij ons iets mis. Er is niets verloren; probeer het later opnieuw."),
            500,
        )
