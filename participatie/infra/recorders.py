"""The event store as the application reads it: only what the audit chain can vouch for.

An aggregate is loaded from the rows of its originator id, whatever their notification id. A row
stored outside the numbered log (notification id <= 0, which `select_notifications` never
returns, so the sealer never covers it) or in a position the sealer passed without finding a row
there (a gap it sealed around) is not part of the chain; these recorders leave such rows out, so
no forged event reaches a page, a command or a routing job. The first costs nothing (a condition
in the same query); the second asks `unvouched`, set by bootstrap, which answers from memory.

Snapshots carry an HMAC-SHA256 under a key kept under var/ (not in the database) over their
originator id, version, topic and state: a snapshot whose tag does not verify (edited, moved to
another aggregate or version, or written before tags existed) is not returned, so the aggregate
is loaded from its events instead. Checking a tag costs microseconds; `audit verify` checks each
snapshot's state against the events it summarises.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composed, Identifier, Literal

from participatie.infra.reference import CHANGED, ROUTINE, SharedEpoch

# Given the notification ids of rows about to be used, return those the chain does not vouch for.
Unvouched = Callable[[Sequence[int]], Collection[int]]

APPEND_FUNCTION = "participatie_append"  # (an earlier one, "…_events", took rows)

log = logging.getLogger(__name__)


def _stored(row: Any, state: Any) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(str(row["originator_id"])),
        originator_version=int(row["originator_version"]),
        topic=str(row["topic"]),
        state=bytes(state),
    )


def _vouched(
    rows: list[Any], key: str, unvouched: Unvouched | None, anchor: int | None, desc: bool
) -> list[StoredEvent]:
    """The rows the application may use, in the order asked for.

    Rows in a sealed gap are left out. An aggregate's events are stored in the order of their
    versions, so the notification ids rise with the versions: from the first row that breaks
    this (stored after the last seal, in a gap before a later event of its own aggregate) that
    row and the versions after it are left out. `anchor` is the version just below the ones
    asked for, read only to check the first of them against it.
    """
    refused = set(unvouched([int(r[key]) for r in rows])) if unvouched and rows else set()
    used: list[Any] = []
    for row in sorted(rows, key=lambda r: int(r["originator_version"])):
        if int(row[key]) in refused or (used and int(row[key]) < int(used[-1][key])):
            break
        used.append(row)
    found = [_stored(r, r["state"]) for r in used if int(r["originator_version"]) != anchor]
    return found[::-1] if desc else found


def _conditions(
    gt: int | None, lte: int | None, desc: bool, limit: int | None, mark: str
) -> tuple[str, list[Any], int | None]:
    """The rest of an aggregate's events query: (SQL, parameters, anchor version)."""
    anchor = gt if gt is not None and not desc else None
    sql, params = "", []
    if gt is not None:
        sql += (
            f" AND originator_version >= {mark}"
            if anchor is not None
            else f" AND originator_version > {mark}"
        )
        params.append(gt)
    if lte is not None:
        sql += f" AND originator_version <= {mark}"
        params.append(lte)
    sql += " ORDER BY originator_version " + ("DESC" if desc else "ASC")
    if limit is not None:
        sql += f" LIMIT {mark}"
        params.append(limit + (anchor is not None))
    return sql, params, anchor


def channel_name(wanted: str) -> str:
    """A NOTIFY channel name PostgreSQL accepts whole (at most 63 bytes; `pg_notify` refuses a
    longer one, LISTEN would cut it): `wanted`, or for a long schema name a digest of it."""
    wanted = wanted.replace(".", "_")
    if len(wanted.encode()) <= 63:
        return wanted
    return "participatie_" + hashlib.sha256(wanted.encode()).hexdigest()[:40]


def notifications_after(
    recorder: ApplicationRecorder,
    after: int,
    limit: int,
    topics: Sequence[str] = (),
    stop: int | None = None,
) -> tuple[Sequence[Notification], int]:
    """Up to `limit` notifications of `topics` (all: none named) after position `after` up to
    the head of the log (or `stop`, when lower), and that head: what a follower of the log reads
    each time it is woken. On PostgreSQL in one statement (one round trip, one snapshot), on
    other stores as two queries."""
    if isinstance(recorder, NumberedPostgresRecorder):
        return recorder.notifications_after(after, limit, topics, stop)
    head = recorder.max_notification_id() or 0
    if stop is not None:
        head = min(head, stop)
    if head <= after:
        return [], head
    found = recorder.select_notifications(after + 1, limit, stop=head, topics=list(topics))
    return found, head


def _rows(stored_events: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
    """The events table's columns of each event, as eventsourcing's SQLite recorder writes them."""
    return [
        (
            s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
            s.originator_version,
            s.topic,
            s.state,
        )
        for s in stored_events
    ]


def may_change_reference(
    routine: Callable[[str], bool] | None, stored_events: Sequence[StoredEvent]
) -> bool:
    """Whether an insert may touch reference data: unless `routine` says every topic never does."""
    return routine is None or not all(routine(s.topic) for s in stored_events)


class WriterTurn:
    """Writers of one SQLite file take turns here, waiting in the kernel (`flock`), before they
    ask SQLite for its write lock.

    A writer that finds SQLite's lock taken is put to sleep by SQLite's busy handler for 1 ms,
    then 2, 5, 10 … — far longer than an append holds the lock (a tenth of a millisecond). With
    two web workers submitting, one append in five slept so. A writer waiting for the `flock`
    here is woken the moment the holder lets go. A process that dies lets go with it. Writers
    that do not take this turn (none of ours) still meet SQLite's lock as before."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.threads = threading.Lock()  # flock does not keep apart threads sharing one file
        self._fd: int | None = None
        self._held = False  # whether this process holds the file's lock now
        self._warned = False
        # A forked child takes its own turns: the file it inherits is its parent's (a flock
        # belongs to the open file, so the child would pass while the parent writes), and so
        # is the thread lock, which may have been held by a thread the child does not have.
        mine = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forked(mine))

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def __enter__(self) -> None:
        self.threads.acquire()
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except OSError as error:
            # No turn to take (the file cannot be made or locked here): write as before, meeting
            # SQLite's own lock; an append must not fail for want of this.
            self._held = False
            if not self._warned:
                self._warned = True
                log.warning("%s: writing without taking turns (%s)", self.path, error)
            return
        except BaseException:
            self.threads.release()
            raise
        self._held = True

    def __exit__(self, *_: object) -> None:
        try:
            if self._held and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._held = False
            self.threads.release()

    def close(self) -> None:
        """Let go of the file (taken again on the next turn)."""
        with self.threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _forked(turn: weakref.ref[WriterTurn]) -> None:
    found = turn()
    if found is not None:
        if found._fd is not None:
            os.close(found._fd)  # the parent's lock stays the parent's: it has the file open
        found._fd = None
        found.threads = threading.Lock()


# The DB-API errors, a subclass before its base: sqlite3, psycopg and eventsourcing each have a
# class of every one of these names.
ERROR_NAMES = (
    "IntegrityError",
    "OperationalError",
    "DataError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "InterfaceError",
    "DatabaseError",
)


def library_error(error: sqlite3.Error | psycopg.Error) -> persistence.PersistenceError:
    """`error` as eventsourcing's datastore would have raised it (IntegrityError: a conflict)."""
    driver: Any = sqlite3 if isinstance(error, sqlite3.Error) else psycopg
    for name in ERROR_NAMES:
        if isinstance(error, getattr(driver, name)):
            named: type[persistence.PersistenceError] = getattr(persistence, name)
            return named(str(error))
    return persistence.PersistenceError(str(error))


class PostgresAppender:
    """This process's own connection for the append statement (autocommit, configured as
    eventsourcing's pool configures its connections), taken by one thread at a time: an append
    does not pass through the pool (whose checks and threads cost a web worker about a twentieth
    of its submissions). A connection that broke
    is dropped and the next append opens a new one; a forked child opens its own."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self.connect = connect
        self.lock = threading.Lock()
        self._connection: psycopg.Connection[Any] | None = None
        self._pid = 0
        mine = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forked_appender(mine))

    def rows(self, statement: Composed, params: Sequence[Any]) -> list[Any]:
        with self.lock:
            if self._connection is None or self._pid != os.getpid() or self._connection.closed:
                try:
                    self._connection = self.connect()
                except psycopg.Error as error:
                    raise library_error(error) from error
                self._pid = os.getpid()
            connection = self._connection
            try:
                with connection.cursor() as cursor:
                    cursor.execute(statement, params, prepare=True)
                    return cursor.fetchall()
            except psycopg.Error as error:
                if connection.broken or connection.closed:
                    self._connection = None
                    with contextlib.suppress(psycopg.Error):
                        connection.close()
                raise library_error(error) from error

    def close(self) -> None:
        with self.lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None


def _forked_appender(appender: weakref.ref[PostgresAppender]) -> None:
    found = appender()
    if found is not None:
        found._connection = None  # the parent's: left alone, never closed here
        found.lock = threading.Lock()


class Appender:
    """This process's own connection for appending events to an SQLite file, used only while
    the writer's turn is held (so by one thread at a time): an append is BEGIN, one INSERT per
    event and COMMIT on it, without eventsourcing's pool and its context managers around them
    (a twentieth of a submission's time). The connection is the library's kind (autocommit,
    WAL, SQLite's synchronous=FULL default); a forked child opens its own."""

    def __init__(self, database: str, timeout: float) -> None:
        self.database = database
        self.timeout = timeout
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def _connected(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            # A connection opened before a fork is the parent's: left alone, never closed here.
            self._connection = sqlite3.connect(
                self.database,
                uri=True,
                timeout=self.timeout,
                isolation_level=None,
                check_same_thread=False,  # the turn's thread lock keeps threads apart
            )
            self._pid = os.getpid()
        return self._connection

    def append(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> list[int]:
        """Insert `rows` in one transaction; their row ids (the notification ids)."""
        connection = self._connected()
        try:
            connection.execute("BEGIN")
            ids = [int(connection.execute(statement, row).lastrowid or 0) for row in rows]
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise library_error(error) from error
        return ids

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None


class NumberedSQLiteRecorder(SQLiteApplicationRecorder):
    """Reads an aggregate's events from the numbered log only (rowid >= 1, not in a sealed gap);
    after each commit of new events calls `nudge` (wakes the local followers of the log). An
    insert that may touch reference data (see `routine`, as on PostgreSQL) changes the store's
    shared epoch just before and just after its commit (infra/reference.py)."""

    unvouched: Unvouched | None = None
    nudge: Callable[[], None] | None = None
    routine: Callable[[str], bool] | None = None
    _epoch: SharedEpoch | None = None

    def shared_epoch(self) -> SharedEpoch | None:
        """The epoch file beside the store (`<store>-reference`), mapped on first use; None for
        a store in memory (one process: nothing to share)."""
        pool = self.datastore.pool
        if self._epoch is None and not pool.is_sqlite_memory_mode:
            self._epoch = SharedEpoch(Path(f"{pool.db_name}-reference"))
        return self._epoch

    _turn: WriterTurn | None = None

    def writer_turn(self) -> WriterTurn | None:
        """The turn writers of this file take (`<store>-writer`); None for a store in memory."""
        pool = self.datastore.pool
        if self._turn is None and not pool.is_sqlite_memory_mode:
            self._turn = WriterTurn(Path(f"{pool.db_name}-writer"))
        return self._turn

    _appender: Appender | None = None

    def close(self) -> None:
        """Close the files this recorder opened itself (the store is the datastore's)."""
        if self._turn is not None:
            self._turn.close()
        if self._appender is not None:
            self._appender.close()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        epoch = None
        if stored_events and may_change_reference(self.routine, stored_events):
            epoch = self.shared_epoch()
        if epoch is not None:
            epoch.change()
        turn = self.writer_turn()
        if turn is None or kwargs.get("tracking") is not None:
            ids = super().insert_events(stored_events, **kwargs)
        else:
            with turn:
                ids = self.appender().append(self.insert_events_statement, _rows(stored_events))
        if epoch is not None:
            epoch.change()
        if self.nudge is not None:
            self.nudge()
        return ids

    def appender(self) -> Appender:
        if self._appender is None:
            pool = self.datastore.pool
            self._appender = Appender(pool.db_name, pool.lock_timeout or 5)
        return self._appender

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        rest, params, anchor = _conditions(gt, lte, desc, limit, "?")
        statement = (
            f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid > 0 AND originator_id = ?"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement + rest, [UUID(str(originator_id)).hex, *params])
            rows = list(c.fetchall())
        return _vouched(rows, "rowid", self.unvouched, anchor, desc)[:limit]

    def count_rows(self) -> int:
        """Every row of the events table, numbered or not."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            return int(c.fetchone()[0])


class NumberedPostgresRecorder(PostgresApplicationRecorder):
    """Reads an aggregate's events from the numbered log only (notification id >= 1, not in a
    sealed gap). Its NOTIFY says whether the insert may have changed reference data (payload
    `r`, infra/reference.py) or not (`e`): `routine(topic)`, set by the application, names the
    topics that never do; without it every insert says `r`."""

    routine: Callable[[str], bool] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One channel per schema: eventsourcing names it after the table alone, so platforms
        # (or tests) in other schemas of the same database would wake each other's followers.
        self.channel_name = channel_name(f"{self.datastore.schema}_{self.events_table_name}")
        # Only inserts that may touch reference data are announced here too: the processes that
        # keep reference data (every web and worker process) listen to this one alone, and are
        # not woken by each submission, routing and view of the events channel.
        self.reference_channel = channel_name(f"{self.channel_name}_reference")
        # The append as one statement (see insert_events): a function doing what eventsourcing
        # does in its transaction — the table lock, the NOTIFY, the INSERT — in the same order.
        self.append_function = Identifier(self.datastore.schema, APPEND_FUNCTION)
        # Its events come as four arrays (ids, versions, topics, states) rather than one array
        # of the composite row type: psycopg writes arrays of UUIDs, integers and bytes in the
        # binary format in C, but a composite array as text in Python, escaping every byte of
        # every state (a sixth of a submission's CPU in the web process).
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {function}("
                "ids {id_type}[], versions bigint[], topics text[], states bytea[], "
                "channel text, reference text, payload text) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $body$ "
                "BEGIN "
                "PERFORM set_config('lock_timeout', {lock_timeout}, true); "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "PERFORM pg_notify(channel, payload); "
                "IF payload = {changed} THEN PERFORM pg_notify(reference, ''); END IF; "
                "RETURN QUERY INSERT INTO {schema}.{table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING notification_id; "
                "END $body$"
            ).format(
                function=self.append_function,
                schema=Identifier(self.datastore.schema),
                table=Identifier(self.events_table_name),
                id_type=Identifier(self.datastore.originator_id_type),
                lock_timeout=Literal(f"{self.datastore.lock_timeout}s"),
                changed=Literal(CHANGED),
            )
        )
        self.append_statement = SQL(
            "SELECT * FROM {function}(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[],"
            " %s, %s, %s)"
        ).format(
            function=self.append_function,
            id_type=Identifier(self.datastore.originator_id_type),
        )
        self.appender = PostgresAppender(self._connect)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def notifications_after(
        self, after: int, limit: int, topics: Sequence[str] = (), stop: int | None = None
    ) -> tuple[Sequence[Notification], int]:
        """See the module's `notifications_after`."""
        statement = SQL(
            "SELECT h.head, e.notification_id, e.originator_id, e.originator_version, e.topic,"
            " e.state FROM (SELECT LEAST(COALESCE(MAX(notification_id), 0), %s) AS head"
            " FROM {schema}.{table}) AS h LEFT JOIN LATERAL (SELECT * FROM {schema}.{table}"
            " WHERE notification_id > %s AND notification_id <= h.head"
            " AND (cardinality(%s::text[]) = 0 OR topic = ANY(%s::text[]))"
            " ORDER BY notification_id LIMIT %s) AS e ON true"
        ).format(**self._table())
        wanted = list(topics)
        unbounded = 2**63 - 1
        params = [unbounded if stop is None else stop, after, wanted, wanted, limit]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            rows = curs.fetchall()
        head = int(rows[0]["head"]) if rows else 0
        found = [
            Notification(
                id=int(row["notification_id"]),
                originator_id=row["originator_id"],
                originator_version=int(row["originator_version"]),
                topic=str(row["topic"]),
                state=bytes(row["state"]),
            )
            for row in rows
            if row["notification_id"] is not None
        ]
        return found, head

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append in one statement, so one round trip: eventsourcing's own append pipelines
        BEGIN, the table lock, NOTIFY and the INSERT, then waits for the answer, then sends
        COMMIT — holding the table lock, which every append needs, across a round trip to a
        client that may be waiting for a CPU. Here the lock is taken and released on the
        server, between one statement's start and its commit (autocommit)."""
        if not stored_events:
            return []
        changes = may_change_reference(self.routine, stored_events)
        payload = CHANGED if changes else ROUTINE
        columns = (
            [s.originator_id for s in stored_events],
            [s.originator_version for s in stored_events],
            [s.topic for s in stored_events],
            [s.state for s in stored_events],
        )
        found = self.appender.rows(
            self.append_statement, (*columns, self.channel_name, self.reference_channel, payload)
        )
        return [row[APPEND_FUNCTION] for row in found]

    def _connect(self) -> psycopg.Connection[Any]:
        """A connection as eventsourcing's pool makes and configures them."""
        pool = self.datastore.pool
        kwargs = dict(pool.kwargs) if isinstance(pool.kwargs, dict) else {}
        if pool.get_password_func is not None:
            kwargs["password"] = pool.get_password_func()
        conninfo = pool.conninfo if isinstance(pool.conninfo, str) else ""
        connection: psycopg.Connection[Any] = pool.connection_class.connect(conninfo, **kwargs)
        self.datastore.after_connect_func()(connection)
        return connection

    def close(self) -> None:
        """Close the appending connection (the pool is the datastore's)."""
        self.appender.close()

    unvouched: Unvouched | None = None

    def _table(self) -> dict[str, Identifier]:
        return {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
        }

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        rest, params, anchor = _conditions(gt, lte, desc, limit, "%s")
        statement = SQL(
            "SELECT * FROM {schema}.{table} WHERE notification_id > 0 AND originator_id = %s"
        ).format(**self._table()) + SQL(rest)  # rest: static text with %s marks
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [originator_id, *params], prepare=True)
            rows = list(curs.fetchall())
        return _vouched(rows, "notification_id", self.unvouched, anchor, desc)[:limit]

    def count_rows(self) -> int:
        """Every row of the events table, numbered or not."""
        statement = SQL("SELECT COUNT(*) AS n FROM {schema}.{table}").format(**self._table())
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement)
            row = curs.fetchone()
            return int(row["n"]) if row else 0


# -- snapshots -----------------------------------------------------------------------------------

TAG = 32  # bytes of HMAC-SHA256 appended to a snapshot's stored state


def snapshot_tag(key: bytes, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """HMAC-SHA256 over the snapshot's columns, each length-prefixed or of fixed size."""
    text = topic.encode("utf-8")
    message = b"".join(
        (
            originator_id.bytes,
            version.to_bytes(8, "big", signed=True),
            len(text).to_bytes(4, "big"),
            text,
            state,
        )
    )
    return hmac.new(key, b"participatie-snapshot/1\x00" + message, hashlib.sha256).digest()


class TaggedSnapshots(AggregateRecorder):
    """The snapshot store, each snapshot tagged when written and its tag checked when read."""

    def __init__(self, inner: AggregateRecorder, key: bytes) -> None:
        self.inner = inner
        self.key = key

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        tagged = [
            StoredEvent(
                originator_id=s.originator_id,
                originator_version=s.originator_version,
                topic=s.topic,
                state=s.state + self._tag(s.originator_id, s.originator_version, s.topic, s.state),
            )
            for s in stored_events
        ]
        return self.inner.insert_events(tagged, **kwargs)

    def _tag(self, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
        return snapshot_tag(self.key, UUID(str(originator_id)), version, topic, state)

    def untagged(self, stored: StoredEvent) -> StoredEvent | None:
        """The snapshot as it was written, or None when its tag does not verify."""
        state, tag = stored.state[:-TAG], stored.state[-TAG:]
        expected = self._tag(stored.originator_id, stored.originator_version, stored.topic, state)
        if len(stored.state) < TAG or not hmac.compare_digest(tag, expected):
            return None
        return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        found = self.inner.select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return [s for s in map(self.untagged, found) if s is not None]

    def forget(self, originator_id: UUID) -> int:
        """Delete every snapshot of one aggregate (they are taken again when needed); return how
        many. On SQLite the rows are overwritten (secure_delete) and the write-ahead log is
        emptied when no reader holds it, so no old snapshot's bytes stay in the files."""
        inner = self.inner
        if isinstance(inner, SQLiteAggregateRecorder):
            with inner.datastore.get_connection(commit=True) as conn:
                conn.cursor().execute("PRAGMA secure_delete=ON")
                with conn.transaction(commit=True) as c:
                    c.execute(
                        f"DELETE FROM {inner.events_table_name} WHERE originator_id = ?",
                        (originator_id.hex,),
                    )
                    deleted = int(c.sqlite_cursor.rowcount)
                conn.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # best effort
            return deleted
        assert isinstance(inner, PostgresAggregateRecorder)
        statement = SQL("DELETE FROM {schema}.{table} WHERE originator_id = %s").format(
            schema=Identifier(inner.datastore.schema), table=Identifier(inner.events_table_name)
        )
        with inner.datastore.transaction(commit=True) as curs:
            curs.execute(statement, (originator_id,))
            return int(curs.rowcount)

    def all_rows(self, batch: int) -> Iterator[StoredEvent]:
        """Every stored snapshot as stored (tag included), by originator id and version."""
        after: tuple[str, int] = ("", -(2**63))
        while True:
            rows = self._page(after, batch)
            yield from rows
            if len(rows) < batch:
                return
            after = (str(rows[-1].originator_id), rows[-1].originator_version)

    def _page(self, after: tuple[str, int], batch: int) -> list[StoredEvent]:
        inner = self.inner
        if isinstance(inner, SQLiteAggregateRecorder):
            key = UUID(after[0]).hex if after[0] else ""
            with inner.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT * FROM {inner.events_table_name}"
                    " WHERE originator_id > ? OR (originator_id = ? AND originator_version > ?)"
                    " ORDER BY originator_id, originator_version LIMIT ?",
                    (key, key, after[1], batch),
                )
                return [_stored(r, r["state"]) for r in c.fetchall()]
        assert isinstance(inner, PostgresAggregateRecorder)
        statement = SQL(
            "SELECT * FROM {schema}.{table} WHERE (originator_id, originator_version) > (%s, %s)"
            " ORDER BY originator_id, originator_version LIMIT %s"
        ).format(
            schema=Identifier(inner.datastore.schema), table=Identifier(inner.events_table_name)
        )
        start = UUID(after[0]) if after[0] else UUID(int=0)
        with inner.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (start, after[1], batch))
            return [_stored(r, r["state"]) for r in curs.fetchall()]
