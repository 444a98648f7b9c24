"""Read your own writes: after a person's own change, the page they land on includes it.

Queues and public pages are read from the views, which the projector brings up to date a moment
after each change. A handler that has just stored a change asks `caught_up(written())`: it
waits, at most FRESH_WAIT_MS (setting PARTICIPATIE_FRESH_WAIT_MS), until the views have passed
the log's head as it was right after the change, and answers whether they have, so the page can
say when it does not show the change yet.
"""

from __future__ import annotations

import time

from flask import current_app

from web.context import container

POLL = 0.02  # seconds between looks at the views' position


def written() -> int:
    """The log's head now: just after the caller's change, at or past its events."""
    return int(container().app.recorder.max_notification_id() or 0)


def caught_up(position: int) -> bool:
    """Wait (bounded) until the views have reached `position`; whether they have."""
    views = container().views
    deadline = time.monotonic() + int(current_app.config["FRESH_WAIT_MS"]) / 1000
    while True:
        with views.cursor(commit=False) as c:
            reached = views.position(c) or 0
        if reached >= position:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)
