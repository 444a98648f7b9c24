"""Appends to a SQLite store go through the process's own connection (infra/recorders.py
Appender) while the writer's turn is held: the events are stored in one transaction, numbered
as eventsourcing numbers them, a conflict is eventsourcing's IntegrityError with nothing stored,
a forked child opens its own connection and closing the store closes it."""

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
from participatie.infra.recorders import Appender, NumberedSQLiteRecorder, library_error


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Container]:
    built = build(Settings(var_dir=tmp_path / "var"))
    try:
        yield built
    finally:
        built.close()


def recorder_of(container: Container) -> NumberedSQLiteRecorder:
    recorder = container.app.recorder
    assert isinstance(recorder, NumberedSQLiteRecorder)
    return recorder


def event(originator: UUID, version: int, state: bytes = b"{}") -> StoredEvent:
    return StoredEvent(originator, version, "tests:Happened", state)


def rows(container: Container) -> list[tuple[int, str, int, bytes]]:
    recorder = recorder_of(container)
    with sqlite3.connect(recorder.datastore.pool.db_name) as db:
        return [
            (int(r[0]), str(r[1]), int(r[2]), bytes(r[3]))
            for r in db.execute(
                f"SELECT rowid, originator_id, originator_version, state"
                f" FROM {recorder.events_table_name} WHERE topic = 'tests:Happened' ORDER BY rowid"
            )
        ]


def test_the_events_of_one_append_are_stored_together_and_numbered(store: Container) -> None:
    recorder = recorder_of(store)
    first, second = uuid4(), uuid4()
    ids = recorder.insert_events([event(first, 1, b"a"), event(second, 1, b"b")])
    more = recorder.insert_events([event(first, 2, b"c")])
    assert ids is not None and more is not None
    assert [ids[1] - ids[0], more[0] - ids[1]] == [1, 1]  # one after the other
    assert rows(store) == [
        (ids[0], first.hex, 1, b"a"),
        (ids[1], second.hex, 1, b"b"),
        (more[0], first.hex, 2, b"c"),
    ]
    assert [e.state for e in recorder.select_events(first)] == [b"a", b"c"]
    assert recorder.max_notification_id() == more[0]


def test_a_conflict_is_an_integrity_error_and_stores_nothing_of_its_append(
    store: Container,
) -> None:
    recorder = recorder_of(store)
    taken = uuid4()
    recorder.insert_events([event(taken, 1, b"first")])
    fresh = uuid4()
    with pytest.raises(IntegrityError):
        recorder.insert_events([event(fresh, 1, b"new"), event(taken, 1, b"again")])
    assert [r[3] for r in rows(store)] == [b"first"]  # not the new one either
    assert recorder.insert_events([event(fresh, 1, b"new")])  # the connection goes on


def test_sqlite_errors_become_the_libraries_of_the_same_kind() -> None:
    """What eventsourcing's pool raises for each (the application maps IntegrityError to 409)."""
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
