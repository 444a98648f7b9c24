"""What a follower of the log reads when woken (relay, projector): the notifications after its
position and the head of the log — on PostgreSQL in one statement (issue 25 item 3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.utils import get_topic

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.initiative import Initiative
from participatie.infra.recorders import notifications_after
from tests.conftest import submission

SUBMITTED = get_topic(Initiative.Submitted)


def fill(container: Container) -> list[UUID]:
    app = container.app  # the fixture has imported an area map
    schema = SubmissionSchema.of(app)
    return [app.submit(schema.load_submission(submission())).initiative_id for _ in range(3)]


def test_a_follower_reads_what_follows_its_position_and_the_head(container: Container) -> None:
    recorder: Any = container.app.recorder
    submitted = fill(container)
    everything = recorder.select_notifications(1, 1000)  # eventsourcing's own read, the oracle
    head = everything[-1].id
    assert head == recorder.max_notification_id()

    found, reached = notifications_after(recorder, 0, 1000)
    assert [n.id for n in found] == [n.id for n in everything]
    assert [(n.originator_id, n.topic, n.state) for n in found] == [
        (n.originator_id, n.topic, n.state) for n in everything
    ]
    assert reached == head

    # Only the submissions, in order; the head is the log's, not the last submission's.
    found, reached = notifications_after(recorder, 0, 1000, [SUBMITTED])
    assert [UUID(str(n.originator_id)) for n in found] == submitted
    assert reached == head

    # After a position: what follows it only.
    middle = everything[len(everything) // 2].id
    found, reached = notifications_after(recorder, middle, 1000)
    assert [n.id for n in found] == [n.id for n in everything if n.id > middle]

    # A limit, and a stop below the head.
    found, reached = notifications_after(recorder, 0, 2)
    assert [n.id for n in found] == [n.id for n in everything[:2]]
    assert reached == head
    found, reached = notifications_after(recorder, 0, 1000, stop=everything[2].id)
    assert [n.id for n in found] == [n.id for n in everything[:3]]
    assert reached == everything[2].id

    # At the head: nothing, and the head.
    assert notifications_after(recorder, head, 1000) == ([], head)
    assert notifications_after(recorder, head, 1000, [SUBMITTED]) == ([], head)


@pytest.mark.postgres
def test_on_postgresql_it_is_one_statement(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = build(postgres_settings)
    try:
        recorder = container.app.recorder
        notifications_after(recorder, 0, 10)  # prepared once
        executed: list[Any] = []
        execute = psycopg.Cursor.execute

        def counting(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            executed.append(query)
            return execute(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", counting)
        notifications_after(recorder, 0, 10, [SUBMITTED])
        assert len(executed) == 1
    finally:
        container.close()
