"""Log lines without link secrets: every request the web process logs passes through here.

The access logs (gunicorn's `gunicorn.access` under `participatie web`, werkzeug's request log
under a development server) and the error logs print the request path, its query string and
the Referer. A link token (`/steun/<token>`, `/bevestigen/<token>`) in a log would outlive the
person it was for; a query string can hold an OIDC code or a filter with personal words. So each
record's message and arguments are redacted before any handler formats them: TokenBox tokens
become `[token]`, every query value becomes `[redacted]`. The parameter names stay, for
debugging.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

from flask import Flask

from participatie.notifications.tokens import TOKEN_SHAPE

QUERY_VALUE = re.compile(r"([?&][^=&#\s\"]*=)[^&#\s\"]*")
# The loggers that print request lines or paths: servers' access and error logs, Flask's own.
LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")


def redact(text: str) -> str:
    """`text` without link tokens and without query values."""
    return QUERY_VALUE.sub(r"\1[redacted]", TOKEN_SHAPE.sub("[token]", text))


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts the record in place; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):  # gunicorn's access atoms (a dict subclass)
            for key, value in list(args.items()):
                args[key] = _redacted(value)
        elif isinstance(args, tuple):
            record.args = tuple(_redacted(value) for value in args)
        return True


REDACT = RedactSecrets()


def init_app(app: Flask) -> None:
    """Redact what the servers' loggers and the app's logger write (each filter added once)."""
    for logger in (*map(logging.getLogger, LOGGERS), app.logger):
        logger.addFilter(REDACT)
