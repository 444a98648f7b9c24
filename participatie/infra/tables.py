"""Small SQL tables of our own (not events), on SQLite (a file under var/) or PostgreSQL.

Used for what must be overwritable or kept apart from the event log: staff password hashes and
sessions, and the audit seals and checkpoints. SQL uses '?' placeholders on both databases.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

NAME = re.compile(r"[a-z_][a-z0-9_]*")


class Statements(Protocol):
    """SQL with '?' placeholders, inside one transaction (see Tables.exclusive)."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def change(self, sql: str, params: Sequence[Any] = ()) -> int: ...


# PostgreSQL text cannot hold NUL: U+FFFD stands in for it in what PostgreSQL is given (views rows,
# query parameters). Nothing stored holds NUL, so a looked-up value with NUL matches nothing, as
# it should, instead of failing the statement.
NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(value: Any) -> Any:
    """`value` as a text column can hold it on either database (no NUL)."""
    if isinstance(value, str) and NUL in value:
        return value.replace(NUL, REPLACEMENT)
    return value


class Tables(ABC):
    """Runs SQL with '?' placeholders on SQLite or PostgreSQL."""

    @abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def change(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    @abstractmethod
    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run `sql` for each row, all in one transaction."""

    @abstractmethod
    def exclusive(self, table: str) -> contextlib.AbstractContextManager[Statements]:
        """One transaction in which no other writes `table` (readers go on): read, decide and
        write as one step. Committed at the end, rolled back on an exception."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class SQLiteTables(Tables):
    def __init__(self, path: Path, schema: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        for statement in schema:
            self.change(statement)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")
            self._local.db = db
        return db

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._db().execute(sql, tuple(params)).fetchall()]

    def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self._db().execute(sql, tuple(params)).rowcount)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(sql, (tuple(r) for r in rows))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextlib.contextmanager
    def exclusive(self, table: str) -> Iterator[Statements]:
        # SQLite has one writer at a time: BEGIN IMMEDIATE takes the write lock at once (the
        # table name is for PostgreSQL). The same thread-local connection runs the statements.
        assert NAME.fullmatch(table), table
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class PostgresTables(Tables):
    """Tables in PostgreSQL. All of them in one process share one small connection pool per
    database (staff, audit, mail ledger and key store would otherwise hold one each)."""

    _pools: ClassVar[dict[tuple[int, str], tuple[Any, int]]] = {}  # (pid, dsn) -> (pool, users)
    _pools_lock = threading.Lock()

    def __init__(self, dsn: str, schema: Sequence[str]) -> None:
        from psycopg_pool import ConnectionPool

        self._key = (os.getpid(), dsn)  # a forked child opens its own
        with self._pools_lock:
            pool, users = self._pools.get(self._key, (None, 0))
            if pool is None:
                pool = ConnectionPool(dsn, min_size=1, max_size=5, open=True)
            self._pools[self._key] = (pool, users + 1)
        self.pool = pool
        self._closed = False
        for statement in schema:
            self.change(statement)

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            found = conn.execute(sql.replace("?", "%s"), tuple(map(without_nul, params)))
            return [tuple(r) for r in found]

    def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.pool.connection() as conn:
            return int(
                conn.execute(sql.replace("?", "%s"), tuple(map(without_nul, params))).rowcount
            )

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.pool.connection() as conn, conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), [tuple(map(without_nul, r)) for r in rows])

    @contextlib.contextmanager
    def exclusive(self, table: str) -> Iterator[Statements]:
        assert NAME.fullmatch(table), table
        # The pooled connection's block is one transaction (committed at its end). SHARE ROW
        # EXCLUSIVE conflicts with itself and with every write, not with reads.
        with self.pool.connection() as conn:
            conn.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            yield _OnConnection(conn)

    def close(self) -> None:
        with self._pools_lock:
            if self._closed:
                return
            self._closed = True
            pool, users = self._pools.get(self._key, (self.pool, 1))
            if users > 1:
                self._pools[self._key] = (pool, users - 1)
                return
            self._pools.pop(self._key, None)
        self.pool.close()


class _OnConnection:
    """Statements on one PostgreSQL connection, inside its transaction."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        found = self.conn.execute(sql.replace("?", "%s"), tuple(map(without_nul, params)))
        return [tuple(r) for r in found]

    def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        statement = sql.replace("?", "%s")
        return int(self.conn.execute(statement, tuple(map(without_nul, params))).rowcount)


def tables_for(settings: Any, file_name: str, schema: Sequence[str]) -> Tables:
    """The tables of `schema`: in PostgreSQL when configured, else in var/`file_name`."""
    if settings.uses_postgres:
        return PostgresTables(settings.postgres_dsn(), schema)
    return SQLiteTables(settings.var_dir / file_name, schema)
