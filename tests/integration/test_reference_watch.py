"""Reference data known current from NOTIFY, not from a query per request (issue 25 item 3).

On PostgreSQL the NOTIFY of an insert says whether it may touch reference data (`r`) or not
(`e`); a watched application then reads its kept area map, themes and the like without asking
the store, and sees a change another process commits within moments, one made by another
application in this process at once.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.values import Actor
from tests.conftest import POSTGRES_URL, small_map, submission
from tests.services import wait_until

pytestmark = pytest.mark.postgres

IMPORT_V2 = """
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.values import Actor
from tests.conftest import small_map
c = build(Settings.from_env())
c.app.import_area_map("v2", small_map(), "elsewhere", Actor.system("test"))
c.close()
"""


@pytest.fixture
def watched(postgres_settings: Settings) -> Iterator[Container]:
    container = build(postgres_settings)
    container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    container.app.watch_reference_data(postgres_settings.postgres_dsn())
    try:
        yield container
    finally:
        container.close()


@contextlib.contextmanager
def listening(dsn: str, channel: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection LISTENing on `channel`."""
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f'LISTEN "{channel}"')
        yield listener


def payloads(
    listener: psycopg.Connection[Any], timeout: float, stop_after: int | None = None
) -> list[str]:
    """The payloads `listener` hears within `timeout` seconds (or its first `stop_after`)."""
    return [n.payload for n in listener.notifies(timeout=timeout, stop_after=stop_after)]


def import_map(container: Container, by: str = "t") -> None:
    """A change of reference data: a small area map imported as version v1."""
    container.app.import_area_map("v1", small_map(), by, Actor.system("t"))


def freshness_queries(container: Container) -> list[str]:
    """Record every look the application takes at the store for the reference aggregates it
    keeps: the area map's and the theme list's events."""
    from participatie.domain.areas import AreaMap
    from participatie.domain.themes import ThemeList

    app: Any = container.app
    calls: list[str] = []
    select = app.recorder.select_events
    reference = {AreaMap.create_id(): "AreaMap", ThemeList.create_id(): "ThemeList"}

    def counting(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        if originator_id in reference:
            calls.append(reference[originator_id])
        return select(originator_id, *args, **kwargs)

    app.recorder.select_events = counting
    return calls


def ready(container: Container) -> None:
    """Read map and themes once (which makes the watch watch them), and wait until it knows."""
    app = container.app
    watch = app.reference_watch
    assert watch is not None
    SubmissionSchema.of(app)
    assert wait_until(lambda: watch.live and watch.checked == watch.watched, 5)
    assert len(watch.watched) >= 2  # the area map and the theme list (none stored: defaults)


def test_the_notify_says_whether_reference_data_may_have_changed(
    postgres_settings: Settings,
) -> None:
    container = build(postgres_settings)
    channel = container.app.recorder.channel_name  # type: ignore[attr-defined]
    try:
        with listening(postgres_settings.postgres_dsn(), channel) as listener:
            container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
            schema = SubmissionSchema.of(container.app)
            container.app.submit(schema.load_submission(submission()))
            payloads = [n.payload for n in listener.notifies(timeout=2, stop_after=2)]
        assert payloads == ["r", "e"]  # the map (reference data), then an initiative
    finally:
        container.close()


def test_the_reference_channel_hears_reference_data_and_nothing_else(
    postgres_settings: Settings,
) -> None:
    """What the watches listen to: submissions (and routing, views ...) never wake them."""
    container = build(postgres_settings)
    recorder: Any = container.app.recorder
    try:
        with listening(postgres_settings.postgres_dsn(), recorder.reference_channel) as listener:
            container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
            assert len(list(listener.notifies(timeout=2, stop_after=1))) == 1
            schema = SubmissionSchema.of(container.app)
            for _ in range(3):
                container.app.submit(schema.load_submission(submission()))
            assert list(listener.notifies(timeout=0.5)) == []
            container.app.import_area_map("v2", small_map(), "test", Actor.system("test"))
            assert len(list(listener.notifies(timeout=2, stop_after=1))) == 1
        assert recorder.reference_channel != recorder.channel_name
    finally:
        container.close()


def test_channel_names_fit_postgresql_whatever_the_schema() -> None:
    from participatie.infra.recorders import channel_name

    assert channel_name("gemeente_x_participatie_events") == "gemeente_x_participatie_events"
    assert channel_name("a.b") == "a_b"
    long = "s" * 50 + "_participatie_events"
    shortened = channel_name(long)
    assert len(shortened.encode()) <= 63
    assert shortened == channel_name(long)  # the same name in every process
    assert shortened != channel_name(long + "_reference")
    assert channel_name("x" * 63) == "x" * 63  # 63 bytes fit


def test_a_long_schema_name_appends_and_notifies(tmp_path: Any) -> None:
    """pg_notify refuses a channel name over 63 bytes: a long schema must still work."""
    from tests.conftest import postgres_schema

    with postgres_schema(tmp_path / "long") as base:
        long_schema = (base.database_schema or "") + "_" + "l" * 40
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{long_schema}"')
        try:
            settings = base.with_(database_schema=long_schema)
            container = build(settings)
            recorder: Any = container.app.recorder
            try:
                with listening(settings.postgres_dsn(), recorder.channel_name) as listener:
                    import_map(container)
                    assert payloads(listener, timeout=2, stop_after=1) == ["r"]
            finally:
                container.close()
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA "{long_schema}" CASCADE')


def test_a_watched_app_reads_its_reference_data_without_asking_the_store(
    watched: Container,
) -> None:
    ready(watched)
    calls = freshness_queries(watched)
    app = watched.app
    for _ in range(5):
        schema = SubmissionSchema.of(app)
        app.submit(schema.load_submission(submission()))
    assert calls == []
    # Unwatched, the same work asks the store each time (area map and themes).
    assert app.reference_watch is not None
    app.reference_watch.live = False
    SubmissionSchema.of(app)
    assert sorted(calls) == ["AreaMap", "ThemeList"]


def test_a_change_by_another_process_is_seen_within_moments(
    watched: Container, postgres_settings: Settings
) -> None:
    ready(watched)
    app = watched.app
    assert app.area_map_version() == "v1"
    env = {**os.environ, **postgres_settings.as_environ()}
    subprocess.run([sys.executable, "-c", IMPORT_V2], env=env, check=True, timeout=60)
    changed = time.monotonic()
    calls = freshness_queries(watched)
    assert wait_until(lambda: app.area_map_version() == "v2", 5, interval=0.005)
    assert time.monotonic() - changed < 1.0
    # While it waited it asked nothing: the NOTIFY told it; then it loaded the new map once.
    assert calls == ["AreaMap"]


def test_a_change_by_another_app_in_this_process_is_known_at_once(
    watched: Container, postgres_settings: Settings
) -> None:
    ready(watched)
    other = build(postgres_settings)
    try:
        other.app.import_area_map("v2", small_map(), "next door", Actor.system("test"))
        assert watched.app.area_map_version() == "v2"  # no wait at all
    finally:
        other.close()


def test_while_the_watch_is_down_each_read_asks_the_store(
    watched: Container, postgres_settings: Settings
) -> None:
    ready(watched)
    app = watched.app
    watch = app.reference_watch
    assert watch is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (watch.name,),
        )
    assert wait_until(lambda: not watch.live, 5)
    calls = freshness_queries(watched)
    SubmissionSchema.of(app)
    assert calls  # asked the store
    assert wait_until(lambda: watch.live, 10)  # back, and current again
    calls.clear()
    SubmissionSchema.of(app)
    assert calls == []


def test_each_schema_has_its_own_channel(postgres_settings: Settings, tmp_path: Any) -> None:
    """Platforms (or tests) in two schemas of one database do not wake each other."""
    from tests.conftest import postgres_schema

    here = build(postgres_settings)
    try:
        with postgres_schema(tmp_path / "other") as elsewhere_settings:
            elsewhere = build(elsewhere_settings)
            try:
                mine = here.app.recorder.channel_name  # type: ignore[attr-defined]
                theirs = elsewhere.app.recorder.channel_name  # type: ignore[attr-defined]
                assert mine != theirs
                assert postgres_settings.database_schema in mine
                dsn = postgres_settings.postgres_dsn()
                with listening(dsn, mine) as listener:
                    import_map(elsewhere, by="x")
                    assert payloads(listener, timeout=1) == []
                    import_map(here, by="x")
                    assert payloads(listener, timeout=1, stop_after=1) == ["r"]
            finally:
                elsewhere.close()
    finally:
        here.close()
