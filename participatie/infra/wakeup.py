"""Waking a follower of the log the moment an event is stored, instead of at its next poll.

On PostgreSQL eventsourcing's recorder sends NOTIFY on the events table's channel after every
insert; `listen` keeps a connection LISTENing on it and sets `wake` for each notification (and
after the connection was lost and made again, since notifications may have been missed).

SQLite has no NOTIFY, and its followers run on the same machine: after each commit the recorder
sends one datagram (`Nudge`) to each follower's local socket, an abstract Unix socket named
after the event-store file (`local_address`; no file, gone with the process). `listen_local`
binds it and sets `wake` per datagram. Nobody listening costs a refused `sendto`, microseconds.

Either way the follower waits on `wake` with a timeout, so polling stays the fallback.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Sequence
from pathlib import Path

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


# The followers a commit on SQLite nudges (workers/relay.py, the views projector).
NUDGED = ("relay", "projector")


def local_address(store: Path, name: str) -> str:
    """The abstract Unix socket address of follower `name` of the SQLite store at `store`."""
    digest = hashlib.sha256(str(store.resolve()).encode()).hexdigest()[:24]
    return f"\0participatie-{digest}-{name}"


class Nudge:
    """After a commit: one datagram to each follower's local socket (SQLite's NOTIFY)."""

    def __init__(self, addresses: Sequence[str]) -> None:
        self.addresses = list(addresses)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.setblocking(False)

    def __call__(self) -> None:
        for address in self.addresses:
            try:
                self.socket.sendto(b"!", address)
            except OSError:  # nobody listens, or its buffer is full (it is awake then)
                continue

    def close(self) -> None:
        self.socket.close()


def listen_local(
    address: str, wake: threading.Event, stop: threading.Event, name: str
) -> threading.Thread | None:
    """Start a thread that sets `wake` on every datagram to `address` until `stop` is set;
    None when the address cannot be bound (another process has it: polling then)."""
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        receiver.bind(address)
    except OSError as error:
        log.warning("%s: cannot listen for local nudges (%s); polling", name, error)
        receiver.close()
        return None
    receiver.settimeout(1.0)

    def loop() -> None:
        with receiver:
            while not stop.is_set():
                try:
                    receiver.recv(64)
                except TimeoutError:
                    continue
                except OSError:
                    return
                wake.set()

    thread = threading.Thread(target=loop, name=f"{name}-nudged", daemon=True)
    thread.start()
    return thread


def wake_up_on_commit(
    channel: str | None,
    listen_dsn: str | None,
    local: str | None,
    wake: threading.Event,
    stop: threading.Event,
    name: str,
) -> threading.Thread | None:
    """Start what wakes follower `name` after a commit: LISTEN on PostgreSQL (`listen_dsn` and
    the recorder's `channel`), the local socket `local` on SQLite; None: poll."""
    if listen_dsn and channel:
        return listen(channel, listen_dsn, wake, stop, name)
    if local:
        return listen_local(local, wake, stop, name)
    return None
