"""The public pages: home, submit, confirmation, tracking, areas and initiatives (no account)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from participatie.application.agenda import period_covers
from participatie.application.progress import progress_of
from participatie.application.schemas import (
    N_,
    TRACKING_TYPO,
    AnswerSchema,
    EmailSchema,
    RatingSchema,
    ReopenSchema,
    SubmissionSchema,
    WithdrawSchema,
)
from participatie.domain.commands import (
    Command,
    ConfirmEmail,
    ProvideInfo,
    RateOutcome,
    Reopen,
    SetMailPreferences,
    Withdraw,
)
from participatie.domain.errors import (
    AlreadySupported,
    ConcurrencyConflict,
    DomainError,
    NotFound,
)
from participatie.domain.initiative import MUTABLE_MAIL
from participatie.domain.tracking import has_typo
from participatie.domain.values import Actor, AreaLevel
from participatie.maps import svgmap
from participatie.media.photos import PhotosRefused, read_photos
from participatie.notifications.links import LINK_DAYS, open_support_link, support_link
from participatie.notifications.mail import MailError, compose
from participatie.notifications.messages import CONFIRM_EMAIL, TRACK_LINK, TRACK_LINK_DAYS
from participatie.notifications.tokens import DAY, TokenExpired, TokenInvalid
from participatie.views import queries
from participatie.views.queries.search import similar_open
from web import context
from web.context import container, platform, views
from web.errors import too_many_page
from web.forms import HONEYPOT, field_errors, in_form_order, submission_from_form
from web.fresh import caught_up, written
from web.i18n import COOKIE, LOCALES, select_locale
from web.links import link_payload, public_url_for
from web.photos import photo_answer, photo_limits, refusals, uploads
from web.security import cookie_options, guessed, local_target

bp = Blueprint("public", __name__)
TRACKING = "tracking_code"  # session key: the code this browser follows
TRACKED = "tracked"  # session key: the initiative a personal link (mail, mijn initiatieven) opened


def _teams() -> dict[str, str]:
    return {team.code: team.name for team in platform().teams()}


def _areas() -> Any:
    return platform().area_index()


@bp.app_context_processor
def site() -> dict[str, Any]:
    try:
        _, name = platform().municipality()
    except DomainError:
        name = ""
    return {"municipality": name}


@bp.get("/")
def home() -> ResponseReturnValue:
    areas = _areas()
    buurten = [a for a in areas.areas.values() if a.level is AreaLevel.NEIGHBOURHOOD]
    counts = queries.open_counts(views(), [a.code for a in buurten])
    label = gettext("%(name)s: %(count)s open initiatieven", name="{name}", count="{count}")
    area_map = svgmap.render(
        buurten,
        counts,
        link=url_for("public.area", code="CODE").replace("CODE", "{code}"),
        title=gettext("Kaart van de buurten, gekleurd naar open initiatieven"),
        label=label,
    )
    districts = sorted(
        (a for a in areas.areas.values() if a.level is AreaLevel.DISTRICT), key=lambda a: a.name
    )
    return render_template(
        "public/home.html",
        area_map=area_map,
        districts=districts,
        recent=queries.public_initiatives(views(), limit=8),
        areas=areas,
    )


def _submit_page(
    values: Any,
    errors: dict[str, list[str]],
    status: int = 200,
    notice: str | None = None,
    similar: list[Any] | None = None,
    had_photos: bool = False,
) -> Any:
    areas = _areas()
    buurten = sorted(
        (a for a in areas.areas.values() if a.level is AreaLevel.NEIGHBOURHOOD),
        key=lambda a: a.name,
    )
    picker = svgmap.render(
        buurten, {}, link=None, title=gettext("Klik op de kaart om de plek te kiezen")
    )
    return (
        render_template(
            "public/submit.html",
            values=values,
            errors=errors,
            themes=platform().theme_list().active_codes,
            buurten=buurten,
            picker=picker,
            notice=notice,
            photo_limits=photo_limits(),
            similar=similar or [],
            had_photos=had_photos,
            areas=areas,
        ),
        status,
    )


TOO_MANY = N_(
    "Er zijn vanaf uw internetaansluiting veel formulieren verstuurd. Er is niets opgeslagen;"
    " wat u invulde staat hieronder nog. Probeer het over een tijdje opnieuw."
)
TOO_MANY_SUPPORTS = N_(
    "Er zijn vanaf uw internetaansluiting veel steunbetuigingen gevraagd. Probeer het over een"
    " tijdje opnieuw."
)


@bp.errorhandler(429)
def too_many(error: HTTPException) -> ResponseReturnValue:
    """A refused form is shown again with what the person typed, and why; others get the page."""
    if request.endpoint == "public.submit":
        return _submit_page(request.form, {}, 429, notice=gettext(TOO_MANY))
    if request.endpoint == "public.support":
        item = _public(str((request.view_args or {}).get("initiative_id")))
        errors = {"email": [gettext(TOO_MANY_SUPPORTS)]}
        return _initiative_page(item, 429, errors=errors, values=request.form)
    return too_many_page()


MAIL_FAILED = N_(
    "We konden de e-mail nu niet versturen. Probeer het over een paar minuten opnieuw."
)


@bp.route("/indienen", methods=["GET", "POST"])
def submit() -> ResponseReturnValue:
    if request.method == "GET":
        return _submit_page({}, {})
    form = request.form
    if form.get(HONEYPOT):
        # A bot filled the field people never see: answer as usual, store nothing.
        current_app.logger.info("submission refused by the honeypot")
        return redirect(url_for("public.received"), 303)
    app = platform()
    errors: dict[str, list[str]] = {}
    try:
        data = SubmissionSchema.of(app).load_submission(submission_from_form(form))
    except ValidationError as error:
        errors = field_errors(error.normalized_messages())
    try:
        photos = read_photos(uploads(request.files.getlist("photos")), photo_limits())
    except PhotosRefused as refused:
        errors = errors | {"photos": refusals(refused)}
    if errors:
        return _submit_page(form, in_form_order(errors), 422)
    if form.get(ANYWAY) != "1":
        similar = _similar(data)
        if similar:
            # Shown before anything is stored: support one of these instead, or submit anyway
            # (the form comes back as typed; photos must be chosen again).
            return _submit_page(form, {}, similar=similar, had_photos=bool(photos))
    # The confirmation mail (with the address check link) is sent by a job after the relay
    # picks the submission up from the log: nothing here can lose it or slow the answer down.
    submission = app.submit({**data, "language": select_locale()}, channel="web", photos=photos)
    session[TRACKING] = submission.tracking_code
    session.pop(TRACKED, None)
    session["new_submission"] = True
    return redirect(url_for("public.received"), 303)


ANYWAY = "doorgaan"  # form field: submit although similar initiatives were shown


def _similar(data: dict[str, Any]) -> list[Any]:
    """Open public initiatives near the new one (its wijk, or its buurt when that has no wijk)
    whose public text shares at least two content words with its title."""
    areas = _areas()
    code = data["location"]["area_code"]
    chain = areas.ancestors(code) if code in areas else [code]
    near = chain[1] if len(chain) > 2 else chain[0]  # the buurt's wijk, not the municipality
    return [hit for hit, _ in similar_open(views(), near, data["title"])]


@bp.route("/bevestigen/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> ResponseReturnValue:
    """GET shows a button (mail scanners follow links); POST confirms, once."""
    payload = _open_token(CONFIRM_EMAIL, token)
    app = platform()
    initiative = app.get_initiative(UUID(payload["i"]))
    if not app.vault.readable(initiative.initiator.subject_id):
        abort(410)  # the initiator's data was erased: their links are gone with it
    if request.method == "GET":
        return render_template("public/confirm_email.html", token=token, state="ask")
    initiative_id = initiative.id
    try:
        app.act(
            initiative_id, ConfirmEmail(), actor=Actor.initiator(initiative.initiator.subject_id)
        )
    except DomainError:
        return render_template("public/confirm_email.html", token=None, state="already")
    return render_template("public/confirm_email.html", token=None, state="done")


@bp.get("/ontvangen")
def received() -> ResponseReturnValue:
    """The confirmation: the tracking code, shown to the browser that submitted."""
    code = session.get(TRACKING) if session.get("new_submission") else None
    return render_template("public/received.html", code=code)


@bp.route("/volgen", methods=["GET", "POST"])
def track_start() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        if not code:
            errors["code"] = [gettext("Vul uw volgcode in.")]
        elif has_typo(code):
            # Caught by the check symbol: a slip, not a guess, so it does not count as a try.
            errors["code"] = [gettext(TRACKING_TYPO)]
        elif platform().find_by_tracking_code(code) is not None:
            session[TRACKING] = code
            session.pop(TRACKED, None)
            session.pop("new_submission", None)
            return redirect(url_for("public.track"), 303)
        else:
            guessed()  # counts towards the limit on tries (web.security)
            errors["code"] = [gettext("Deze volgcode kennen we niet. Controleer de code.")]
    return render_template(
        "public/track_start.html", errors=errors, values=request.form
    ), 422 if errors else 200


# The argument's name keeps the code out of logs (redaction.py).
@bp.route("/volgen/<tracking_code>", methods=["GET", "POST"])
def track_link(tracking_code: str) -> ResponseReturnValue:
    """A link with a tracking code: GET asks, POST (the person's own click) opens it.

    Following a link changes nothing: otherwise a link on another site could make a browser
    follow someone else's initiative (and forget its own) without the person knowing. The POST
    is CSRF-protected, remembers the code and drops it from the URL.
    """
    if platform().find_by_tracking_code(tracking_code) is None:
        guessed()
        abort(404)
    if request.method == "GET":
        return render_template("public/track_link.html", code=tracking_code)
    session[TRACKING] = tracking_code
    session.pop(TRACKED, None)
    session.pop("new_submission", None)
    return redirect(url_for("public.track"), 303)


def _tracked() -> UUID:
    code = session.get(TRACKING)
    initiative_id = platform().find_by_tracking_code(code) if code else None
    if initiative_id is None and session.get(TRACKED):
        initiative_id = _initiator_readable(str(session[TRACKED]))
    if initiative_id is None:
        abort(redirect(url_for("public.track_start"), 303))
    return initiative_id


def _initiator_readable(initiative_id: str) -> UUID | None:
    """The initiative, while its initiator's data can be read (a personal link dies with it)."""
    app = platform()
    try:
        initiative = app.get_initiative(UUID(initiative_id))
    except (NotFound, ValueError):
        return None
    return initiative.id if app.vault.readable(initiative.initiator.subject_id) else None


@bp.route("/volgen/toegang/<token>", methods=["GET", "POST"])
def track_access(token: str) -> ResponseReturnValue:
    """The personal link mailed once the address was confirmed: GET asks, POST opens the page.

    The link holds no tracking code: a token (valid TRACK_LINK_DAYS) naming the initiative,
    which stops working when the initiator's data is erased.
    """
    payload = link_payload(TRACK_LINK, token, TRACK_LINK_DAYS * DAY)
    initiative_id = _initiator_readable(str(payload.get("i", "")))
    if initiative_id is None:
        abort(410)
    if request.method == "GET":
        return render_template("public/track_access.html", token=token)
    session[TRACKED] = str(initiative_id)
    session.pop(TRACKING, None)
    session.pop("new_submission", None)
    return redirect(url_for("public.track"), 303)


def _track_page(status: int = 200, **extra: Any) -> Any:
    initiative_id = _tracked()
    progress = progress_of(platform(), initiative_id)
    initiative = platform().get_initiative(initiative_id)
    muted = initiative.muted_mail
    extra.setdefault("mail", [(kind, kind not in muted) for kind in MUTABLE_MAIL])
    possible = initiative.possible_commands()
    extra["can_rate"] = "rate_outcome" in possible
    extra["rating"] = initiative.rating
    days = context.container().settings.reopen_days
    until = initiative.finished_on + timedelta(days=days) if initiative.finished_on else None
    extra["reopen_until"] = (
        until if "reopen" in possible and until and platform().clock() <= until else None
    )
    extra.setdefault("errors", {})
    page = render_template("public/track.html", progress=progress, teams=_teams(), **extra)
    return make_response(page, status)


@bp.get("/mijn-initiatief")
def track() -> ResponseReturnValue:
    return _track_page()


def _initiator_acts(command: Command) -> ResponseReturnValue:
    app = platform()
    initiative_id = _tracked()
    initiative = app.get_initiative(initiative_id)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    try:
        app.act(
            initiative_id,
            command,
            actor=Actor.initiator(initiative.initiator.subject_id),
            expected_version=version,
        )
    except ConcurrencyConflict:
        message = gettext(
            "Het initiatief is intussen gewijzigd. Bekijk de nieuwe stand en probeer het opnieuw;"
            " uw tekst staat hieronder nog."
        )
        return _track_page(409, conflict=message, kept=request.form)
    except DomainError as error:
        return _track_page(422, refused=str(error), kept=request.form)
    return redirect(url_for("public.track", gedaan=command.name), 303)


def _initiator_input(schema: Schema, name: str) -> Any:
    """The one text field `name` of the posted form, checked by `schema` (stripped first)."""
    text = (request.form.get(name) or "").strip()
    try:
        return schema.load({name: text} if text else {})[name]
    except ValidationError as error:
        errors = field_errors(error.normalized_messages())
        abort(_track_page(422, errors=errors, kept=request.form))


@bp.post("/mijn-initiatief/berichten")
def track_mail() -> ResponseReturnValue:
    """The initiator chooses which kinds of mail they get (every box unticked is turned off)."""
    app = platform()
    initiative_id = _tracked()
    initiative = app.get_initiative(initiative_id)
    wanted = set(request.form.getlist("mail"))
    muted = tuple(kind for kind in MUTABLE_MAIL if kind not in wanted)
    if set(muted) == set(initiative.muted_mail):
        return redirect(url_for("public.track", gedaan="mail_unchanged") + "#berichten-kop", 303)
    try:
        app.act(
            initiative_id,
            SetMailPreferences(muted),
            actor=Actor.initiator(initiative.initiator.subject_id),
        )
    except DomainError as error:
        return _track_page(422, refused=str(error))
    return redirect(url_for("public.track", gedaan="set_mail_preferences") + "#berichten-kop", 303)


@bp.post("/mijn-initiatief/beoordelen")
def track_rate() -> ResponseReturnValue:
    """How it went: a score from 1 to 5 and a comment, once the work is finished."""
    form = {"score": request.form.get("score", ""), "comment": request.form.get("comment", "")}
    try:
        data = RatingSchema().load({k: v.strip() for k, v in form.items() if v.strip()})
    except ValidationError as error:
        errors = field_errors(error.normalized_messages())
        abort(_track_page(422, errors=errors, kept=request.form))
    return _initiator_acts(RateOutcome(data["score"], data.get("comment")))


@bp.post("/mijn-initiatief/heropenen")
def track_reopen() -> ResponseReturnValue:
    """Ask within the period to take finished work up again, saying why."""
    reason = _initiator_input(ReopenSchema(), "reason")
    return _initiator_acts(Reopen(reason, context.container().settings.reopen_days))


@bp.post("/mijn-initiatief/antwoord")
def track_answer() -> ResponseReturnValue:
    return _initiator_acts(ProvideInfo(_initiator_input(AnswerSchema(), "answer")))


@bp.post("/mijn-initiatief/intrekken")
def track_withdraw() -> ResponseReturnValue:
    return _initiator_acts(Withdraw(_initiator_input(WithdrawSchema(), "reason") or None))


def _public_agendas(app: Any, code: str) -> list[dict[str, Any]]:
    """The adopted agendas of the area in force this year, each priority with the published
    initiatives linked to it and where they stand (nothing of what is not published)."""
    year = app.clock().year
    found = []
    for agenda in app.agendas(code):
        adopted = agenda.adopted
        if adopted is None or not period_covers(agenda.period, year):
            continue
        priorities = []
        for priority in adopted.priorities:
            linked = [
                item
                for link in agenda.links_of(priority.key)
                if (item := queries.published_initiative(views(), str(link.initiative_id)))
            ]
            priorities.append({"priority": priority, "initiatives": linked})
        found.append({"period": agenda.period, "adopted": adopted, "priorities": priorities})
    return found


@bp.get("/gebieden/<code>")
def area(code: str) -> ResponseReturnValue:
    areas = _areas()
    if code not in areas:
        abort(404)
    app = platform()
    overview = queries.overview_of_area(app, views(), code)
    return render_template(
        "public/area.html",
        agendas=_public_agendas(app, code),
        area=areas.areas[code],
        chain=[areas.areas[c] for c in reversed(areas.ancestors(code))][:-1],
        children=[areas.areas[c] for c in areas.children(code)],
        overview=overview,
        initiatives=queries.public_initiatives(views(), area=code, limit=50),
        areas=areas,
    )


def _public(initiative_id: str) -> dict[str, Any]:
    found = queries.published_initiative(views(), initiative_id)
    if found is None:
        abort(404)  # without consent an initiative has no public page
    return found


def _initiative_page(item: dict[str, Any], status: int = 200, **extra: Any) -> Any:
    page = render_template(
        "public/initiative.html",
        item=item,
        teams=_teams(),
        areas=_areas(),
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        **extra,
    )
    return page, status


@bp.get("/initiatieven/<initiative_id>")
def initiative(initiative_id: str) -> ResponseReturnValue:
    return _initiative_page(_public(initiative_id))


@bp.get("/initiatieven/<initiative_id>/fotos/<int:position>")
def photo(initiative_id: str, position: int) -> ResponseReturnValue:
    """A public photo (`?klein=1`: its thumbnail): only of a published initiative, and only
    one the moderator left public."""
    item = _public(initiative_id)
    if position not in item["photos"]:
        abort(404)
    found = platform().photo(UUID(initiative_id), position, request.args.get("klein") == "1")
    if found is None:
        abort(404)
    return photo_answer(*found, position, public=True)


@bp.post("/initiatieven/<initiative_id>/steunen")
def support(initiative_id: str) -> ResponseReturnValue:
    """Ask for a support: a link to confirm it goes to the address; nothing is stored yet."""
    item = _public(initiative_id)
    if request.form.get(HONEYPOT):
        return redirect(
            url_for("public.initiative", initiative_id=initiative_id, steun="verstuurd"), 303
        )
    try:
        email = EmailSchema().load({"email": request.form.get("email", "")})["email"]
    except ValidationError as error:
        errors = field_errors(error.normalized_messages())
        return _initiative_page(item, 422, errors=errors, values=request.form)
    built = context.container()
    updates = request.form.get("updates") == "ja"
    found = support_link(
        built.app, built.tokens, UUID(initiative_id), email, updates, select_locale()
    )
    if found is None:  # this address's support was erased: nothing is mailed or kept again
        return redirect(
            url_for("public.initiative", initiative_id=initiative_id, steun="verstuurd"), 303
        )
    link = public_url_for("public.support_confirm", token=found.token)
    message = compose(
        email,
        gettext("Bevestig uw steun voor: %(title)s", title=item["title"]),
        gettext(
            "U wilt dit initiatief steunen: %(title)s\n\nBevestig uw steun met deze link (7 dagen"
            " geldig, werkt één keer):\n%(link)s\n\nHeeft u dit niet gevraagd? Dan kunt u deze"
            " e-mail negeren.",
            title=item["title"],
            link=link,
        ),
    )
    try:
        built.mailer.send(found.mail_key, message, kind="support")
    except MailError:
        current_app.logger.warning("support confirmation for %s not sent", initiative_id)
        errors = {"email": [gettext(MAIL_FAILED)]}
        return _initiative_page(item, 503, errors=errors, values=request.form)
    return redirect(
        url_for("public.initiative", initiative_id=initiative_id, steun="verstuurd"), 303
    )


def _open_token(purpose: str, token: str) -> dict[str, Any]:
    return link_payload(purpose, token, LINK_DAYS * DAY)


@bp.route("/steun/<token>", methods=["GET", "POST"])
def support_confirm(token: str) -> ResponseReturnValue:
    """GET shows a button (mail scanners follow links); POST records the support."""
    try:
        link = open_support_link(platform(), container().tokens, token)
    except TokenExpired:  # too old, or the supporter was erased
        abort(410)
    except TokenInvalid:
        abort(404)
    initiative_id = link.initiative_id
    item = _public(str(initiative_id))
    if request.method == "GET":
        return render_template("public/support_confirm.html", item=item, token=token)
    try:
        platform().support_initiative(
            initiative_id, link.email, updates=link.updates, language=link.language
        )
    except AlreadySupported:
        return render_template("public/support_confirm.html", item=item, token=None, already=True)
    except DomainError:
        return render_template("public/support_confirm.html", item=item, token=None, closed=True)
    target = url_for("public.initiative", initiative_id=str(initiative_id), steun="bevestigd")
    if not caught_up(written()):  # the counter comes from the views: say it is not there yet
        target += "&bijgewerkt=0"
    return redirect(target, 303)


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("public/privacy.html")


@bp.get("/toegankelijkheid")
def accessibility() -> ResponseReturnValue:
    return render_template("public/accessibility.html")


@bp.get("/taal/<code>")
def language(code: str) -> ResponseReturnValue:
    if code not in LOCALES:
        abort(404)
    target = local_target(request.args.get("terug"), "/")  # never off-site
    response = make_response(redirect(target, 303))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, **cookie_options())
    return response
