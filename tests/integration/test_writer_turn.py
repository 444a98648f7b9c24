"""Writers of a SQLite store take turns through a lock file beside it (infra/recorders.py
WriterTurn): an append waits in the kernel while another process writes and goes the moment it
is free, rather than being put to sleep by SQLite's busy handler; a forked child takes its own
turns; the lock file is private."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.values import Actor
from participatie.infra.recorders import NumberedSQLiteRecorder, WriterTurn
from tests.conftest import small_map, submission


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Container]:
    built = build(Settings(var_dir=tmp_path / "var"))
    built.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    try:
        yield built
    finally:
        built.close()


def turn_file(container: Container) -> Path:
    recorder = container.app.recorder
    assert isinstance(recorder, NumberedSQLiteRecorder)
    return Path(f"{recorder.datastore.pool.db_name}-writer")


def submit(container: Container) -> None:
    app = container.app
    app.submit(SubmissionSchema(app.area_index()).load_submission(submission()))


def test_an_append_waits_for_the_turn_and_goes_when_it_is_free(sqlite_store: Container) -> None:
    path = turn_file(sqlite_store)
    assert path.exists()  # the map import took a turn
    other = os.open(path, os.O_RDWR)  # another writer's open file, as another process has
    fcntl.flock(other, fcntl.LOCK_EX)
    done: list[float] = []
    writer = threading.Thread(target=lambda: (submit(sqlite_store), done.append(time.monotonic())))
    try:
        writer.start()
        time.sleep(0.4)
        assert done == []  # waiting for its turn, not writing around it
        freed = time.monotonic()
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    writer.join(10)
    assert len(done) == 1 and done[0] >= freed
    assert done[0] - freed < 0.5  # at once, not after a sleep of SQLite's busy handler


def test_the_turn_file_is_private_and_a_store_in_memory_has_none(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        built = build(Settings(var_dir=tmp_path / "var"))
        try:
            submit_with_map(built)
            assert turn_file(built).stat().st_mode & 0o777 == 0o600
        finally:
            built.close()
    finally:
        os.umask(old)
    from eventsourcing.sqlite import SQLiteDatastore

    memory = NumberedSQLiteRecorder(SQLiteDatastore(":memory:"))
    memory.create_table()
    assert memory.writer_turn() is None


def submit_with_map(container: Container) -> None:
    container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    submit(container)


def test_a_forked_child_waits_for_its_parents_turn(tmp_path: Path) -> None:
    """The child inherits its parent's open lock file and thread lock, both held at the fork;
    it must neither pass on the parent's lock nor wait for ever on a thread it does not have."""
    turn = WriterTurn(tmp_path / "store-writer")
    reader, writer = os.pipe()
    with turn:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe
            try:
                with turn:
                    os.write(writer, f"{time.monotonic()}\n".encode())
            finally:
                os._exit(0)
        time.sleep(0.4)
        freed = time.monotonic()
    deadline = time.monotonic() + 10
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("the child never took its turn")
        time.sleep(0.02)
    os.close(writer)
    took = float(os.read(reader, 100).decode())
    os.close(reader)
    assert took >= freed


def test_without_a_turn_file_an_append_still_goes_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A store whose turn file cannot be made (here a folder is in its place) writes as before,
    meeting SQLite's lock: nothing is refused for want of the turn."""
    built = build(Settings(var_dir=tmp_path / "var"))
    try:
        path = turn_file(built)
        path.unlink(missing_ok=True)
        recorder = built.app.recorder
        assert isinstance(recorder, NumberedSQLiteRecorder)
        recorder.close()  # let go of the file, so the turn opens it again
        path.mkdir()
        with caplog.at_level("WARNING", logger="participatie.infra.recorders"):
            submit_with_map(built)
            submit(built)
        assert len(list(built.app.notifications())) >= 2
        warnings = [r for r in caplog.records if "without taking turns" in r.getMessage()]
        assert len(warnings) == 1
        recorder.writer_turn()  # the same turn, still usable
        submit(built)
    finally:
        built.close()
