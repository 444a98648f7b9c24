"""Log lines lose link tokens and query values, keep the rest (web/redaction.py)."""

from __future__ import annotations

import logging

import pytest

from web.redaction import RedactSecrets, redact, secret_route

TOKEN = "gAAAAABpQ1x3dGVzdC10b2tlbi1mb3ItcmVkYWN0aW9uLW9ubHk="

# log text -> what is written (by hand)
LINES = [
    (f'"GET /steun/{TOKEN} HTTP/1.1" 200 -', '"GET /steun/[token] HTTP/1.1" 200 -'),
    (f'"POST /bevestigen/{TOKEN} HTTP/1.1" 303', '"POST /bevestigen/[token] HTTP/1.1" 303'),
    (
        '"GET /volgen?email=zoe@example.org&naam=Zo%C3%AB HTTP/1.1" 200',
        '"GET /volgen?email=[redacted]&naam=[redacted] HTTP/1.1" 200',
    ),
    (f"http://host/steun/{TOKEN}?x=1#top", "http://host/steun/[token]?x=[redacted]#top"),
    ("/oidc/callback?code=abc&state=xyz", "/oidc/callback?code=[redacted]&state=[redacted]"),
    ("/initiatieven/5f0c?steun=verstuurd", "/initiatieven/5f0c?steun=[redacted]"),
    ('"GET /gebieden/BU99990101 HTTP/1.1" 200', '"GET /gebieden/BU99990101 HTTP/1.1" 200'),
    ("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"),
    ("/zoeken?", "/zoeken?"),
]


@pytest.mark.parametrize(("line", "written"), LINES)
def test_tokens_and_query_values_are_redacted(line: str, written: str) -> None:
    assert redact(line) == written


def record(msg: str, args: object) -> logging.LogRecord:
    return logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, msg, args, None)  # type: ignore[arg-type]


def test_the_filter_redacts_mapping_arguments_as_gunicorn_passes_them() -> None:
    atoms = {"r": f"GET /steun/{TOKEN} HTTP/1.1", "f": f"http://h/bevestigen/{TOKEN}", "s": 200}
    entry = record('"%(r)s" %(s)s "%(f)s"', (atoms,))
    assert RedactSecrets().filter(entry) is True
    assert entry.getMessage() == '"GET /steun/[token] HTTP/1.1" 200 "http://h/bevestigen/[token]"'


def test_a_message_its_arguments_do_not_fit_is_redacted_part_by_part() -> None:
    """Formatting fails (two placeholders, one argument): each part is still redacted, and the
    record is left for logging to report as it always does."""
    entry = record(f"/steun/{TOKEN} %s %s", (f"/x?code={TOKEN}",))
    assert RedactSecrets().filter(entry) is True
    assert entry.msg == "/steun/[token] %s %s"
    assert entry.args == ("/x?code=[redacted]",)


def test_the_filter_writes_the_formatted_line_once() -> None:
    """gunicorn passes dozens of atoms the format does not use: the line is formatted once and
    redacted as a whole, and the atoms are not kept on the record."""
    atoms = {"r": f"GET /steun/{TOKEN} HTTP/1.1", "unused": f"/bevestigen/{TOKEN}", "s": 201}
    entry = record('"%(r)s" %(s)s', (atoms,))
    RedactSecrets().filter(entry)
    assert (entry.msg, entry.args) == ('"GET /steun/[token] HTTP/1.1" 201', None)


def test_the_filter_redacts_tuple_arguments_and_the_message() -> None:
    entry = record(f"Exception on /steun/{TOKEN} [%s] %s", ("GET", f"/x?code={TOKEN}"))
    assert RedactSecrets().filter(entry) is True
    assert entry.getMessage() == "Exception on /steun/[token] [GET] /x?code=[redacted]"


ROUTES = [secret_route(rule) for rule in ("/steun/<token>", "/volgen/<tracking_code>")]
CODE = "0123-4567-89AB-CDEF-0123-4567-89AB-CDEF"


@pytest.mark.parametrize(
    ("line", "written"),
    [
        (f'"GET /volgen/{CODE} HTTP/1.1" 303', '"GET /volgen/[redacted] HTTP/1.1" 303'),
        ('"GET /volgen/0123456789abcdef HTTP/1.1" 404', '"GET /volgen/[redacted] HTTP/1.1" 404'),
        (f'"GET /steun/{TOKEN}?a=b HTTP/1.1"', '"GET /steun/[redacted]?a=[redacted] HTTP/1.1"'),
        ('"GET /steun/not-a-token HTTP/1.1" 404', '"GET /steun/[redacted] HTTP/1.1" 404'),
        ("http://h/volgen/x\\1 next", "http://h/volgen/[redacted] next"),
        ('"GET /volgen HTTP/1.1" 200', '"GET /volgen HTTP/1.1" 200'),
        ('"GET /gebieden/BU99990101 HTTP/1.1" 200', '"GET /gebieden/BU99990101 HTTP/1.1" 200'),
    ],
)
def test_the_secret_parts_of_secret_routes_are_redacted(line: str, written: str) -> None:
    assert redact(line, ROUTES) == written
