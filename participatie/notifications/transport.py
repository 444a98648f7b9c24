"""How mail leaves: SMTP (none/STARTTLS/SSL, with authentication) or the embedded outbox folder
under var/ (one .eml per key), and the errors a sender tells apart: temporary (try again) or
permanent (give up). Error texts never carry a recipient's address."""

from __future__ import annotations

import contextlib
import email
import email.parser
import email.policy
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

SAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]")
OUTBOX_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.eml")
ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")
ERROR_LENGTH = 300

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


def describe(error: BaseException) -> str:
    """An unexpected error as the ledger keeps it: its type and text, without addresses."""
    return _without_addresses(f"{type(error).__name__}: {error}")


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return _without_addresses(f"{code} {text}")


# -- transports ----------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, message: EmailMessage, key: str | None = None) -> None:
        """Deliver `message` (`key` only names it) or raise a MailError."""


@dataclass(frozen=True)
class OutboxEntry:
    """One message of the outbox as a list shows it: its file, subject and Date header (text)."""

    name: str
    subject: str
    date: str


HEADER_END = re.compile(rb"\r?\n\r?\n")
HEADER_LIMIT = 64 * 1024  # headers longer than this are cut; a list needs only a few of them


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

    def page(self, offset: int, limit: int) -> tuple[list[OutboxEntry], int]:
        """The messages `offset` to `offset + limit`, newest first, and how many there are.

        Only the files on the page are opened, and of those only the headers are parsed: a
        full outbox lists as fast as an empty one, give or take a directory listing."""
        if not self.folder.exists():
            return [], 0
        found = []
        with os.scandir(self.folder) as listing:
            for item in listing:
                if OUTBOX_NAME.fullmatch(item.name) and item.is_file():
                    found.append((item.stat().st_mtime, item.name))
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        entries = []
        for _, name in found[offset : offset + limit]:
            headers = self._headers(name)
            if headers is not None:
                subject = str(headers["Subject"] or "")
                entries.append(OutboxEntry(name, subject, str(headers["Date"] or "")))
        return entries, len(found)

    def _headers(self, name: str) -> EmailMessage | None:
        """The headers of message `name` (no body); None when it went away meanwhile."""
        try:
            with open(self.folder / name, "rb") as handle:
                start = handle.read(HEADER_LIMIT)
        except OSError:
            return None
        end = HEADER_END.search(start)
        block = start[: end.start()] + b"\n\n" if end else start
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        parsed = parser.parsebytes(block)
        assert isinstance(parsed, EmailMessage)
        return parsed

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
            raise TemporaryMailError(describe(error)) from None

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
