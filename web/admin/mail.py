"""The e-mail ledger (counts and entries per state) and the embedded outbox."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from participatie.notifications.mail import OutboxTransport
from web import context
from web.admin import bp
from web.admin.common import _render

MAIL_STATES = {
    "sending": lazy_gettext("Wordt verzonden"),
    "retry": lazy_gettext("Wordt opnieuw geprobeerd"),
    "sent": lazy_gettext("Verzonden"),
    "failed": lazy_gettext("Mislukt"),
}
OUTBOX_SHOWN = 200


def _date_of(message: EmailMessage) -> Any:
    """The Date header as a datetime, or as its text when it is no valid date."""
    raw = str(message["Date"] or "")
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return raw or None


def _outbox_rows(outbox: OutboxTransport) -> list[dict[str, Any]]:
    """The newest messages in the outbox: file name, subject and date."""
    paths = sorted(outbox.messages(), key=lambda p: p.stat().st_mtime, reverse=True)
    rows = []
    for path in paths[:OUTBOX_SHOWN]:
        message = outbox.read(path.name)
        if message is not None:
            rows.append(
                {
                    "name": path.name,
                    "subject": str(message["Subject"] or ""),
                    "date": _date_of(message),
                }
            )
    return rows


@bp.get("/mail")
def mail() -> ResponseReturnValue:
    """Counts per state, the ledger (optionally one state) and the embedded outbox."""
    mailer = context.container().mailer
    settings = context.container().settings
    state = request.args.get("status") or ""
    if state not in MAIL_STATES:
        state = ""
    outbox = mailer.outbox
    return _render(
        "admin/mail.html",
        STATES=MAIL_STATES,
        counts=mailer.log.counts(),
        entries=mailer.log.entries(state or None),
        state=state,
        outbox=_outbox_rows(outbox) if outbox else None,
        outbox_total=len(outbox.messages()) if outbox else 0,
        shown=OUTBOX_SHOWN,
        smtp=f"{settings.smtp_host}:{settings.smtp_effective_port}",
    )


@bp.get("/mail/bericht/<name>")
def mail_message(name: str) -> ResponseReturnValue:
    """One message of the embedded outbox: its headers, the text and the HTML as source."""
    outbox = context.container().mailer.outbox
    message = outbox.read(name) if outbox else None
    if message is None:
        abort(404)
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    return _render(
        "admin/mail_message.html",
        name=name,
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        date=_date_of(message),
        message_id=str(message["Message-ID"] or ""),
        text=text.get_content() if isinstance(text, EmailMessage) else "",
        html=markup.get_content() if isinstance(markup, EmailMessage) else None,
    )
