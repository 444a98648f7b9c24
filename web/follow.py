"""Following an area by e-mail (domain/follow.py): ask on the area's page, confirm by the link
mailed (double opt-in), stop by the link at the foot of every mail (the address goes with it).

The answer to a request is the same whether the address follows the area already or not, so
nobody learns whose address is in use. Token links open nothing until their button is pressed
(mail scanners follow links).
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.follows import PENDING
from participatie.domain.errors import NotFound
from participatie.domain.follow import ASKED, CONFIRMED, AreaFollow
from participatie.notifications.followers import (
    FOLLOW_LINK,
    FOLLOW_LINK_DAYS,
    UNFOLLOW,
    UNFOLLOW_DAYS,
    follow_mail_prefix,
    stop_following,
)
from participatie.notifications.mail import MailError, compose
from participatie.notifications.messages import Notifier
from participatie.notifications.tokens import DAY
from web.context import container, platform
from web.forms import HONEYPOT, posted_email
from web.i18n import select_locale
from web.links import link_payload
from web.public import MAIL_FAILED

bp = Blueprint("follow", __name__)


def _area(code: str) -> Any:
    areas = platform().area_index()
    if code not in areas:
        abort(404)
    return areas.areas[code]


@bp.get("/gebieden/<code>/volgen")
def ask(code: str) -> ResponseReturnValue:
    area = _area(code)
    sent = request.args.get("verstuurd") == "1"
    return render_template("public/follow.html", area=area, errors={}, values={}, sent=sent)


@bp.post("/gebieden/<code>/volgen")
def request_follow(code: str) -> ResponseReturnValue:
    """Ask to follow: a confirmation link is mailed unless the address follows already."""
    area = _area(code)
    done = redirect(url_for("follow.ask", code=code, verstuurd="1"), 303)
    if request.form.get(HONEYPOT):
        return done
    email, errors = posted_email()
    if errors:
        page = render_template("public/follow.html", area=area, errors=errors, values=request.form)
        return page, 422
    built = container()
    asked = built.app.request_follow(code, email, select_locale())
    if asked.outcome != PENDING:
        return done  # a new request is mailed by its event's job; a confirmed one gets nothing
    # Asked before and not confirmed: the link goes once more (the first mail may be lost).
    settings = built.settings
    notifier = Notifier(built.app, built.tokens, settings.public_url, settings.reopen_days)
    key = f"{follow_mail_prefix(asked.follow_id)}again-{secrets.token_hex(8)}"
    message = notifier.follow_confirmation(asked.follow_id, key=key)
    if message is None:
        return done
    try:
        built.mailer.send(
            key,
            compose(
                message.to,
                message.subject,
                message.text,
                html=message.html,
                sender=settings.mail_from,
                key=key,
            ),
            audience=message.audience,
            kind=message.kind,
        )
    except MailError:
        current_app.logger.warning("follow confirmation not sent")
        errors = {"email": [gettext(MAIL_FAILED)]}
        page = render_template("public/follow.html", area=area, errors=errors, values=request.form)
        return page, 503
    return done


def _follow_of(purpose: str, token: str, days: int) -> AreaFollow:
    """The follow a token names, in the round it was made for (410: expired or gone)."""
    payload = link_payload(purpose, token, days * DAY)
    try:
        follow = platform().get_follow(UUID(str(payload.get("f"))))
    except (NotFound, ValueError):
        abort(404)
    if follow.round != payload.get("r"):
        abort(410)  # a link of an earlier round: that one stopped
    return follow


@bp.route("/gebieden/volgen/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """The link in the confirmation mail: GET asks, POST confirms."""
    follow = _follow_of(FOLLOW_LINK, token, FOLLOW_LINK_DAYS)
    if follow.state not in (ASKED, CONFIRMED):
        abort(410)  # stopped: the address is gone
    state = "done" if follow.state == CONFIRMED else "ask"
    if request.method == "POST" and state == "ask":
        platform().confirm_follow(follow.id, follow.round)
        state = "done"
    return render_template(
        "public/follow_confirm.html", token=token, state=state, area=_area(follow.area_code)
    )


@bp.route("/gebieden/volgen/stoppen/<token>", methods=["GET", "POST"])
def stop(token: str) -> ResponseReturnValue:
    """The link at the foot of every mail to a follower: GET asks, POST stops and erases."""
    follow = _follow_of(UNFOLLOW, token, UNFOLLOW_DAYS)
    state = "ask" if follow.state in (ASKED, CONFIRMED) else "done"
    if request.method == "POST":
        stop_following(container(), follow.id, "unsubscribed")
        state = "done"
    return render_template(
        "public/follow_stop.html", token=token, state=state, area=_area(follow.area_code)
    )
