"""Public operations: themes, areas and teams; submit an initiative, follow it by its tracking
code, and ask to support it."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from uuid import UUID

from flask_babel import force_locale, gettext

from participatie.application.progress import progress_of
from participatie.application.schemas import TRACKING_TYPO
from participatie.domain.tracking import has_typo
from participatie.domain.values import AreaLevel
from participatie.media.photos import Photo, PhotosRefused, read_photos
from participatie.notifications.mail import MailError
from participatie.views import queries
from web.api.common import PREFIX, Blueprint, fail
from web.api.schemas import (
    ApiSubmissionSchema,
    AreaSchema,
    StatusSchema,
    SubmittedSchema,
    SupportAcceptedSchema,
    SupportSchema,
    TeamSchema,
    ThemeSchema,
    TrackingRequestSchema,
)
from web.context import container, platform
from web.i18n import accepted_language
from web.links import public_url_for
from web.photos import photo_limits
from web.security import guessed

public = Blueprint("api_public", __name__, url_prefix=PREFIX, description="Openbaar")


@public.route("/themes")
@public.response(200, ThemeSchema(many=True))
def themes() -> Any:
    """The municipality's themes, in the language asked for; retired ones (`active`: false)
    still label older initiatives, but new ones cannot use them."""
    language = accepted_language()
    return [
        {"code": t.code, "name": t.label(language), "active": t.active}
        for t in platform().theme_list().themes
    ]


@public.route("/areas")
@public.response(200, AreaSchema(many=True))
def areas() -> Any:
    """Every area of the current map: municipality, wijken and buurten."""
    index = platform().area_index()
    return [
        {"code": a.code, "name": a.name, "level": a.level.value, "parent": a.parent}
        for a in sorted(
            index.areas.values(), key=lambda a: (a.level is not AreaLevel.MUNICIPALITY, a.code)
        )
    ]


@public.route("/teams")
@public.response(200, TeamSchema(many=True))
def teams() -> Any:
    """Area teams, challenge teams, line departments and the regie team."""
    return [
        {"code": t.code, "name": t.name, "kind": t.kind.value, "areas": list(t.areas)}
        for t in platform().teams()
    ]


@public.route("/initiatives", methods=["POST"])
@public.arguments(ApiSubmissionSchema())  # one instance, not one per request
@public.response(201, SubmittedSchema)
@public.alt_response(429, description="Too many submissions from this address; try later.")
def submit(data: dict[str, Any]) -> Any:
    """Submit an initiative; the answer holds the secret tracking code (shown once)."""
    photos = read_api_photos(data.pop("photos", []))
    result = platform().submit(
        {**data, "language": accepted_language()}, channel="api", photos=photos
    )
    return {"id": result.initiative_id, "tracking_code": result.tracking_code}


def read_api_photos(encoded: list[str]) -> list[Photo]:
    """The photos of a JSON submission; 422 naming each bad one (by its index) otherwise."""
    limits = photo_limits()
    errors: dict[str, list[str]] = {}
    raw: list[bytes] = []
    for index, text in enumerate(encoded):
        try:
            raw.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            errors[str(index)] = ["Geen geldige base64."]
    if errors:
        fail(422, errors={"json": {"photos": errors}})
    try:
        return read_photos(raw, limits)
    except PhotosRefused as refused:
        found: dict[str, list[str]] = {}
        for problem in refused.problems:
            key = "_schema" if problem.position is None else str(problem.position - 1)
            found.setdefault(key, []).append(
                gettext(problem.error.problem.dutch) % problem.error.params
            )
        fail(422, errors={"json": {"photos": found}})


@public.route("/tracking", methods=["POST"])
@public.arguments(TrackingRequestSchema)
@public.response(200, StatusSchema)
@public.alt_response(404, description="No initiative has this tracking code.")
def tracking(data: dict[str, str]) -> Any:
    """The status of an initiative by its tracking code (in the body, so it stays out of logs)."""
    code = data["tracking_code"]
    if has_typo(code):
        with force_locale(accepted_language()):
            message = gettext(TRACKING_TYPO)
        fail(422, errors={"json": {"tracking_code": [message]}})
    initiative_id = platform().find_by_tracking_code(code)
    if initiative_id is None:
        guessed()  # counts towards the limit on tries
        fail(404, message=gettext("Onbekende volgcode."))
    progress = progress_of(platform(), initiative_id)
    question = progress.open_question
    return {
        "id": initiative_id,
        "title": progress.title,
        "status": progress.status,
        "lead_team": progress.lead_team,
        "outcome": progress.outcome,
        "rationale": progress.rationale,
        "open_question": question.question if question else None,
        "version": progress.version,
    }


@public.route("/initiatives/<uuid:initiative_id>/support", methods=["POST"])
@public.arguments(SupportSchema)
@public.response(202, SupportAcceptedSchema)
@public.alt_response(429, description="Too many requests from this address; try later.")
@public.alt_response(404, description="No public initiative with this id.")
@public.alt_response(503, description="The e-mail could not be sent now; try again later.")
def support(data: dict[str, Any], initiative_id: UUID) -> Any:
    """Ask to support a public initiative: a confirmation link is mailed to the address."""
    from participatie.notifications.links import LINK_DAYS, support_link
    from participatie.notifications.mail import compose

    row = queries.published_initiative(container().views, str(initiative_id))
    if row is None:  # unknown or not published: the same answer, so nothing is revealed
        fail(404, message="Onbekend initiatief.")
    found = support_link(
        container().app,
        container().tokens,
        initiative_id,
        data["email"],
        bool(data.get("updates")),
        accepted_language(),
    )
    if found is None:  # this address's support was erased: nothing is mailed or kept again
        return {"message": "Bevestig uw steun met de link in de e-mail."}
    link = public_url_for("public.support_confirm", token=found.token)
    message = compose(
        data["email"],
        f"Bevestig uw steun voor: {row['title']}",
        f"Klik binnen {LINK_DAYS} dagen op deze link om uw steun te bevestigen:\n{link}\n",
    )
    try:
        container().mailer.send(found.mail_key, message, kind="support")
    except MailError:
        fail(503, message="De e-mail kon nu niet worden verstuurd; probeer het later opnieuw.")
    return {"message": "Bevestig uw steun met de link in de e-mail."}
