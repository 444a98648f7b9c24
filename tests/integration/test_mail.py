"""E-mail through a real SMTP server (aiosmtpd on loopback): plain, STARTTLS with login and
implicit TLS; exactly one delivery per key, also when two senders race; temporary and permanent
failures in the ledger; and the ledger's claim rules on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import ipaddress
import multiprocessing
import os
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from participatie.bootstrap import creating_tables
from participatie.config import Settings
from participatie.notifications.ledger import STALE_SECONDS, MailLog, open_mail_tables
from participatie.notifications.mail import Mailer, build_mailer, compose, message_id
from participatie.notifications.transport import (
    OutboxTransport,
    PermanentMailError,
    SMTPTransport,
    TemporaryMailError,
)
from tests.services import free_port

CANARY = "kanarie.4711@example.org"
USER, PASSWORD = "participatie", "geheim wachtwoord"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


# -- a real SMTP server --------------------------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives; it can refuse recipients or data."""

    rcpt_reply: str | None = None  # e.g. "550 5.1.1 ...": refuse every recipient
    data_reply: str | None = None  # e.g. "451 4.3.0 ...": refuse the message after DATA
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        message = BytesParser(policy=default_policy).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(message)
            self.envelopes.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server(inbox: Inbox, port: int | None = None, **options: Any) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 handing messages to `inbox`; yields its port."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Trusts this certificate (and checks the host name, like the default does)."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def log(sqlite_settings: Settings) -> Iterator[MailLog]:
    """The ledger in an SQLite file under a fresh var/."""
    ledger = MailLog(open_mail_tables(sqlite_settings))
    try:
        yield ledger
    finally:
        ledger.close()


def plain(port: int, **options: Any) -> SMTPTransport:
    return SMTPTransport("127.0.0.1", port, "none", timeout=5, **options)


def message(subject: str = "Uw initiatief is ontvangen", **options: Any) -> EmailMessage:
    return compose(
        CANARY,
        subject,
        "Dank u wel. Uw initiatief is ontvangen.",
        "<p>Dank u wel. Uw initiatief is <b>ontvangen</b>.</p>",
        **options,
    )


def send(mailer: Mailer, key: str, **options: Any) -> str:
    return mailer.send(key, message(), audience="initiator", kind="submitted", **options)


def raw_ledger(log: MailLog) -> str:
    return repr(log.tables.run("SELECT * FROM participatie_mail_log"))


# -- composing -----------------------------------------------------------------------------------


def test_a_message_with_html_has_both_parts_and_a_message_id_from_its_key() -> None:
    first = message(key="submitted-42-initiator")
    again = message(key="submitted-42-initiator")
    assert first.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]
    assert first["Message-ID"] == again["Message-ID"] == message_id("submitted-42-initiator")
    assert message(key="submitted-43-initiator")["Message-ID"] != first["Message-ID"]
    # Without html and key, as the existing callers use it: one text part, a random id.
    simple = compose(CANARY, "Onderwerp", "Alleen tekst")
    assert simple.get_content_type() == "text/plain"
    assert simple["Message-ID"] != compose(CANARY, "Onderwerp", "Alleen tekst")["Message-ID"]


# Header values with what a resident may have typed, and what the header says (by hand).
HEADER_VALUES = {
    "Bankje\r\nBcc: x@evil.example": "Bankje Bcc: x@evil.example",
    "Bankje\nX-Evil: 1": "Bankje X-Evil: 1",
    "Bankje\rbij\tde\x0bvijver\x0c": "Bankje bij de vijver",
    "nul\x00teken\x1bescape\x07bel\x7fdel": "nul teken escape bel del",
    "C1\x85next\x9bcsi": "C1 next csi",
    "regel\u2028scheiding\u2029alinea": "regel scheiding alinea",
    "  veel   spaties  ": "veel spaties",
    "los \ud800 surrogaat": "los surrogaat",
    "Straße & café, 100% €": "Straße & café, 100% €",
}


@pytest.mark.parametrize("raw", HEADER_VALUES)
def test_no_control_character_reaches_a_header(raw: str) -> None:
    composed = compose(CANARY, f"Onderwerp: {raw}", "tekst")
    assert composed["Subject"] == f"Onderwerp: {HEADER_VALUES[raw]}"
    assert list(composed.keys()) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    ]
    sent = BytesParser(policy=default_policy).parsebytes(composed.as_bytes())
    assert list(sent.keys()) == list(composed.keys())  # nothing new once it is on the wire
    assert sent["Subject"] == composed["Subject"]


# -- delivery over SMTP --------------------------------------------------------------------------


def test_plain_smtp_delivers_text_and_html_with_the_keys_message_id(log: MailLog) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mailer = Mailer(plain(port), log, "Gemeente <participatie@gemeente.example>")
        assert send(mailer, "submitted-1-initiator", initiative_id="1") == "sent"
    (got,) = inbox.received
    assert inbox.envelopes == [[CANARY]]
    assert got["Subject"] == "Uw initiatief is ontvangen"
    assert got["From"] == "Gemeente <participatie@gemeente.example>"
    assert got["Message-ID"] == message_id("submitted-1-initiator")
    text, html = got.get_body(("plain",)), got.get_body(("html",))
    assert text is not None and "Uw initiatief is ontvangen." in text.get_content()
    assert html is not None and "<b>ontvangen</b>" in html.get_content()
    entry = log.get("submitted-1-initiator")
    assert entry is not None
    assert (entry.state, entry.attempts, entry.audience, entry.kind, entry.initiative_id) == (
        "sent",
        1,
        "initiator",
        "submitted",
        "1",
    )


def test_starttls_with_login_delivers(log: MailLog, certificate: Certificate) -> None:
    inbox = Inbox()
    with smtp_server(
        inbox,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    ) as port:
        transport = SMTPTransport(
            "127.0.0.1",
            port,
            "starttls",
            USER,
            PASSWORD,
            timeout=5,
            ssl_context=certificate.client_context(),
        )
        assert send(Mailer(transport, log), "tls-1") == "sent"
        assert len(inbox.received) == 1

        # A wrong password is a permanent failure (trying again will not help).
        wrong = SMTPTransport(
            "127.0.0.1", port, "starttls", USER, "fout", 5, certificate.client_context()
        )
        with pytest.raises(PermanentMailError, match="login refused: 535"):
            send(Mailer(wrong, log), "tls-2")
        # A certificate the client does not trust is refused: the default context checks it.
        untrusted = SMTPTransport("127.0.0.1", port, "starttls", USER, PASSWORD, 5)
        with pytest.raises(TemporaryMailError, match="CERTIFICATE_VERIFY_FAILED"):
            send(Mailer(untrusted, log), "tls-3")
    assert len(inbox.received) == 1
    assert [log.get(k).state for k in ("tls-1", "tls-2", "tls-3")] == [  # type: ignore[union-attr]
        "sent",
        "failed",
        "retry",
    ]


def test_implicit_tls_delivers(log: MailLog, certificate: Certificate) -> None:
    inbox = Inbox()
    with smtp_server(inbox, ssl_context=certificate.server_context()) as port:
        transport = SMTPTransport(
            "127.0.0.1", port, "ssl", timeout=5, ssl_context=certificate.client_context()
        )
        assert send(Mailer(transport, log), "ssl-1") == "sent"
    (got,) = inbox.received
    assert got["Message-ID"] == message_id("ssl-1")


def test_build_mailer_sends_over_the_configured_smtp_server(sqlite_settings: Settings) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings = sqlite_settings.with_(
            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", mail_from="X <x@y.nl>"
        )
        mailer = creating_tables(lambda: build_mailer(settings))
        try:
            assert isinstance(mailer.transport, SMTPTransport)
            assert mailer.outbox is None and mailer.folder is None and mailer.messages() == []
            assert send(mailer, "via-settings") == "sent"
        finally:
            mailer.log.close()
    assert [m["From"] for m in inbox.received] == ["X <x@y.nl>"]
    assert (sqlite_settings.var_dir / "mail.sqlite").exists()


# -- exactly once --------------------------------------------------------------------------------


def test_the_same_key_sent_twice_arrives_once(log: MailLog) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mailer = Mailer(plain(port), log)
        assert send(mailer, "twice") == "sent"
        assert send(mailer, "twice") == "skipped"
    assert len(inbox.received) == 1
    assert log.get("twice").attempts == 1  # type: ignore[union-attr]


def test_two_threads_sending_the_same_key_at_once_deliver_one_message(log: MailLog) -> None:
    inbox = Inbox()
    keys = [f"race-{n}" for n in range(10)]
    with smtp_server(inbox) as port:
        mailer = Mailer(plain(port), log)
        results: list[str] = []
        barrier = threading.Barrier(2)

        def sender() -> None:
            for key in keys:
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=10)
                results.append(send(mailer, key))

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(results) == ["sent"] * len(keys) + ["skipped"] * len(keys)
    ids = sorted(str(m["Message-ID"]) for m in inbox.received)
    assert ids == sorted(message_id(k) for k in keys)  # each key exactly once


# -- failures ------------------------------------------------------------------------------------


def test_a_server_that_is_down_is_tried_again_later_and_then_delivers_once(log: MailLog) -> None:
    port = free_port()  # nothing listens here yet
    mailer = Mailer(plain(port), log)
    with pytest.raises(TemporaryMailError) as raised:
        send(mailer, "later")
    assert "ConnectionRefusedError" in str(raised.value) and CANARY not in str(raised.value)
    entry = log.get("later")
    assert entry is not None and (entry.state, entry.attempts) == ("retry", 1)
    assert entry.last_error and "Connection refused" in entry.last_error

    inbox = Inbox()
    with smtp_server(inbox, port=port):
        assert send(mailer, "later") == "sent"
        assert send(mailer, "later") == "skipped"
    assert len(inbox.received) == 1
    entry = log.get("later")
    assert entry is not None and (entry.state, entry.attempts, entry.last_error) == (
        "sent",
        2,
        None,
    )


def test_the_last_try_with_the_server_down_marks_the_message_failed(log: MailLog) -> None:
    mailer = Mailer(plain(free_port()), log)
    with pytest.raises(TemporaryMailError):
        send(mailer, "last-try", final=True)
    (entry,) = log.entries("failed")
    assert entry.key == "last-try" and entry.last_error
    assert log.counts() == {"sending": 0, "retry": 0, "sent": 0, "failed": 1}


def test_a_refused_recipient_fails_permanently_and_is_shown_to_admins(log: MailLog) -> None:
    inbox = Inbox(rcpt_reply="550 5.1.1 <{address}>: Recipient address rejected")
    with smtp_server(inbox) as port:
        mailer = Mailer(plain(port), log)
        with pytest.raises(PermanentMailError) as raised:
            send(mailer, "refused", initiative_id="7")
    assert inbox.received == []
    (entry,) = log.entries("failed")
    assert (entry.key, entry.state, entry.initiative_id) == ("refused", "failed", "7")
    assert entry.last_error and "550 5.1.1" in entry.last_error
    assert "Recipient address rejected" in entry.last_error
    # The server's reply named the address; neither the error nor the ledger repeats it.
    assert CANARY not in str(raised.value) and CANARY not in entry.last_error
    assert log.entries("retry") == [] and log.counts()["failed"] == 1


@pytest.mark.parametrize(
    ("reply", "error", "state"),
    [
        ("451 4.3.0 Mail server temporarily rejected message", TemporaryMailError, "retry"),
        ("554 5.7.1 Message rejected as spam", PermanentMailError, "failed"),
    ],
)
def test_a_refusal_after_data_is_temporary_for_4xx_and_permanent_for_5xx(
    log: MailLog, reply: str, error: type[Exception], state: str
) -> None:
    inbox = Inbox(data_reply=reply)
    with smtp_server(inbox) as port, pytest.raises(error, match=reply[:9]):
        send(Mailer(plain(port), log), "data")
    assert log.get("data").state == state  # type: ignore[union-attr]


def test_a_server_that_hangs_up_is_a_temporary_error(log: MailLog) -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up() -> None:
            connection, _ = listener.accept()
            connection.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        with pytest.raises(TemporaryMailError, match="SMTPServerDisconnected"):
            send(Mailer(plain(port), log), "hung-up")
        thread.join(timeout=5)
    assert log.get("hung-up").state == "retry"  # type: ignore[union-attr]


def test_smtp_errors_are_classified_as_temporary_or_permanent() -> None:
    class Failing(SMTPTransport):
        def __init__(self, error: BaseException) -> None:
            super().__init__("127.0.0.1", 25, "none")
            self.error = error

        def _deliver(self, message: EmailMessage) -> None:
            raise self.error

    cases: list[tuple[BaseException, type[Exception]]] = [
        (ConnectionRefusedError(111, "Connection refused"), TemporaryMailError),
        (TimeoutError("timed out"), TemporaryMailError),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), TemporaryMailError),
        (smtplib.SMTPSenderRefused(421, b"Service not available", CANARY), TemporaryMailError),
        (smtplib.SMTPRecipientsRefused({CANARY: (450, b"Mailbox busy")}), TemporaryMailError),
        (smtplib.SMTPRecipientsRefused({CANARY: (550, b"No such user")}), PermanentMailError),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), PermanentMailError),
        (smtplib.SMTPDataError(552, b"Message too big"), PermanentMailError),
    ]
    for error, expected in cases:
        with pytest.raises(expected) as raised:
            Failing(error).send(message())
        assert CANARY not in str(raised.value), error
        assert 0 < len(str(raised.value)) <= 300


class Broken:
    """A transport with a bug: it raises what no transport should."""

    def send(self, message: EmailMessage, key: str | None = None) -> None:
        raise ValueError(f"kapot bij {CANARY}")


@pytest.mark.parametrize(("final", "state"), [(False, "retry"), (True, "failed")])
def test_an_unexpected_error_is_in_the_ledger_with_its_text_and_fails_on_the_last_try(
    log: MailLog, final: bool, state: str
) -> None:
    with pytest.raises(ValueError, match="kapot"):
        send(Mailer(Broken(), log), "bug", initiative_id="9", final=final)
    entry = log.get("bug")
    assert entry is not None
    assert (entry.state, entry.initiative_id, entry.last_error) == (
        state,
        "9",
        "ValueError: kapot bij <adres>",  # what admins see; no address
    )


# -- the outbox ----------------------------------------------------------------------------------


def test_the_outbox_keeps_one_file_per_key_and_reads_only_its_own_files(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    outbox.send(message("eerste"), "confirm-1")
    outbox.send(message("tweede"), "confirm-1")
    outbox.send(message("zonder sleutel", key="k"))  # named after its Message-ID
    names = [p.name for p in outbox.messages()]
    assert names == sorted(names) and len(names) == 2 and "confirm-1.eml" in names
    read = outbox.read("confirm-1.eml")
    assert read is not None and read["Subject"] == "tweede"
    (tmp_path / "secret.eml").write_text("Subject: niet van het postvak\n\n")
    for name in ("../secret.eml", "..", ".eml", "outbox/../../secret.eml", "confirm-1", "x.txt"):
        assert outbox.read(name) is None, name
    assert outbox.read("missing.eml") is None


def test_a_page_of_the_outbox_lists_the_newest_first_from_their_headers(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    assert outbox.page(0, 2) == ([], 0)  # no folder yet
    for number, subject in enumerate(["oudste", "Één ünicode onderwerp", "nieuwste"]):
        outbox.send(compose("a@example.org", subject, "tekst"), f"bericht-{number}")
        os.utime(outbox.folder / f"bericht-{number}.eml", (1_700_000_000 + number,) * 2)
    # Only the headers are read: a message whose body is cut off still lists.
    (outbox.folder / "kapot.eml").write_bytes(
        b"Subject: =?utf-8?q?afgebroken_bericht?=\r\nDate: geen datum\r\n\r\n--grens\r\nContent-"
    )
    os.utime(outbox.folder / "kapot.eml", (1_600_000_000,) * 2)
    (outbox.folder / "notitie.txt").write_text("Subject: geen bericht\n\n")
    first, total = outbox.page(0, 2)
    assert total == 4
    assert [(e.name, e.subject) for e in first] == [
        ("bericht-2.eml", "nieuwste"),
        ("bericht-1.eml", "Één ünicode onderwerp"),
    ]
    rest, total = outbox.page(2, 2)
    assert [(e.name, e.subject) for e in rest] == [
        ("bericht-0.eml", "oudste"),
        ("kapot.eml", "afgebroken bericht"),
    ]
    assert rest[0].date.endswith(" -0000") and rest[1].date == "geen datum"
    assert outbox.page(4, 2) == ([], 4)


def test_an_unwritable_outbox_is_a_temporary_error(tmp_path: Path, log: MailLog) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    mailer = Mailer(OutboxTransport(blocked), log)
    with pytest.raises(TemporaryMailError, match="outbox not writable") as raised:
        send(mailer, "blocked")
    assert isinstance(raised.value, OSError)  # callers that catch OSError keep working
    assert log.get("blocked").state == "retry"  # type: ignore[union-attr]


def test_the_ledger_holds_no_address_and_no_content(sqlite_settings: Settings) -> None:
    inbox = Inbox()
    mailer = build_mailer(sqlite_settings)
    try:
        assert send(mailer, "in-outbox") == "sent"
        with smtp_server(inbox) as port:
            smtp = Mailer(plain(port), mailer.log)
            assert send(smtp, "over-smtp") == "sent"
        refusing = Inbox(rcpt_reply="550 <{address}> unknown")
        with smtp_server(refusing) as port, pytest.raises(PermanentMailError):
            send(Mailer(plain(port), mailer.log), "refused")
        stored = raw_ledger(mailer.log)
        assert "in-outbox" in stored and "over-smtp" in stored and "refused" in stored
        for secret in (CANARY, "kanarie", "Dank u wel", "Uw initiatief is ontvangen"):
            assert secret not in stored
    finally:
        mailer.log.close()
    on_disk = b"".join(p.read_bytes() for p in sqlite_settings.var_dir.glob("mail.sqlite*"))
    assert b"in-outbox" in on_disk and CANARY.encode() not in on_disk
    assert b"kanarie" not in on_disk


# -- the ledger's claim rules, on SQLite and PostgreSQL ------------------------------------------


@pytest.fixture
def ledger(settings: Settings) -> Iterator[MailLog]:
    """The ledger on the store under test (the `settings` fixture runs SQLite and PostgreSQL)."""
    opened = MailLog(creating_tables(lambda: open_mail_tables(settings)))
    try:
        yield opened
    finally:
        opened.close()


def test_only_a_new_retry_failed_or_stale_key_is_claimed(ledger: MailLog) -> None:
    claim: Callable[..., bool] = ledger.claim
    assert claim("k", "initiator", "submitted", "i-1", now=T0)
    assert not claim("k", "initiator", "submitted", "i-1", now=T0 + timedelta(seconds=1))
    ledger.retry("k", "ConnectionRefusedError")
    assert claim("k", "initiator", "submitted", now=T0 + timedelta(seconds=30))
    ledger.failed("k", "550 no")
    assert claim("k", "initiator", "submitted", now=T0 + timedelta(seconds=60))
    ledger.sent("k")
    assert not claim("k", "initiator", "submitted", now=T0 + timedelta(days=30))
    entry = ledger.get("k")
    assert entry is not None
    assert (entry.state, entry.attempts, entry.last_error, entry.initiative_id) == (
        "sent",
        3,
        None,
        "i-1",
    )
    assert entry.created_at == T0 and entry.updated_at.tzinfo is not None


def test_a_key_stuck_in_sending_is_taken_over_only_when_stale(ledger: MailLog) -> None:
    assert ledger.claim("crashed", "supporter", "support", now=T0)
    almost = T0 + timedelta(seconds=STALE_SECONDS - 1)
    assert not ledger.claim("crashed", "supporter", "support", now=almost)
    stale = T0 + timedelta(seconds=STALE_SECONDS + 1)
    assert ledger.claim("crashed", "supporter", "support", now=stale)
    # The one that took it over is now fresh: nobody else takes it at that moment.
    assert not ledger.claim("crashed", "supporter", "support", now=stale + timedelta(seconds=1))
    assert ledger.get("crashed").attempts == 2  # type: ignore[union-attr]


def test_entries_are_newest_first_filtered_and_counted(ledger: MailLog) -> None:
    for n, state in enumerate(["sent", "failed", "retry", "sent", "sending"]):
        key = f"k{n}"
        ledger.clock = lambda n=n: T0 + timedelta(minutes=n)  # type: ignore[misc]
        ledger.claim(key, f"team:t{n}", "submitted")
        if state != "sending":
            getattr(ledger, state)(key, *(["boom"] if state in ("failed", "retry") else []))
    assert [e.key for e in ledger.entries()] == ["k4", "k3", "k2", "k1", "k0"]
    assert [e.key for e in ledger.entries("sent")] == ["k3", "k0"]
    assert [e.key for e in ledger.entries(limit=2)] == ["k4", "k3"]
    (failed,) = ledger.entries("failed")
    assert (failed.audience, failed.last_error) == ("team:t1", "boom")
    assert ledger.counts() == {"sending": 1, "retry": 1, "sent": 2, "failed": 1}


def test_of_many_threads_claiming_the_same_keys_exactly_one_wins_each(ledger: MailLog) -> None:
    keys = [f"key-{n}" for n in range(25)]
    wins = race_threads(ledger, keys, workers=6)
    assert wins == dict.fromkeys(keys, 1)
    # Taking back keys from "retry" is just as exclusive.
    for key in keys:
        ledger.retry(key, "try again")
    assert race_threads(ledger, keys, workers=6) == dict.fromkeys(keys, 1)


def race_threads(ledger: MailLog, keys: list[str], workers: int) -> dict[str, int]:
    wins = dict.fromkeys(keys, 0)
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def claimer() -> None:
        barrier.wait(timeout=30)
        for key in keys:
            if ledger.claim(key, "initiator", "submitted"):
                with lock:
                    wins[key] += 1

    threads = [threading.Thread(target=claimer) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return wins


def claim_in_a_process(settings: Settings, keys: list[str], start: float) -> list[str]:
    """Runs in a child process: open the ledger, wait for the common start, claim every key."""
    log = MailLog(creating_tables(lambda: open_mail_tables(settings)))
    try:
        time.sleep(max(0.0, start - time.time()))
        return [key for key in keys if log.claim(key, "initiator", "submitted")]
    finally:
        log.close()


@pytest.mark.slow
def test_of_processes_claiming_the_same_keys_exactly_one_wins_each(
    settings: Settings, ledger: MailLog
) -> None:
    keys = [f"proc-{n}" for n in range(40)]
    context = multiprocessing.get_context("spawn")
    start = time.time() + 4  # every process has its connection open by then
    with context.Pool(3) as pool:
        won = pool.starmap(claim_in_a_process, [(settings, keys, start)] * 3, chunksize=1)
    claimed = [key for keys_won in won for key in keys_won]
    assert sorted(claimed) == sorted(keys)  # each key once, by one process
    assert ledger.counts()["sending"] == len(keys)
