"""Knowing that the reference data kept in memory is current, without asking on each request.

The application keeps the aggregates it only reads (area map, themes, rulebook, directory,
teams, challenges, agendas) in memory and, before using one, asks the store whether a newer
event exists: one query per aggregate per request, 12 to 29 % of a submission on PostgreSQL.

On PostgreSQL the event store NOTIFYs on every insert; our recorder gives the notification the
payload `r` when the insert holds an event of an aggregate that may be reference data (anything
but initiatives and other kinds that are never read this way), and then also NOTIFYs a second
channel, the recorder's `reference_channel`. A `ReferenceWatch` LISTENs to that one in a
thread of its own (so submissions, routing and the like never wake it) and, for each
notification (and after every (re)connection, when notifications may have been missed), reads
the newest version of every aggregate it watches in one query. A
request then compares the kept version with the watch's, in memory. Until the watch has read an
aggregate (just added, or the connection is down) the request asks the store, as before.

A change committed by another process reaches the watch a few milliseconds after its commit;
a change made in this process (any application instance on the same store) is known at once.

SQLite has no NOTIFY, and every process using a SQLite store runs on the same machine: there a
`SharedEpoch` — eight bytes in a file beside the store, mapped into the memory of each process —
gets a new random value from every writer of reference data, just before and just after its
commit. An `EpochWatch` remembers the value it saw when it last asked the store and what the
store said; while the value is the same, nothing can have changed, and a request reads eight
bytes of memory instead of querying. A writer that dies between its commit and the second
change has made the first, so a reader that asked the store before that commit sees a new value.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

log = logging.getLogger("participatie.reference")

CHANGED = "r"  # NOTIFY payload: the insert may have changed reference data
ROUTINE = "e"  # NOTIFY payload: it did not (initiatives and the like)

# Every live watch of this process, per store (DSN and channel), so that a change made by one
# application instance is known at once to the others on the same store.
_WATCHES: dict[str, list[ReferenceWatch]] = {}
_REGISTRY_LOCK = threading.Lock()


class ReferenceWatch:
    def __init__(
        self,
        dsn: str,
        channel: str,
        latest_of: Callable[[Sequence[UUID]], dict[UUID, int]],
        retry: float = 1.0,
    ) -> None:
        self.dsn = dsn
        self.channel = channel
        self.key = f"{dsn}|{channel}"
        self.name = f"participatie-reference-{os.getpid()}-{id(self) % 100000}"
        self.latest_of = latest_of
        self.retry = retry
        self.watched: set[UUID] = set()
        self.checked: set[UUID] = set()  # watched ids a refresh has read (absent: none stored)
        self.latest: dict[UUID, int] = {}
        self.live = False  # listening, and every watched aggregate read since the LISTEN
        self.refreshes = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.wanted = threading.Event()  # a refresh is due (a new aggregate to watch)
        self.thread = threading.Thread(target=self._loop, name="reference-watch", daemon=True)
        with _REGISTRY_LOCK:
            _WATCHES.setdefault(self.key, []).append(self)
        self.thread.start()

    # -- what a request asks -------------------------------------------------------------------

    def known(self, aggregate_id: UUID) -> int | None:
        """The newest version of `aggregate_id` as far as the watch knows (0: none stored);
        None: ask the store. Asking about one it does not watch yet makes it watch it."""
        with self.lock:
            if aggregate_id not in self.watched:
                self.watched.add(aggregate_id)
                self.wanted.set()
                return None
            if not self.live or aggregate_id not in self.checked:
                return None
            return self.latest.get(aggregate_id, 0)

    def watch(self, aggregate_id: UUID) -> None:
        """Watch `aggregate_id` from now on (just loaded from the store)."""
        with self.lock:
            if aggregate_id not in self.watched:
                self.watched.add(aggregate_id)
                self.wanted.set()

    def close(self) -> None:
        self.stop.set()
        self.wanted.set()
        with _REGISTRY_LOCK:
            watches = _WATCHES.get(self.key, [])
            if self in watches:
                watches.remove(self)
        # Not waited for: the thread sees `stop` within 0.2 s and closes its connection.

    # -- what keeps it current -----------------------------------------------------------------

    def saw(self, versions: dict[UUID, int]) -> None:
        """Aggregates written in this process reached these versions."""
        with self.lock:
            for aggregate_id, version in versions.items():
                if aggregate_id in self.watched:
                    self.latest[aggregate_id] = max(self.latest.get(aggregate_id, 0), version)

    def refresh(self) -> None:
        """Read the newest version of every watched aggregate (one query)."""
        with self.lock:
            ids = sorted(self.watched)
        found = self.latest_of(ids) if ids else {}
        with self.lock:
            for aggregate_id in ids:
                if aggregate_id in found:
                    self.latest[aggregate_id] = max(
                        self.latest.get(aggregate_id, 0), found[aggregate_id]
                    )
            self.checked.update(ids)
            self.refreshes += 1

    def _loop(self) -> None:
        import psycopg

        while not self.stop.is_set():
            try:
                with psycopg.connect(
                    self.dsn, autocommit=True, connect_timeout=5, application_name=self.name
                ) as conn:
                    conn.execute(f'LISTEN "{self.channel}"')
                    self.wanted.clear()
                    self.refresh()  # whatever changed before the LISTEN
                    self.live = True
                    while not self.stop.is_set():
                        due = False
                        for notify in conn.notifies(timeout=0.2, stop_after=1):
                            due = due or notify.payload != ROUTINE
                        if due or self.wanted.is_set():
                            self.wanted.clear()
                            self.refresh()
            except psycopg.errors.UndefinedTable:
                log.warning("reference watch: the event store is gone; the watch stops")
                self.stop.set()
            except Exception as error:
                if self.stop.is_set():
                    break
                log.warning("reference watch: %s; asking the store until it is back", error)
            self.live = False
            self.stop.wait(self.retry)


def written(dsn: str, channel: str, versions: dict[UUID, int]) -> None:
    """Tell every watch of this process on that store what this process just wrote."""
    with _REGISTRY_LOCK:
        watches = list(_WATCHES.get(f"{dsn}|{channel}", []))
    for watch in watches:
        watch.saw(versions)


# -- SQLite: one machine, shared memory ------------------------------------------------------------


class SharedEpoch:
    """Eight bytes in a file (mode 0600), mapped into memory: `change` gives them a new random
    value, `read` returns them. Every process mapping the same file sees a change at once."""

    SIZE = 8

    def __init__(self, path: Path) -> None:
        self.path = path
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(descriptor).st_size < self.SIZE:
                os.ftruncate(descriptor, self.SIZE)  # zeros; two processes doing it agree
            self.map = mmap.mmap(descriptor, self.SIZE)
        finally:
            os.close(descriptor)

    def read(self) -> bytes:
        return self.map[: self.SIZE]

    def change(self) -> None:
        self.map[: self.SIZE] = os.urandom(self.SIZE)

    def close(self) -> None:
        self.map.close()


class EpochWatch:
    """What a request asks on SQLite (the same questions as `ReferenceWatch`): an aggregate's
    newest version is known while the shared epoch still has the value it had when the store
    was last asked (`confirm`); after any change, every aggregate is asked about again once."""

    def __init__(self, epoch: SharedEpoch) -> None:
        self.epoch = epoch
        self.lock = threading.Lock()
        self.seen: bytes | None = None
        self.latest: dict[UUID, int] = {}
        self.local = threading.local()  # the value this thread read before asking the store

    def known(self, aggregate_id: UUID) -> int | None:
        """The newest version of `aggregate_id` confirmed since the last change; None: ask."""
        current = self.epoch.read()
        self.local.epoch = current
        with self.lock:
            if current != self.seen:
                self.seen = current
                self.latest = {}
                return None
            return self.latest.get(aggregate_id)

    def confirm(self, versions: dict[UUID, int]) -> None:
        """The store, asked after this thread's last `known`, gave these newest versions."""
        read = getattr(self.local, "epoch", None)
        with self.lock:
            if read is not None and read == self.seen:
                self.latest.update(versions)

    def watch(self, aggregate_id: UUID) -> None:
        """Nothing to do: every aggregate is confirmed when the store is asked."""

    def close(self) -> None:
        """Nothing to do: the epoch belongs to the recorder."""
