"""The access logger (web/accesslog.py) writes the line gunicorn's own logger writes for the
default format — compared with gunicorn's line for requests a person wrote down, one of them
hostile — and leaves any other format to gunicorn."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from web.accesslog import AccessLogger


@dataclass
class Answer:
    status: str
    sent: int | None
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Asked:
    headers: list[tuple[str, str]]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def environ(method: str, uri: str, **more: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "RAW_URI": uri,
        "PATH_INFO": uri.split("?")[0],
        "QUERY_STRING": uri.partition("?")[2],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        **more,
    }


BASIC = "Basic " + base64.b64encode(b"gea:geheim").decode()
REQUESTS = {
    "submission": (environ("POST", "/api/v1/initiatives"), Answer("201 CREATED", 82)),
    "page with referer and agent": (
        environ(
            "GET",
            "/gebieden/GM9999?pagina=2",
            HTTP_REFERER="https://gemeente.example/",
            HTTP_USER_AGENT="Mozilla/5.0 (X11)",
        ),
        Answer("200 OK", 5120),
    ),
    "quotes and percent signs": (
        environ(
            "GET",
            "/zoeken?q=%22%25s%22",
            HTTP_USER_AGENT='evil" 200 1 "-" "x',
            HTTP_REFERER='"%(h)s"',
        ),
        Answer("404 NOT FOUND", 0),
    ),
    "basic auth user, nothing sent": (
        environ("GET", "/metrics", HTTP_AUTHORIZATION=BASIC),
        Answer("304 NOT MODIFIED", None),
    ),
}


def logged(logger_class: type[Logger], access_format: str | None = None) -> list[str]:
    config = Config()
    config.set("accesslog", "-")
    if access_format is not None:
        config.set("access_log_format", access_format)
    logger = logger_class(config)
    logger.access_log.handlers = []
    lines = Lines()
    logger.access_log.addHandler(lines)
    logger.now = lambda: "[06/Dec/2026:13:34:18 +0000]"  # type: ignore[method-assign]
    # The lines as the logger writes them, before any filter (the web app adds its redaction
    # to this logger, web/redaction.py, and an earlier test in this process may have built one).
    kept, logger.access_log.filters = logger.access_log.filters, []
    try:
        for env, answer in REQUESTS.values():
            headers = [(k[5:].replace("_", "-"), v) for k, v in env.items() if k[:5] == "HTTP_"]
            logger.access(answer, Asked([*headers, ("X-KENMERK", "k-42")]), env, timedelta(0, 1))
    finally:
        logger.access_log.filters = kept
    return lines.lines


def test_the_default_line_is_gunicorns_line() -> None:
    assert logged(AccessLogger) == logged(Logger)


def test_the_lines_as_a_person_reads_them() -> None:
    assert logged(AccessLogger) == [
        '127.0.0.1 - - [06/Dec/2026:13:34:18 +0000] "POST /api/v1/initiatives HTTP/1.1" 201 82'
        ' "-" "-"',
        '127.0.0.1 - - [06/Dec/2026:13:34:18 +0000] "GET /gebieden/GM9999?pagina=2 HTTP/1.1"'
        ' 200 5120 "https://gemeente.example/" "Mozilla/5.0 (X11)"',
        '127.0.0.1 - - [06/Dec/2026:13:34:18 +0000] "GET /zoeken?q=%22%25s%22 HTTP/1.1" 404 0'
        ' "\\"%(h)s\\"" "evil\\" 200 1 \\"-\\" \\"x"',
        '127.0.0.1 - gea [06/Dec/2026:13:34:18 +0000] "GET /metrics HTTP/1.1" 304 - "-" "-"',
    ]


@pytest.mark.parametrize("access_format", ['%(h)s "%(r)s" %(s)s %(L)s', "%({x-kenmerk}i)s %(p)s"])
def test_another_format_is_left_to_gunicorn(access_format: str) -> None:
    assert logged(AccessLogger, access_format) == logged(Logger, access_format)
    assert logged(AccessLogger, access_format) != logged(AccessLogger)


def test_without_an_access_log_nothing_is_written() -> None:
    config = Config()  # no accesslog: gunicorn writes none
    logger = AccessLogger(config)
    lines = Lines()
    logger.access_log.addHandler(lines)
    env, answer = REQUESTS["submission"]
    logger.access(answer, Asked([]), env, timedelta(0))
    assert lines.lines == []
