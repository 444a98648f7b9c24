"""Outgoing e-mail: compose a message and send it once through a transport (transport.py) and
the ledger (ledger.py) that makes delivery exactly-once per key.

A message is sent under a key ("confirm-<initiative>", "submitted-<initiative>-initiator", ...).
The ledger (MailLog) has one row per key and lets exactly one sender claim it; a message that
was sent is never sent again, however often the job that sends it runs. The ledger holds no
recipient address and no message content: only the key, who it was for (an audience such as
"initiator" or "team:<code>"), the trigger, the state and a short error.

With no SMTP server configured, messages go to an outbox folder under var/ (one .eml per key).
"""

from __future__ import annotations

import hashlib
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from participatie.notifications.ledger import MailLog, open_mail_tables
from participatie.notifications.transport import (
    SAFE_KEY,
    MailError,
    OutboxTransport,
    PermanentMailError,
    SMTPTransport,
    TemporaryMailError,
    Transport,
    describe,
)

__all__ = [
    "MailError",
    "Mailer",
    "OutboxTransport",
    "build_mailer",
    "compose",
    "header_text",
    "message_id",
]

SENDER = "Participatie <noreply@participatie.invalid>"


# -- messages ------------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The Message-ID of the message sent under `key` (the same on every try)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@participatie>"


def header_text(value: str) -> str:
    """`value` fit for a header: on one line, without control characters.

    Every header value passes here, so text a resident wrote (a title in a subject) can never
    end a header or add one: a line break, tab or other control character, and the Unicode
    line and paragraph separators and lone surrogates (which cannot be encoded), become a
    space, and runs of spaces one.
    """
    return " ".join("".join(" " if _breaks_header(c) else c for c in value).split())


def _breaks_header(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp")


def compose(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    sender: str = SENDER,
    key: str | None = None,
) -> EmailMessage:
    """A message with a plain-text part, and an HTML alternative when `html` is given."""
    message = EmailMessage()
    message["From"] = header_text(sender)
    message["To"] = header_text(to)
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(key) if key else make_msgid(domain="participatie.invalid")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


# -- the mailer ----------------------------------------------------------------------------------


class Mailer:
    """Sends a message under a key, at most once successfully, and records what happened."""

    def __init__(self, transport: Transport, log: MailLog, sender: str = SENDER) -> None:
        self.transport = transport
        self.log = log
        self.sender = sender

    def send(
        self,
        key: str,
        message: EmailMessage,
        *,
        audience: str = "",
        kind: str = "",
        initiative_id: str | None = None,
        final: bool = False,
    ) -> str:
        """Send `message` unless `key` was sent or is being sent: "sent" or "skipped".

        A TemporaryMailError leaves the key to try again ("retry"; "failed" when `final`, the
        last try), a PermanentMailError marks it "failed"; both are raised again. Any other
        error (a bug) is recorded the same way as a temporary one, so the admins see on the
        mail page what became of a message whose last try failed. The message gets the
        configured sender and the key's Message-ID, so a receiver sees a repeat as one.
        """
        if not self.log.claim(key, audience, kind, initiative_id):
            return "skipped"
        try:
            del message["From"]
            del message["Message-ID"]
            message["From"] = header_text(self.sender)
            message["Message-ID"] = message_id(key)
            self.transport.send(message, key)
        except TemporaryMailError as error:
            (self.log.failed if final else self.log.retry)(key, str(error))
            raise
        except PermanentMailError as error:
            self.log.failed(key, str(error))
            raise
        except BaseException as error:  # a bug: the next try may have the key at once
            (self.log.failed if final else self.log.retry)(key, describe(error))
            raise
        self.log.sent(key)
        return "sent"

    @property
    def outbox(self) -> OutboxTransport | None:
        """The embedded outbox when mail goes there, else None."""
        return self.transport if isinstance(self.transport, OutboxTransport) else None

    @property
    def folder(self) -> Path | None:
        return self.outbox.folder if self.outbox else None

    def messages(self) -> list[Path]:
        return self.outbox.messages() if self.outbox else []

    def forget_mentioning(self, prefix: str, needle: str) -> int:
        """Delete the outbox copies under `prefix` whose text names `needle` (an initiative id
        in a digest's links: the digest quotes its title); return how many."""
        safe = SAFE_KEY.sub("_", prefix)
        removed = 0
        for path in self.messages():
            if path.name.startswith(safe) and needle.encode() in path.read_bytes():
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def forget(self, prefixes: list[str]) -> int:
        """Delete the outbox copies whose key starts with one of `prefixes`; return how many.

        Erasing a person's data removes the messages the embedded outbox kept for them (with
        an SMTP server, sent mail is no longer here to delete).
        """
        safe = tuple(SAFE_KEY.sub("_", p) for p in prefixes)
        removed = 0
        for path in self.messages():
            if safe and path.name.startswith(safe):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def build_mailer(settings: Any) -> Mailer:
    """The mailer of `settings`: SMTP when a host is set, else the outbox under var/."""
    transport: Transport
    if settings.smtp_host:
        transport = SMTPTransport(
            settings.smtp_host,
            settings.smtp_effective_port,
            settings.smtp_security,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_timeout,
        )
    else:
        transport = OutboxTransport(settings.var_dir / "outbox")
    log = MailLog(open_mail_tables(settings), stale_seconds=settings.mail_stale_seconds)
    return Mailer(transport, log, settings.mail_from)
