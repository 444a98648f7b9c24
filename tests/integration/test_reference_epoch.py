"""Reference data known current on SQLite without a query per request (issue 25 item 3).

Every process using a SQLite store maps the same eight bytes beside it (`<store>-reference`); a
writer of reference data gives them a new value just before and just after its commit, and a
reader asks the store again only when the value differs from the one it last saw. Submissions
(not reference data) leave the value alone.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.values import Actor
from participatie.infra.reference import EpochWatch, SharedEpoch
from tests.conftest import small_map, submission
from tests.integration.test_reference_watch import IMPORT_V2, freshness_queries


@pytest.fixture
def watched(sqlite_settings: Settings) -> Iterator[Container]:
    container = build(sqlite_settings)
    container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    container.app.watch_reference_data()
    try:
        yield container
    finally:
        container.close()


def epoch_file(settings: Settings) -> Path:
    return Path(f"{settings.event_store_path}-reference")


def test_the_epoch_is_eight_private_bytes_beside_the_store(
    watched: Container, sqlite_settings: Settings
) -> None:
    path = epoch_file(sqlite_settings)
    assert path.stat().st_size == 8
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert isinstance(watched.app.reference_watch, EpochWatch)


def test_the_epoch_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    before = os.umask(0)
    try:
        epoch = SharedEpoch(tmp_path / "epoch")
    finally:
        os.umask(before)
    try:
        assert stat.S_IMODE((tmp_path / "epoch").stat().st_mode) == 0o600
    finally:
        epoch.close()


def test_an_answer_read_before_a_change_is_dropped_when_another_reader_saw_the_change(
    tmp_path: Path,
) -> None:
    """Reader A looks, a writer commits, reader B looks (and sees the change), then A's store
    answer — which may predate the commit — arrives: it must not count for the new value."""
    from concurrent.futures import ThreadPoolExecutor
    from uuid import uuid4

    epoch = SharedEpoch(tmp_path / "epoch")
    writer = SharedEpoch(tmp_path / "epoch")
    watch = EpochWatch(epoch)
    aggregate = uuid4()
    a, b = ThreadPoolExecutor(1), ThreadPoolExecutor(1)  # one thread each: two readers
    try:
        assert a.submit(watch.known, aggregate).result() is None
        writer.change()
        assert b.submit(watch.known, aggregate).result() is None  # B saw the new value
        a.submit(watch.confirm, {aggregate: 3}).result()  # A's answer, read before the change
        assert watch.known(aggregate) is None  # not taken as current
        b.submit(watch.confirm, {aggregate: 4}).result()
        assert watch.known(aggregate) == 4
    finally:
        a.shutdown()
        b.shutdown()
        epoch.close()
        writer.close()


def test_reference_data_changes_the_epoch_and_submissions_do_not(
    watched: Container, sqlite_settings: Settings
) -> None:
    app = watched.app
    epoch = SharedEpoch(epoch_file(sqlite_settings))
    try:
        before = epoch.read()
        app.submit(SubmissionSchema.of(app).load_submission(submission()))
        assert epoch.read() == before  # an initiative is no reference data
        app.import_area_map("v2", small_map(), "again", Actor.system("test"))
        assert epoch.read() != before
    finally:
        epoch.close()


def test_the_epoch_changes_before_the_commit_as_well_as_after(
    watched: Container, sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that dies between its commit and its second change has still made the first."""
    from participatie.infra.recorders import Appender

    epoch = SharedEpoch(epoch_file(sqlite_settings))
    at_commit: list[bytes] = []
    commit = Appender.append  # the transaction itself

    def committing(appender: Any, *args: Any) -> Any:
        at_commit.append(epoch.read())
        return commit(appender, *args)

    monkeypatch.setattr(Appender, "append", committing)
    try:
        start = epoch.read()
        watched.app.import_area_map("v2", small_map(), "again", Actor.system("test"))
        after = epoch.read()
    finally:
        epoch.close()
    assert len(at_commit) == 1
    assert at_commit[0] != start  # changed before the commit
    assert after != at_commit[0]  # and again after it


def test_a_watched_app_reads_its_reference_data_without_asking_the_store(
    watched: Container,
) -> None:
    app = watched.app
    SubmissionSchema.of(app)  # read once: kept, and confirmed by the store
    calls = freshness_queries(watched)
    for _ in range(5):
        app.submit(SubmissionSchema.of(app).load_submission(submission()))
    assert calls == []


def test_a_change_by_another_process_is_seen_at_the_next_read(
    watched: Container, sqlite_settings: Settings
) -> None:
    app = watched.app
    assert app.area_map_version() == "v1"
    SubmissionSchema.of(app)
    env = {**os.environ, **sqlite_settings.as_environ()}
    subprocess.run([sys.executable, "-c", IMPORT_V2], env=env, check=True, timeout=60)
    calls = freshness_queries(watched)
    assert app.area_map_version() == "v2"  # no wait: the bytes changed before we looked
    SubmissionSchema.of(app)
    assert "AreaMap" in calls  # asked once after the change ...
    calls.clear()
    SubmissionSchema.of(app)
    assert calls == []  # ... and not again


def test_a_change_by_another_app_in_this_process_is_known_at_once(
    watched: Container, sqlite_settings: Settings
) -> None:
    SubmissionSchema.of(watched.app)
    other = build(sqlite_settings)
    try:
        other.app.import_area_map("v2", small_map(), "next door", Actor.system("test"))
        assert watched.app.area_map_version() == "v2"
    finally:
        other.close()


def test_a_store_in_memory_has_no_epoch() -> None:
    """One process, nothing to share: no file, and no watch (the store is asked each time)."""
    from eventsourcing.sqlite import SQLiteDatastore

    from participatie.infra.recorders import NumberedSQLiteRecorder

    recorder = NumberedSQLiteRecorder(SQLiteDatastore(":memory:"))
    assert recorder.shared_epoch() is None


def test_a_confirmation_made_before_a_change_does_not_count_after_it(tmp_path: Path) -> None:
    """The store's answer counts only for the epoch the reader saw before asking."""
    from uuid import uuid4

    epoch = SharedEpoch(tmp_path / "epoch")
    other = SharedEpoch(tmp_path / "epoch")  # another process's mapping of the same file
    watch = EpochWatch(epoch)
    aggregate = uuid4()
    try:
        assert watch.known(aggregate) is None  # first look: ask the store
        other.change()  # a writer commits while this reader asks
        watch.confirm({aggregate: 3})
        assert watch.known(aggregate) is None  # the answer may predate the change: ask again
        watch.confirm({aggregate: 4})
        assert watch.known(aggregate) == 4
        assert watch.known(uuid4()) is None  # never confirmed
        other.change()
        assert watch.known(aggregate) is None
    finally:
        epoch.close()
        other.close()
