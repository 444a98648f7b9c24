"""Two writers of the views: on SQLite they wait for each other instead of failing, and a
projector that remembers a stale position reads it again.

A views transaction that read before it wrote could not wait: when another writer committed in
between, SQLite refuses its write at once ("database is locked"), since its snapshot cannot move
forward. Found when a test's own projection met the projector process, which a commit now wakes
at once (issue 25: push, not poll). Each views transaction now takes the write lock first.
"""

from __future__ import annotations

import threading
import time

from participatie.bootstrap import build
from participatie.config import Settings
from participatie.views.store import LIVE


def test_a_second_writer_waits_for_the_first_and_sees_its_change(
    sqlite_settings: Settings,
) -> None:
    first, second = build(sqlite_settings), build(sqlite_settings)
    try:
        views_a, views_b = first.views, second.views
        began = threading.Event()
        table = views_a.table(LIVE, "initiatives")

        def hold() -> None:
            with views_a.cursor(commit=True) as c:
                views_a.set_position(c, 7)
                began.set()
                time.sleep(0.5)  # the other reads and wants to write meanwhile

        thread = threading.Thread(target=hold)
        thread.start()
        assert began.wait(5)
        with views_b.cursor(commit=True) as c:
            seen = views_b.position(c)  # read, then write: the pattern of a projector's batch
            c.execute(f"DELETE FROM {table} WHERE id = 'nothing'")
            views_b.set_position(c, (seen or 0) + 1)
        thread.join(5)
        with views_b.cursor(commit=False) as c:
            assert views_b.position(c) == 8  # it waited, and read the first writer's 7
    finally:
        first.close()
        second.close()


def test_a_projector_whose_remembered_position_is_stale_reads_it_again(
    settings: Settings,
) -> None:
    """A projector remembers the position it wrote instead of reading it before each batch.
    When another one moved on meanwhile, its batch is refused (the transaction checks the
    position), it forgets, and the next batch continues from the real position."""
    from participatie.application.schemas import SubmissionSchema
    from participatie.domain.values import Actor
    from participatie.views.projector import Projector, ViewsProjection
    from tests.conftest import small_map, submission

    container = build(settings)
    try:
        app = container.app
        app.import_area_map("v1", small_map(), "test", Actor.system("test"))
        first = Projector(ViewsProjection(container.views, app))
        second = Projector(ViewsProjection(container.views, app))

        def submit() -> int:
            app.submit(SubmissionSchema.of(app).load_submission(submission()))
            return int(app.recorder.max_notification_id() or 0)

        head = submit()
        assert first.run_once() > 0 and first.written == head
        head = submit()
        assert second.run_once() > 0  # the other one moved the views on
        head = submit()
        assert first.run_once() == 0  # refused: what it remembered is stale
        assert first.written is None
        assert first.run_once() > 0 and first.written == head
        assert first.projection.position() == head
    finally:
        container.close()
