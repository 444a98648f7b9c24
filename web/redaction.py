"""Log lines without link secrets: every request the web process logs passes through here.

The access logs (gunicorn's `gunicorn.access` under `participatie web`, werkzeug's request log
under a development server) and the error logs print the request path, its query string and
the Referer. A link token (`/steun/<token>`, `/bevestigen/<token>`) or a tracking code
(`/volgen/<code>`) in a log would outlive the person it was for, or open their initiative to
whoever reads it; a query string can hold an OIDC code or a filter with personal words. So each
record's message and arguments are redacted before any handler formats them: the variable parts
of every route with a `token` or `tracking_code` argument become `[redacted]`, every TokenBox
token wherever it shows (a Referer, a message) `[token]`, and every query value `[redacted]`
(the parameter names stay, for debugging).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, MutableMapping
from typing import Any

from flask import Flask

from participatie.notifications.tokens import TOKEN_SHAPE

QUERY_VALUE = re.compile(r"([?&][^=&#\s\"]*=)[^&#\s\"]*")
SEGMENT = r"[^/?#\s\"]+"
SECRET_ARGUMENTS = frozenset({"token", "tracking_code"})  # route arguments that are secrets
# The loggers that print request lines or paths: servers' access and error logs, Flask's own.
LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")

Route = tuple[re.Pattern[str], str]  # a route's pattern, and its path with the parts redacted


def secret_route(rule: str) -> Route:
    """The pattern of a route's paths, and the path written instead (`/steun/[redacted]`)."""
    parts = re.split(r"(<[^>]+>)", rule)
    pattern = "".join(SEGMENT if p.startswith("<") else re.escape(p) for p in parts)
    written = "".join("[redacted]" if p.startswith("<") else p for p in parts)
    return re.compile(pattern), written


def redact(text: str, routes: Iterable[Route] = ()) -> str:
    """`text` without secret route parts, link tokens and query values."""
    for pattern, written in routes:
        text = pattern.sub(written.replace("\\", r"\\"), text)  # `written` is a plain text
    text = TOKEN_SHAPE.sub("[token]", text)
    return QUERY_VALUE.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Redacts the record in place; never drops one."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}

    def _redacted(self, value: Any) -> Any:
        return redact(value, self.routes.values()) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the line once and redact that (gunicorn's access line has dozens of atoms,
        nearly all unused: redacting each cost a tenth of a submission); a message that its
        arguments do not fit is redacted part by part instead."""
        try:
            line = record.getMessage()
        except (TypeError, ValueError, KeyError):
            return self._filter_parts(record)
        record.msg = self._redacted(line)
        record.args = None
        return True

    def _filter_parts(self, record: logging.LogRecord) -> bool:
        record.msg = self._redacted(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):  # gunicorn's access atoms (a dict subclass)
            for key, value in list(args.items()):
                args[key] = self._redacted(value)
        elif isinstance(args, tuple):
            record.args = tuple(self._redacted(value) for value in args)
        return True


REDACT = RedactSecrets()


def init_app(app: Flask) -> None:
    """Redact what the servers' loggers and the app's logger write (call after the blueprints)."""
    for rule in app.url_map.iter_rules():
        if SECRET_ARGUMENTS & rule.arguments:
            REDACT.routes.setdefault(rule.rule, secret_route(rule.rule))
    for logger in (*map(logging.getLogger, LOGGERS), app.logger):
        logger.addFilter(REDACT)  # once: a filter already there is not added again
