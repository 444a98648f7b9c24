"""Time travel: a queue, an area overview and an initiative as they were at a moment, replayed
from the log, equal what the live views showed at that moment."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from uuid import UUID

import pytest

from participatie.audit.timetravel import initiative_as_of, views_as_of
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.domain.commands import AcceptHandoff, AddInternalNote, SetPriority
from participatie.domain.values import Actor, Priority, Role
from participatie.views import queries
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import submission
from tests.services import catch_up

TEAM = "gebiedsteam-centrum"


@pytest.fixture
def demo(settings: Settings) -> Iterator[Container]:
    container = build(settings)
    load_demo(container.app)
    try:
        yield container
    finally:
        container.close()


def whole_queue(views: object, team: str, at: datetime) -> list[queries.QueueItem]:
    items: list[queries.QueueItem] = []
    after = None
    while True:
        page = queries.team_queue(views, team, limit=50, after=after, now=at)  # type: ignore[arg-type]
        items += page.items
        if page.next_cursor is None:
            return items
        after = page.next_cursor


def test_the_queue_and_area_as_of_a_moment_equal_the_live_ones_then(demo: Container) -> None:
    app = demo.app
    projector = Projector(ViewsProjection(demo.views, app))
    catch_up(projector)
    moment = datetime.now(tz=UTC)
    live_queue = whole_queue(demo.views, TEAM, moment)
    live_area = queries.overview_of_area(app, demo.views, "WK999901")
    assert len(live_queue) > 3
    lead = [i for i in live_queue if i.role == "lead" and i.priority != "urgent"]
    first = app.get_initiative(UUID(lead[0].initiative_id))
    before = initiative_as_of(app, first.id, moment)
    time.sleep(0.01)

    # Afterwards the team works on and new initiatives arrive.
    manager = Actor("staff:tijd", Role.AREA_MANAGER, TEAM)
    for item in lead[:3]:
        initiative = app.get_initiative(UUID(item.initiative_id))
        if initiative.handoff_pending and initiative.lead_team == TEAM:
            app.act(initiative.id, AcceptHandoff(), actor=manager)
        if initiative.lead_team == TEAM:
            app.act(initiative.id, SetPriority(priority=Priority.URGENT, reason="r"), actor=manager)
    for _ in range(3):
        data = submission()
        data["location"] = {"area_code": "BU99990101"}
        data["themes"] = ["cultuur"]
        iid = app.submit(data).initiative_id
        app.route_initiative(iid, Actor.system("test"))
    catch_up(projector)
    assert whole_queue(demo.views, TEAM, moment) != live_queue  # the live queue moved on

    with views_as_of(app, moment) as then:
        assert whole_queue(then, TEAM, moment) == live_queue
        assert asdict(queries.overview_of_area(app, then, "WK999901")) == asdict(live_area)
    assert initiative_as_of(app, first.id, moment) == before
    assert before is not None and before["priority"] == lead[0].priority
    assert app.get_initiative(first.id).priority is Priority.URGENT
    assert initiative_as_of(app, first.id, datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_the_state_at_any_moment_of_a_long_history_equals_replaying_up_to_it(
    settings: Settings,
) -> None:
    """The binary search plus snapshots gives exactly what a full replay gives, at every
    moment: before the first event, between events, on an event, after the last."""
    from datetime import timedelta

    from participatie.application.schemas import SubmissionSchema
    from participatie.audit.timetravel import last_event_at_or_before

    container = build(settings)
    try:
        load_demo(container.app)
        app = container.app
        start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        raw = submission(location={"area_code": "BU99990104"})
        data = SubmissionSchema(app.area_index()).load_submission(raw)
        initiative_id = app.submit(data, at=start).initiative_id
        app.route_initiative(initiative_id, Actor.system("router"), at=start + timedelta(minutes=1))
        manager = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")
        for n in range(2, 47):  # 47 events: two snapshots and a tail
            app.act(
                initiative_id,
                AddInternalNote(note=f"notitie {n}"),
                actor=manager,
                at=start + timedelta(minutes=n),
            )
        history = app.history(initiative_id)
        assert len(history) == 47
        moments = [start - timedelta(seconds=1), start + timedelta(minutes=60)]
        moments += [e.timestamp for e in history]
        moments += [e.timestamp + timedelta(seconds=30) for e in history]
        for moment in moments:
            seen = [e for e in history if e.timestamp <= moment]
            found = last_event_at_or_before(app, initiative_id, moment)
            state = initiative_as_of(app, initiative_id, moment)
            if not seen:
                assert found is None and state is None
                continue
            assert found == (seen[-1].originator_version, seen[-1].timestamp)
            assert state is not None and state["version"] == len(seen)
            replayed = app.repository.get(initiative_id, version=len(seen))
            assert state["status"] == replayed.status.value
    finally:
        container.close()
