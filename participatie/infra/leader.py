"""One leader at a time for the singletons (relay, projector, sealer), standbys waiting.

Any number of copies of a singleton may run, on any number of machines; each one asks for the
leader lock of its name and only the holder works. The others stand by and ask again every
`retry` seconds, so when the leader dies a standby leads within about that time.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
  its own. The server releases it the moment that connection ends: the process was killed, or
  its machine went away (noticed through TCP keepalives). Advisory locks are per database, so
  the key names the schema as well as the process.
- SQLite (one machine): an exclusive `flock` on `var/locks/<name>.lock`, which the kernel
  releases when the holding process dies, however it dies.

The leader checks every `check_every` seconds that it still holds the lock (on PostgreSQL: that
its lock connection still answers). When it lost the lock it stops working and stands by again.
What the singletons do is safe even while an old leader has not yet noticed: the relay's jobs
are idempotent and carry fixed ids, the projector writes only at the position it read
(optimistic), and the sealer's chain is the same whoever computes it (`ON CONFLICT DO NOTHING`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from participatie.config import Settings

log = logging.getLogger("participatie.leader")

RETRY = 0.5  # seconds between a standby's attempts
CHECK_EVERY = 1.0  # seconds between a leader's checks that it still holds the lock


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free; return whether this process holds it now."""

    def holds(self) -> bool:
        """Whether this process (still) holds the lock."""

    def release(self) -> None:
        """Give the lock up (nothing when not held)."""


def lock_key(scope: str, name: str) -> int:
    """The advisory lock key (a signed 64-bit integer) of process `name` in `scope`."""
    digest = hashlib.blake2b(f"participatie:{scope}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, dsn: str, key: int) -> None:
        self.dsn = dsn
        self.key = key
        self.connection: Any = None
        self.held = False

    def _connect(self) -> Any:
        import psycopg

        if self.connection is None or self.connection.closed:
            # Keepalives: a leader whose machine vanished loses the lock within about 15 s.
            self.connection = psycopg.connect(
                self.dsn,
                autocommit=True,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
                application_name="participatie-leader",
            )
        return self.connection

    def try_acquire(self) -> bool:
        if self.held:
            # Session advisory locks stack: taking it again would need two unlocks. Whether it
            # is still held is `holds`'s question.
            return True
        try:
            row = self._connect().execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except Exception as error:  # the database is away: not the leader
            log.warning("leader lock: %s", error)
            self._drop()
            return False
        self.held = bool(row and row[0])
        return self.held

    def holds(self) -> bool:
        if not self.held:
            return False
        try:
            self.connection.execute("SELECT 1").fetchone()
        except Exception:
            self._drop()  # the session ended: the server has released the lock
            return False
        return True

    def release(self) -> None:
        """Unlock at once (closing the connection would too, but the server ends the session a
        moment later: another process asking right after could still find it taken)."""
        if self.held:
            with contextlib.suppress(Exception):
                self.connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self.held = False
        self._drop()

    def _drop(self) -> None:
        self.held = False
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


class FileLock:
    """An exclusive flock on a file: one machine, released by the kernel when the holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def holds(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the only descriptor releases the flock
            self.fd = None


def leader_lock(settings: Settings, name: str) -> LeaderLock:
    """The leader lock of singleton `name` for the configured store."""
    if settings.uses_postgres:
        return AdvisoryLock(settings.postgres_dsn(), lock_key(settings.database_schema, name))
    return FileLock(settings.var_dir / "locks" / f"{name}.lock")


def lead(
    lock: LeaderLock,
    stop: threading.Event,
    name: str,
    work: Callable[[threading.Event], None],
    *,
    say: Callable[[str], None] = print,
    retry: float = RETRY,
    check_every: float = CHECK_EVERY,
) -> int:
    """Stand by until `lock` is ours, then `work(term)` until `stop` is set or the lock is lost,
    and stand by again; return how many terms this process led.

    `work` must return soon after `term` is set. Each change is said (with the time) so that
    operators and the fault run can see who leads."""
    terms = 0
    waiting_said = False
    while not stop.is_set():
        if not lock.try_acquire():
            if not waiting_said:
                say(f"{name}: standing by; another {name} leads ({_now()})")
                waiting_said = True
            stop.wait(retry)
            continue
        waiting_said = False
        terms += 1
        say(f"{name}: leading ({_now()})")
        term = threading.Event()
        lost = threading.Event()

        def watch(term: threading.Event = term, lost: threading.Event = lost) -> None:
            while not term.is_set():
                if stop.is_set():
                    term.set()
                elif not lock.holds():
                    lost.set()
                    term.set()
                else:
                    term.wait(check_every)

        watcher = threading.Thread(target=watch, name=f"{name}-leader", daemon=True)
        watcher.start()
        try:
            work(term)
        finally:
            term.set()
            watcher.join(timeout=check_every + 5)
            lock.release()
        if lost.is_set():
            say(f"{name}: lost the leader lock; standing by ({_now()})")
        elif not stop.is_set():
            stop.wait(retry)  # the work ended by itself: give a standby its chance first
    return terms


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
