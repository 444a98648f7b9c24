"""Outgoing e-mail: compose, a transport (SMTP or the embedded outbox folder) and a ledger that
makes delivery exactly-once per key.

A message is sent under a key ("confirm-<initiative>", "submitted-<initiative>-initiator", ...).
The ledger (MailLog) has one row per key and lets exactly one sender claim it; a message that
was sent is never sent again, however often the job that sends it runs. The ledger holds no
recipient address and no message content: only the key, who it was for (an audience such as
"initiator" or "team:<code>"), the trigger, the state and a short error.

With no SMTP server configured, messages go to an outbox folder under var/ (one .eml per key).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from participatie.infra.tables import Tables, tables_for

SENDER = "Participatie <noreply@participatie.invalid>"
SAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]")
OUTBOX_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.eml")
ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")
ERROR_LENGTH = 300

STALE_SECONDS = 300  # a key "sending" for longer belongs to a sender that crashed
STATES = ("sending", "retry", "sent", "failed")


# -- messages ------------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The Message-ID of the message sent under `key` (the same on every try)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@participatie>"


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
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(key) if key else make_msgid(domain="participatie.invalid")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


# -- errors --------------------------------------------------------------------------------------


class MailError(OSError):
    """A message was not delivered. The text is short and names no recipient.

    An OSError, like smtplib's own errors, so callers that treat a failed write to the outbox
    as "mail not sent" keep doing so.
    """


class TemporaryMailError(MailError):
    """The server could not be reached or said "try later" (4xx): try again later."""


class PermanentMailError(MailError):
    """The server refused the message or our login (5xx): trying again will not help."""


def _without_addresses(text: str) -> str:
    """`text` on one line, e-mail addresses replaced, cut to ERROR_LENGTH."""
    return " ".join(ADDRESS.sub("<adres>", text).split())[:ERROR_LENGTH]


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return _without_addresses(f"{code} {text}")


# -- transports ----------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, message: EmailMessage, key: str | None = None) -> None:
        """Deliver `message` (`key` only names it) or raise a MailError."""


class OutboxTransport:
    """Writes each message as `<key>.eml` in a folder (atomically): twice the same key, one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, key: str | None = None) -> None:
        name = key or str(message["Message-ID"] or "").strip("<>") or make_msgid().strip("<>")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / (SAFE_KEY.sub("_", name).lstrip(".") + ".eml")
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(message.as_bytes())
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            raise TemporaryMailError(f"outbox not writable: {error.strerror or error}") from error

    def messages(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []

    def read(self, name: str) -> EmailMessage | None:
        """The message in file `name` of the outbox; None for an unknown or unsafe name."""
        if not OUTBOX_NAME.fullmatch(name):
            return None
        path = self.folder / name
        if path.resolve().parent != self.folder.resolve() or not path.is_file():
            return None
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SMTPTransport:
    """Delivers through an SMTP server: plain, STARTTLS or implicit TLS, with optional login."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 30,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown SMTP security {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        # smtplib's own default context checks no certificate; this one does.
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage, key: str | None = None) -> None:
        try:
            self._deliver(message)
        except MailError:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            text = ", ".join(_reply(code, reply) for code, reply in error.recipients.values())
            if any(code >= 500 for code in codes):
                raise PermanentMailError(f"recipient refused: {text}") from None
            raise TemporaryMailError(f"recipient deferred: {text}") from None
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentMailError(
                f"login refused: {_reply(error.smtp_code, error.smtp_error)}"
            ) from None
        except smtplib.SMTPResponseException as error:
            text = _reply(error.smtp_code, error.smtp_error)
            if 400 <= error.smtp_code < 500:
                raise TemporaryMailError(text) from None
            raise PermanentMailError(text) from None
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentMailError(_without_addresses(f"server: {error}")) from None
        except (smtplib.SMTPException, OSError) as error:  # refused, timeout, disconnected, TLS
            raise TemporaryMailError(
                _without_addresses(f"{type(error).__name__}: {error}")
            ) from None

    def _deliver(self, message: EmailMessage) -> None:
        smtp = self._connect()
        try:
            if self.username:
                smtp.login(self.username, self.password)
            refused = smtp.send_message(message)
        finally:
            # The message is accepted once DATA is answered; a failing QUIT changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()
        if refused:  # some recipients accepted: trying again would send them a second copy
            raise PermanentMailError(f"{len(refused)} recipient(s) refused")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self.ssl_context)
            except BaseException:
                smtp.close()
                raise
        return smtp


# -- the ledger ----------------------------------------------------------------------------------

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_mail_log ("
    "key TEXT PRIMARY KEY, audience TEXT NOT NULL, initiative_id TEXT, kind TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS participatie_mail_log_updated"
    " ON participatie_mail_log (updated_at)",
    "CREATE INDEX IF NOT EXISTS participatie_mail_log_state"
    " ON participatie_mail_log (state, updated_at)",
)
COLUMNS = "key, audience, initiative_id, kind, state, attempts, last_error, created_at, updated_at"


def open_mail_tables(settings: Any) -> Tables:
    return tables_for(settings, "mail.sqlite", SCHEMA)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """UTC, fixed width: these strings sort as the moments do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class MailEntry:
    key: str
    audience: str
    initiative_id: str | None
    kind: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class MailLog:
    """One row per key: who may send it now, and what became of it."""

    def __init__(self, tables: Tables, clock: Callable[[], datetime] = utcnow) -> None:
        self.tables = tables
        self.clock = clock

    def claim(
        self,
        key: str,
        audience: str,
        kind: str,
        initiative_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """True for the one caller that may send `key` now.

        That is the first caller of a new key, or the caller that takes it back from "retry",
        "failed" or a "sending" older than STALE_SECONDS. Each is one statement, so of two
        callers at the same moment (threads or processes) exactly one gets True.
        """
        now = now or self.clock()
        stamp = _stamp(now)
        inserted = self.tables.change(
            f"INSERT INTO participatie_mail_log ({COLUMNS})"
            " VALUES (?, ?, ?, ?, 'sending', 1, NULL, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, audience, initiative_id, kind, stamp, stamp),
        )
        if inserted == 1:
            return True
        taken = self.tables.change(
            "UPDATE participatie_mail_log SET state = 'sending', attempts = attempts + 1,"
            " updated_at = ? WHERE key = ?"
            " AND (state IN ('retry', 'failed') OR (state = 'sending' AND updated_at < ?))",
            (stamp, key, _stamp(now - timedelta(seconds=STALE_SECONDS))),
        )
        return taken == 1

    def sent(self, key: str) -> None:
        self._set(key, "sent", None)

    def retry(self, key: str, error: str) -> None:
        self._set(key, "retry", error)

    def failed(self, key: str, error: str) -> None:
        self._set(key, "failed", error)

    def _set(self, key: str, state: str, error: str | None) -> None:
        self.tables.change(
            "UPDATE participatie_mail_log SET state = ?, last_error = ?, updated_at = ?"
            " WHERE key = ?",
            (state, None if error is None else error[:ERROR_LENGTH], _stamp(self.clock()), key),
        )

    def get(self, key: str) -> MailEntry | None:
        rows = self.tables.run(f"SELECT {COLUMNS} FROM participatie_mail_log WHERE key = ?", (key,))
        return _entry(rows[0]) if rows else None

    def entries(self, state: str | None = None, limit: int = 200) -> list[MailEntry]:
        """The most recently changed entries first, all or those in `state`."""
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = self.tables.run(
            f"SELECT {COLUMNS} FROM participatie_mail_log {where}"
            " ORDER BY updated_at DESC, key LIMIT ?",
            (*params, limit),
        )
        return [_entry(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Entries per state (every state, 0 when none)."""
        found = dict.fromkeys(STATES, 0)
        for state, count in self.tables.run(
            "SELECT state, COUNT(*) FROM participatie_mail_log GROUP BY state"
        ):
            found[str(state)] = int(count)
        return found

    def close(self) -> None:
        self.tables.close()


def _entry(row: tuple[Any, ...]) -> MailEntry:
    key, audience, initiative_id, kind, state, attempts, error, created, updated = row
    return MailEntry(
        key=key,
        audience=audience,
        initiative_id=initiative_id,
        kind=kind,
        state=state,
        attempts=int(attempts),
        last_error=error,
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(updated),
    )


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
        last try), a PermanentMailError marks it "failed"; both are raised again. The message
        gets the configured sender and the key's Message-ID, so a receiver sees a repeat as one.
        """
        if not self.log.claim(key, audience, kind, initiative_id):
            return "skipped"
        del message["From"]
        del message["Message-ID"]
        message["From"] = self.sender
        message["Message-ID"] = message_id(key)
        try:
            self.transport.send(message, key)
        except TemporaryMailError as error:
            (self.log.failed if final else self.log.retry)(key, str(error))
            raise
        except PermanentMailError as error:
            self.log.failed(key, str(error))
            raise
        except BaseException as error:  # a bug: let the next try have the key at once
            self.log.retry(key, type(error).__name__)
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
    return Mailer(transport, MailLog(open_mail_tables(settings)), settings.mail_from)
