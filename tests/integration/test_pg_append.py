"""The PostgreSQL append in one statement (issue 25 item 3).

eventsourcing's append sends BEGIN, the table lock, NOTIFY and the INSERT, waits for the answer,
then sends COMMIT: the table lock, which keeps commit order equal to notification order, is held
across a round trip to the client. Our recorder calls a function doing the same on the server in
one autocommit statement. What must not change: the lock is still taken (an append waits for a
transaction holding it), a concurrent write to the same aggregate is still refused, the ids are
returned, and the NOTIFY still says whether reference data may have changed.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.values import Actor, Role
from participatie.infra.recorders import APPEND_FUNCTION
from tests.conftest import submission

# The application on PostgreSQL with the small map imported: conftest's `container`, one store.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("settings", ["postgres"], indirect=True),
]

NOTE_WRITER = Actor("u-test", Role.AREA_MANAGER, "gebiedsteam-noord")


def submit(container: Container) -> Any:
    app = container.app
    return app.submit(SubmissionSchema.of(app).load_submission(submission()))


def test_an_append_is_one_statement(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self)
        statements.append(text)
        return execute(self, query, *args, **kwargs)

    submit(container)  # keys, caches: whatever a first submission does once
    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    submit(container)
    appends = [s for s in statements if APPEND_FUNCTION in s]
    assert len(appends) == 1
    assert not any(s.lstrip().upper().startswith(("BEGIN", "LOCK", "COMMIT")) for s in statements)


def test_an_append_waits_for_whoever_holds_the_table_lock(container: Container) -> None:
    """The lock that keeps commit order equal to notification order is still taken."""
    recorder: Any = container.app.recorder
    table = f'"{container.settings.database_schema}"."{recorder.events_table_name}"'
    done: list[float] = []
    with psycopg.connect(container.settings.postgres_dsn()) as holder:
        holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        locked = time.monotonic()
        worker = threading.Thread(target=lambda: (submit(container), done.append(time.monotonic())))
        worker.start()
        time.sleep(0.5)
        assert done == []  # still waiting for the lock
        holder.commit()
    worker.join(10)
    assert done and done[0] - locked >= 0.5


def test_the_append_returns_the_new_notification_ids(container: Container) -> None:
    app = container.app
    recorder: Any = app.recorder
    initiative = app.get_initiative(submit(container).initiative_id)
    head = recorder.max_notification_id()
    initiative.add_internal_note(NOTE_WRITER, app.clock(), "een")
    initiative.add_internal_note(NOTE_WRITER, app.clock(), "twee")
    recordings = app.save(initiative)
    assert [r.notification.id for r in recordings] == [head + 1, head + 2]
    assert recorder.max_notification_id() == head + 2
