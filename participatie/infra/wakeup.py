"""Waking a follower of the log the moment an event is stored, instead of at its next poll.

On PostgreSQL eventsourcing's recorder sends NOTIFY on the events table's channel after every
insert; `listen` keeps a connection LISTENing on it and sets `wake` for each notification (and
after the connection was lost and made again, since notifications may have been missed). The
follower waits on `wake` with a timeout, so polling stays the fallback.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("participatie.wakeup")


def listen(
    channel: str, dsn: str, wake: threading.Event, stop: threading.Event, name: str
) -> threading.Thread:
    """Start a thread that sets `wake` on every NOTIFY on `channel` until `stop` is set."""

    def loop() -> None:
        import psycopg

        while not stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'LISTEN "{channel}"')
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            wake.set()
            except Exception:
                log.warning("%s: LISTEN connection lost; reconnecting", name)
                stop.wait(1.0)
                wake.set()

    thread = threading.Thread(target=loop, name=f"{name}-listen", daemon=True)
    thread.start()
    return thread


def wake_on_stop(stop: threading.Event, wake: threading.Event) -> None:
    """Set `wake` once `stop` is set, so a follower waiting on `wake` stops at once."""

    def loop() -> None:
        stop.wait()
        wake.set()

    threading.Thread(target=loop, daemon=True).start()
