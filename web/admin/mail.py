"""The e-mail ledger (counts and entries per state) and the embedded outbox."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from participatie.privacy.mail_copies import recipient_of
from web import context
from web.admin import bp
from web.admin.common import _actor, _render

MAIL_STATES = {
    "sending": lazy_gettext("Wordt verzonden"),
    "retry": lazy_gettext("Wordt opnieuw geprobeerd"),
    "sent": lazy_gettext("Verzonden"),
    "failed": lazy_gettext("Mislukt"),
}
OUTBOX_PAGE = 50  # messages of the outbox per page
MAIL_FIELDS = ["email", "mail"]  # what opening a message to a resident shows of them


def _date(raw: str) -> Any:
    """A Date header as a datetime, or as its text when it is no valid date."""
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return raw or None


def _page_number() -> int:
    """The outbox page asked for (from 1); anything else is the first."""
    raw = request.args.get("pagina") or "1"
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


@bp.get("/mail")
def mail() -> ResponseReturnValue:
    """Counts per state, the ledger (optionally one state) and a page of the embedded outbox."""
    mailer = context.container().mailer
    settings = context.container().settings
    state = request.args.get("status") or ""
    if state not in MAIL_STATES:
        state = ""
    outbox = mailer.outbox
    number = _page_number()
    rows: list[dict[str, Any]] | None = None
    total = 0
    if outbox is not None:
        entries, total = outbox.page((number - 1) * OUTBOX_PAGE, OUTBOX_PAGE)
        if not entries and number > 1:  # past the end: the last page
            number = max(1, -(-total // OUTBOX_PAGE))
            entries, total = outbox.page((number - 1) * OUTBOX_PAGE, OUTBOX_PAGE)
        rows = [{"name": e.name, "subject": e.subject, "date": _date(e.date)} for e in entries]
    return _render(
        "admin/mail.html",
        STATES=MAIL_STATES,
        counts=mailer.log.counts(),
        entries=mailer.log.entries(state or None),
        state=state,
        outbox=rows,
        outbox_total=total,
        outbox_page=number,
        outbox_pages=max(1, -(-total // OUTBOX_PAGE)),
        outbox_first=(number - 1) * OUTBOX_PAGE + 1,
        outbox_last=(number - 1) * OUTBOX_PAGE + len(rows or []),
        smtp=f"{settings.smtp_host}:{settings.smtp_effective_port}",
    )


MAIL_PURPOSE = "controle verzonden e-mail"  # the processing log's purpose of an opening here


@bp.route("/mail/bericht/<name>", methods=["GET", "POST"])
def mail_message(name: str) -> ResponseReturnValue:
    """One message of the embedded outbox: its headers, the text and the HTML as source.

    A message to a resident holds their address and text written for them: GET shows only what
    it is (subject, date, key); the address and the content show after a POST (a person's own
    click, CSRF-protected) that first records the opening in the processing log. A message
    nobody can attribute to a person is not opened here at all. Messages to a team's mailbox
    show at once.
    """
    outbox = context.container().mailer.outbox
    message = outbox.read(name) if outbox else None
    if message is None:
        abort(404)
    recipient = recipient_of(context.container().app, name)
    opened = not recipient.resident
    if request.method == "POST" and recipient.subject_id is not None:
        context.container().app.record_opening(
            _actor(), recipient.subject_id, recipient.initiative_id, MAIL_PURPOSE, MAIL_FIELDS
        )
        opened = True
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    return _render(
        "admin/mail_message.html",
        name=name,
        recipient=recipient,
        opened=opened,
        sender=str(message["From"] or ""),
        to=str(message["To"] or "") if opened else None,
        subject=str(message["Subject"] or ""),
        date=_date(str(message["Date"] or "")),
        message_id=str(message["Message-ID"] or ""),
        text=text.get_content() if opened and isinstance(text, EmailMessage) else None,
        html=markup.get_content() if opened and isinstance(markup, EmailMessage) else None,
    )
