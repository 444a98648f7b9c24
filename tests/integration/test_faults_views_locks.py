"""A process starting on PostgreSQL must not deadlock with the projector.

Found by `make faults` (benchmarks/faults.py): every process that opens the views (web workers,
RQ workers, the CLI, a restart after a crash) runs `CREATE INDEX IF NOT EXISTS` for each view
table in one transaction, and PostgreSQL takes a SHARE lock on each table for that even when the
index exists: initiatives first, then initiative_areas. The projector's batch wrote
initiative_areas first and initiatives later (ROW EXCLUSIVE), so a process starting while a
batch ran could deadlock with it ("deadlock detected"): one of the two failed. The projector now
locks the view tables up front in the order the schema creates them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.views.projector import Projector, ViewsProjection
from participatie.views.store import open_views
from tests.conftest import POSTGRES_URL, submission
from tests.services import catch_up

pytestmark = pytest.mark.postgres


@pytest.fixture
def demo(postgres_settings: Settings) -> Iterator[Container]:
    container = build(postgres_settings)
    load_demo(container.app)
    try:
        yield container
    finally:
        container.close()


def someone_waits_for_a_lock(schema: str, timeout: float) -> bool:
    """Whether a session waits for a lock on one of `schema`'s tables (within `timeout` s)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE NOT l.granted AND n.nspname = %s",
                (schema,),
            ).fetchone()
            if waiting and waiting[0]:
                return True
            time.sleep(0.02)
    return False


class PausingCursor:
    """A cursor that, after the batch's first write, lets another process open the views."""

    def __init__(self, cursor: Any, opener: threading.Thread, schema: str) -> None:
        self.cursor = cursor
        self.opener = opener
        self.schema = schema
        self.paused = False

    def executemany(self, statement: str, rows: Any) -> None:
        self.cursor.executemany(statement, rows)
        if not self.paused:
            self.paused = True
            self.opener.start()
            # Go on once the opener waits for us (or is done): the moment a deadlock is made.
            someone_waits_for_a_lock(self.schema, timeout=5)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_faults_opening_the_views_while_the_projector_writes_does_not_deadlock(
    demo: Container, postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = demo.app
    projector = Projector(ViewsProjection(demo.views, app))
    catch_up(projector)
    data = submission(location={"area_code": "BU99990101"})
    app.submit(SubmissionSchema(app.area_index()).load_submission(data))

    failures: list[Exception] = []

    def open_the_views() -> None:  # what every starting process does
        try:
            open_views(postgres_settings).datastore.close()
        except Exception as error:  # reported by the assertion below
            failures.append(error)

    opener = threading.Thread(target=open_the_views)
    view = demo.views
    write_rows = view.write_rows
    schema = str(postgres_settings.database_schema)

    def pausing_write_rows(c: Any, *args: Any, **kwargs: Any) -> None:
        write_rows(PausingCursor(c, opener, schema), *args, **kwargs)

    monkeypatch.setattr(view, "write_rows", pausing_write_rows)
    try:
        processed = projector.run_once()
    except Exception as error:  # reported by the assertion below
        failures.append(error)
        processed = 0
    finally:
        if opener.ident is not None:
            opener.join(30)
    assert opener.ident is not None, "the batch wrote nothing: the test did not run"
    assert not failures, failures
    assert processed == 1
    assert projector.lag() == 0
