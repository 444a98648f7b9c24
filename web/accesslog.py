"""gunicorn's access log line in its default format, made without gunicorn's atoms.

gunicorn's own `Logger.access` first builds a dictionary of every atom its format language
knows — each request and response header and every WSGI environ variable, lower-cased — and
then uses nine of them: a fifteenth of the CPU of a submission's request in the web worker.
This logger writes the same line from those nine values directly (the same escaping of double
quotes, the same `-` for what is missing), through the same `gunicorn.access` logger, so its
handlers and the redaction of secrets (web/redaction.py) apply unchanged. An operator who sets
another `--access-logformat` gets gunicorn's own code.

    gunicorn --logger-class web.accesslog.AccessLogger ...
"""

from __future__ import annotations

import traceback
from datetime import timedelta
from typing import Any

from gunicorn.config import AccessLogFormat
from gunicorn.glogging import Logger

DEFAULT_FORMAT = AccessLogFormat.default


def _quoted(value: object) -> str:
    """As gunicorn writes a text atom: double quotes escaped (a header cannot close the field)."""
    return str(value).replace('"', '\\"')


class AccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        if self.cfg.access_log_format != DEFAULT_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        request_line = (
            f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
        )
        line = (
            f"{_quoted(environ.get('REMOTE_ADDR', '-'))} - "
            f"{_quoted(self._get_user(environ) or '-')} {self.now()} "
            f'"{_quoted(request_line)}" {_quoted(status)} {"-" if sent is None else sent} '
            f'"{_quoted(environ.get("HTTP_REFERER", "-"))}" '
            f'"{_quoted(environ.get("HTTP_USER_AGENT", "-"))}"'
        )
        try:
            self.access_log.info(line)  # no arguments: a % in the line stays as it is
        except Exception:
            self.error(traceback.format_exc())
