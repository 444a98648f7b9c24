"""Appends go through the process's own connection (infra/recorders.py: Appender on SQLite,
while the writer's turn is held; PostgresAppender on PostgreSQL): the events are stored
together, numbered as eventsourcing numbers them, a conflict is eventsourcing's IntegrityError
with nothing stored, a broken connection is replaced, a forked child opens its own connection
and closing the store closes it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.infra.recorders import (
    Appender,
    NumberedPostgresRecorder,
    NumberedSQLiteRecorder,
    library_error,
)


def opened(settings: Settings) -> Iterator[Container]:
    built = build(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def store(settings: Settings) -> Iterator[Container]:
    yield from opened(settings)


def recorder_of(container: Container) -> NumberedSQLiteRecorder:
    recorder = container.app.recorder
    assert isinstance(recorder, NumberedSQLiteRecorder)
    return recorder


def event(originator: UUID, version: int, state: bytes = b"{}") -> StoredEvent:
    return StoredEvent(originator, version, "tests:Happened", state)


def test_the_events_of_one_append_are_stored_together_and_numbered(store: Container) -> None:
    recorder = store.app.recorder
    first, second = uuid4(), uuid4()
    ids = recorder.insert_events([event(first, 1, b"a"), event(second, 1, b"b")])
    more = recorder.insert_events([event(first, 2, b"c")])
    assert ids is not None and more is not None
    assert [ids[1] - ids[0], more[0] - ids[1]] == [1, 1]  # one after the other
    found = recorder.select_notifications(ids[0], 10)
    assert [(n.id, UUID(str(n.originator_id)), n.originator_version, n.state) for n in found] == [
        (ids[0], first, 1, b"a"),
        (ids[1], second, 1, b"b"),
        (more[0], first, 2, b"c"),
    ]
    assert [e.state for e in recorder.select_events(first)] == [b"a", b"c"]
    assert recorder.max_notification_id() == more[0]


def test_a_conflict_is_an_integrity_error_and_stores_nothing_of_its_append(
    store: Container,
) -> None:
    recorder = store.app.recorder
    taken = uuid4()
    recorder.insert_events([event(taken, 1, b"first")])
    fresh = uuid4()
    with pytest.raises(IntegrityError):
        recorder.insert_events([event(fresh, 1, b"new"), event(taken, 1, b"again")])
    assert recorder.select_events(fresh) == []  # not the new one either
    assert [e.state for e in recorder.select_events(taken)] == [b"first"]
    assert recorder.insert_events([event(fresh, 1, b"new")])  # the connection goes on


def test_driver_errors_become_the_libraries_of_the_same_kind() -> None:
    """What eventsourcing's datastores raise for each (the application maps IntegrityError to
    409; the PostgreSQL recorder retries an OperationalError)."""
    import psycopg
    from eventsourcing import persistence

    table = [
        (sqlite3.IntegrityError("x"), persistence.IntegrityError),
        (sqlite3.OperationalError("database is locked"), persistence.OperationalError),
        (sqlite3.DataError("x"), persistence.DataError),
        (sqlite3.InternalError("x"), persistence.InternalError),
        (sqlite3.ProgrammingError("x"), persistence.ProgrammingError),
        (sqlite3.NotSupportedError("x"), persistence.NotSupportedError),
        (sqlite3.InterfaceError("x"), persistence.InterfaceError),
        (sqlite3.DatabaseError("x"), persistence.DatabaseError),
        (sqlite3.Error("x"), persistence.PersistenceError),
        (psycopg.errors.UniqueViolation("x"), persistence.IntegrityError),
        (psycopg.errors.LockNotAvailable("x"), persistence.OperationalError),
        (psycopg.OperationalError("x"), persistence.OperationalError),
        (psycopg.errors.UndefinedFunction("x"), persistence.ProgrammingError),
        (psycopg.InterfaceError("x"), persistence.InterfaceError),
        (psycopg.Error("x"), persistence.PersistenceError),
    ]
    for raised, expected in table:
        assert type(library_error(raised)) is expected, raised


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(tmp_path / "store.sqlite")
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    appender = Appender(database, 5)
    appender.append("INSERT INTO t VALUES (?)", [(1,)])
    parents = appender._connection
    assert parents is not None
    real = os.getpid()
    monkeypatch.setattr("participatie.infra.recorders.os.getpid", lambda: real + 1)
    appender.append("INSERT INTO t VALUES (?)", [(2,)])
    assert appender._connection is not parents
    appender.close()  # the child closes its own
    assert parents.execute("SELECT count(*) FROM t").fetchone() == (2,)  # still open
    monkeypatch.undo()
    parents.close()


def test_closing_the_store_closes_the_appenders_connection(tmp_path: Path) -> None:
    built = build(Settings(var_dir=tmp_path / "var"))
    recorder = recorder_of(built)
    recorder.insert_events([event(uuid4(), 1)])
    connection = recorder.appender()._connection
    assert connection is not None
    built.close()
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")


def postgres_recorder(container: Container) -> NumberedPostgresRecorder:
    recorder = container.app.recorder
    assert isinstance(recorder, NumberedPostgresRecorder)
    return recorder


@pytest.fixture
def postgres_store(postgres_settings: Settings) -> Iterator[Container]:
    yield from opened(postgres_settings)


@pytest.mark.postgres
def test_on_postgres_a_connection_the_server_ended_is_replaced(postgres_store: Container) -> None:
    import psycopg

    from tests.conftest import POSTGRES_URL

    recorder = postgres_recorder(postgres_store)
    recorder.insert_events([event(uuid4(), 1)])
    ended = recorder.appender._connection
    assert ended is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [ended.info.backend_pid])
    later = uuid4()
    assert recorder.insert_events([event(later, 1, b"after")])  # retried on a new one
    assert recorder.appender._connection is not ended and ended.closed
    assert [e.state for e in recorder.select_events(later)] == [b"after"]


@pytest.mark.postgres
def test_on_postgres_a_forked_child_opens_its_own_and_closing_closes_it(
    postgres_store: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = postgres_recorder(postgres_store)
    recorder.insert_events([event(uuid4(), 1)])
    parents = recorder.appender._connection
    assert parents is not None
    real = os.getpid()
    monkeypatch.setattr("participatie.infra.recorders.os.getpid", lambda: real + 1)
    recorder.insert_events([event(uuid4(), 1)])
    childs = recorder.appender._connection
    assert childs is not None and childs is not parents
    recorder.close()  # the child closes its own, not its parent's
    assert childs.closed and not parents.closed
    monkeypatch.undo()
    parents.close()


@pytest.mark.postgres
def test_on_postgres_the_pool_keeps_one_connection_beside_the_appenders(
    postgres_store: Container,
) -> None:
    """The pool keeps one for reads (it kept two before the appends had their own; it grows by
    one when a request had to wait, as at its start) and the appender has its own: the 12
    processes of a replicated stack stay well inside PostgreSQL's 100 connections."""
    from participatie.application.schemas import SubmissionSchema
    from participatie.domain.values import Actor
    from tests.conftest import small_map, submission

    app = postgres_store.app
    app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    for _ in range(3):
        app.submit(SubmissionSchema(app.area_index()).load_submission(submission()))
    recorder = postgres_recorder(postgres_store)
    appending = recorder.appender._connection
    assert appending is not None and not appending.closed
    pool = recorder.datastore.pool
    assert pool.min_size == 1 and pool.get_stats()["pool_size"] <= 2
