"""Mijn initiatieven: a resident asks for a sign-in link by e-mail and sees every initiative they
submitted and every one they support with that address, without an account or a tracking code.

The answer to a request is the same whether the address is known or not (nobody learns from it
whose address is in use), and the mail is sent either way: someone who is not known reads that
nothing was found. The link carries the keyed hash of the address (notifications/addresses.py),
works for a day and opens nothing until the person presses its button (mail scanners follow
links). The session then remembers the hash; from the list, the resident opens the tracking page
of each initiative they submitted.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.commands import SetMailPreferences, StopSupporterUpdates
from participatie.domain.errors import DomainError, NotFound
from participatie.domain.initiative import INITIATOR, MUTABLE_MAIL
from participatie.domain.values import Actor, Role
from participatie.notifications.addresses import (
    SIGN_IN,
    SIGN_IN_HOURS,
    address_key,
    signin_mail_prefix,
)
from participatie.notifications.mail import MailError, compose
from participatie.notifications.messages import MUTE, MUTE_DAYS
from participatie.notifications.tokens import DAY
from participatie.views import queries
from web.context import container, platform, views
from web.forms import HONEYPOT, posted_email
from web.links import link_payload, public_url_for
from web.public import MAIL_FAILED, TRACKED, TRACKING

bp = Blueprint("mine", __name__)

MINE = "mine"  # session key: the keyed hash of the address this browser signed in with


@bp.get("/mijn-initiatieven")
def overview() -> ResponseReturnValue:
    address = session.get(MINE)
    if not address:
        sent = request.args.get("verstuurd") == "1"
        return render_template("public/mine_request.html", errors={}, values={}, sent=sent)
    return render_template("public/mine.html", items=_items(str(address)))


@bp.post("/mijn-initiatieven")
def request_link() -> ResponseReturnValue:
    """Mail a sign-in link to the address given; the answer is the same for any address."""
    done = redirect(url_for("mine.overview", verstuurd="1"), 303)
    if request.form.get(HONEYPOT):
        return done
    email, errors = posted_email()
    if errors:
        page = render_template("public/mine_request.html", errors=errors, values=request.form)
        return page, 422
    built = container()
    address = address_key(built.app, email)
    token = built.tokens.make(SIGN_IN, {"a": address})
    link = public_url_for("mine.sign_in", token=token)
    message = compose(
        email,
        gettext("Uw link naar mijn initiatieven"),
        gettext(
            "U vroeg om een link naar uw initiatieven en wat u steunt. Open ze met deze link"
            " (%(hours)s uur geldig):\n%(link)s\n\nHeeft u dit niet gevraagd? Dan kunt u deze"
            " e-mail negeren; er verandert niets.",
            hours=SIGN_IN_HOURS,
            link=link,
        ),
    )
    key = signin_mail_prefix(address) + secrets.token_hex(8)
    try:
        built.mailer.send(key, message, kind="sign-in")
    except MailError:
        current_app.logger.warning("sign-in link not sent")
        errors = {"email": [gettext(MAIL_FAILED)]}
        page = render_template("public/mine_request.html", errors=errors, values=request.form)
        return page, 503
    return done


@bp.route("/mijn-initiatieven/toegang/<token>", methods=["GET", "POST"])
def sign_in(token: str) -> ResponseReturnValue:
    """GET shows a button (mail scanners follow links); POST signs this browser in."""
    payload = link_payload(SIGN_IN, token, SIGN_IN_HOURS * 3600)
    if request.method == "GET":
        return render_template("public/mine_sign_in.html", token=token)
    session[MINE] = str(payload["a"])
    return redirect(url_for("mine.overview"), 303)


@bp.post("/mijn-initiatieven/volgen")
def follow() -> ResponseReturnValue:
    """Open the tracking page of one of the signed-in address's own initiatives."""
    address = session.get(MINE)
    wanted = request.form.get("initiative", "")
    if not address:
        return redirect(url_for("mine.overview"), 303)
    own = {
        str(e.initiative_id) for e in container().addresses.of(str(address)) if e.role == INITIATOR
    }
    if wanted not in own:
        abort(404)
    session[TRACKED] = wanted
    session.pop(TRACKING, None)
    session.pop("new_submission", None)
    return redirect(url_for("public.track"), 303)


@bp.route("/berichten/uit/<token>", methods=["GET", "POST"])
def mute(token: str) -> ResponseReturnValue:
    """The link at the foot of a mail: turn that kind of mail off (GET asks, POST does it).

    An initiator's link names the initiative and the kind; a supporter's names the initiative
    and the supporter, and stops every mail about it (their support stays). Either dies with
    the erasure of the person it is for.
    """
    payload = link_payload(MUTE, token, MUTE_DAYS * DAY)
    app = platform()
    try:
        initiative = app.get_initiative(UUID(str(payload.get("i"))))
    except (NotFound, ValueError):
        abort(404)
    kind = payload.get("k")
    if kind is not None:
        if kind not in MUTABLE_MAIL:
            abort(404)
        subject = initiative.initiator.subject_id
        already = kind in initiative.muted_mail
        command: Any = SetMailPreferences(tuple({*initiative.muted_mail, kind}))
        actor = Actor.initiator(subject)
    else:
        try:
            subject = UUID(hex=str(payload.get("s")))
        except ValueError:
            abort(404)
        already = subject.hex not in initiative.updates_for
        command = StopSupporterUpdates(subject)
        actor = Actor(id=f"subject:{subject.hex}", role=Role.SUPPORTER)
    if subject in initiative.erased or not app.vault.readable(subject):
        abort(410)  # the person was erased: their links are gone with them
    state = "already" if already else "ask"
    if request.method == "POST" and not already:
        try:
            app.act(initiative.id, command, actor=actor)
            state = "done"
        except DomainError:  # turned off a moment ago by another click
            state = "already"
    return render_template(
        "public/mute.html", token=token, state=state, kind=kind, supporter=kind is None
    )


@bp.post("/mijn-initiatieven/afmelden")
def sign_out() -> ResponseReturnValue:
    session.pop(MINE, None)
    session.pop(TRACKED, None)
    return redirect(url_for("mine.overview"), 303)


def _items(address: str) -> list[dict[str, Any]]:
    """What belongs to the address: own initiatives (as written) and supported ones (public)."""
    app = platform()
    items = []
    for entry in container().addresses.of(address):
        try:
            initiative = app.get_initiative(entry.initiative_id)
        except NotFound:
            continue
        if entry.role == INITIATOR:
            if entry.subject_id != initiative.initiator.subject_id:
                continue
            title = initiative.title or gettext("(tekst verwijderd op verzoek van de indiener)")
            public = None
        else:
            public = queries.published_initiative(views(), str(entry.initiative_id))
            title = public["title"] if public else None
        items.append(
            {
                "id": str(entry.initiative_id),
                "role": entry.role,
                "title": title,
                "public": public is not None,
                "status": initiative.status.value,
                "since": entry.since,
            }
        )
    return items
