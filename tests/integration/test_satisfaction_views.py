"""Satisfaction in the P&C figures (per area, quarter and team) and reopened work in the views,
on SQLite and PostgreSQL; the figures are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import (
    AcceptHandoff,
    Complete,
    Decide,
    PublishDecision,
    RateOutcome,
    Reopen,
    Route,
    StartExecution,
)
from participatie.domain.values import Actor, Outcome, Role, RoutingDecision
from participatie.views import queries
from participatie.views.projector import Projector, ViewsProjection, check
from tests.conftest import submission
from tests.services import catch_up

WORKER = Actor.system("router")


def team_actor(team: str) -> Actor:
    return Actor(f"u-{team}", Role.AREA_MANAGER, team)


def finished(
    container: Container, team: str, area: str, at: datetime, honoured: bool = True
) -> UUID:
    """An initiative in `area` led by `team`, decided and finished at `at`."""
    app = container.app
    app.clock = lambda: at
    data = SubmissionSchema(app.area_index()).load_submission(
        submission(location={"area_code": area})
    )
    initiative_id = app.submit(data).initiative_id
    decision = RoutingDecision(team, (), "r1", "2026-1", "v1", 5, "regel")
    lead = team_actor(team)
    app.act(initiative_id, Route(decision=decision), actor=WORKER)
    app.act(initiative_id, AcceptHandoff(), actor=lead)
    outcome = Outcome.HONOURED if honoured else Outcome.NOT_HONOURED
    app.act(initiative_id, Decide(outcome, "Onderbouwing.", "overleg"), actor=lead)
    app.act(initiative_id, PublishDecision(), actor=lead)
    if honoured:
        app.act(initiative_id, StartExecution(), actor=lead)
        app.act(initiative_id, Complete(), actor=lead)
    return initiative_id


def rate(container: Container, initiative_id: UUID, score: int, at: datetime) -> None:
    app = container.app
    app.clock = lambda: at
    initiator = Actor.initiator(app.get_initiative(initiative_id).initiator.subject_id)
    app.act(initiative_id, RateOutcome(score, "toelichting"), actor=initiator)


def test_ratings_are_counted_per_quarter_and_team_and_roll_up_to_the_wijk(
    container: Container,
) -> None:
    q3 = datetime(2026, 8, 3, 10, tzinfo=UTC)
    q4 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    west = "BU00010101"
    east = "BU00010102"
    a = finished(container, "team-west", west, q3)
    b = finished(container, "team-west", west, q3, honoured=False)
    c = finished(container, "team-oost", east, q3)
    d = finished(container, "team-oost", east, q4)
    finished(container, "team-oost", east, q4)  # never rated
    rate(container, a, 5, q3)
    rate(container, b, 2, q3)
    rate(container, c, 4, q4)  # rated in the next quarter: counts there
    rate(container, d, 1, q4)
    catch_up(Projector(ViewsProjection(container.views, container.app)))

    wijk = {f.quarter: f for f in queries.pc_figures(container.views, "WK000101", now=q4)}
    # By hand: 2026-K3 holds a (5, west) and b (2, west); 2026-K4 holds c (4, oost), d (1, oost).
    assert wijk["2026-K3"].rated == {"team-west": {5: 1, 2: 1}}
    assert (wijk["2026-K3"].rated_total, wijk["2026-K3"].average_rating) == (2, 3.5)
    assert wijk["2026-K3"].satisfied_percent == 50
    assert wijk["2026-K4"].rated == {"team-oost": {4: 1, 1: 1}}
    assert (wijk["2026-K4"].average_rating, wijk["2026-K4"].satisfied_percent) == (2.5, 50)
    assert wijk["2026-K4"].team_ratings() == [("team-oost", 2, 2.5)]
    west_only = {f.quarter: f for f in queries.pc_figures(container.views, west, now=q4)}
    assert west_only["2026-K3"].rated_total == 2
    assert "2026-K4" not in west_only or west_only["2026-K4"].rated_total == 0
    assert check(ViewsProjection(container.views, container.app))[1] == []


def test_reopened_work_is_open_again_with_a_new_hand_off_and_decision_clock_in_the_views(
    container: Container,
) -> None:
    done = datetime(2026, 3, 6, 15, tzinfo=UTC)
    initiative_id = finished(container, "team-west", "BU00010101", done)
    rate(container, initiative_id, 2, done)
    app = container.app
    reopened = datetime(2026, 3, 9, 10, tzinfo=UTC)
    app.clock = lambda: reopened
    initiator = Actor.initiator(app.get_initiative(initiative_id).initiator.subject_id)
    app.act(initiative_id, Reopen("De bankjes staan er nog niet.", 28), actor=initiator)
    catch_up(Projector(ViewsProjection(container.views, app)))

    queue = queries.team_queue(container.views, "team-west", limit=10, now=reopened)
    (item,) = [i for i in queue.items if i.initiative_id == str(initiative_id)]
    assert item.status == "routed"
    # The same dates the domain gives (tests/unit/test_satisfaction.py works them out).
    assert item.deadline == datetime(2026, 3, 16, 10, tzinfo=UTC)  # the hand-off first
    public = queries.public_initiative(container.views, str(initiative_id))
    assert public is not None
    assert public["timeline"][-1]["kind"] == "reopened"
    assert public["outcome"] is None
    # The rating given before the reopening stays in its quarter's figures.
    (figures,) = queries.pc_figures(container.views, "BU00010101", now=reopened)
    assert figures.rated == {"team-west": {2: 1}}
    assert figures.decided_total == 0  # the decision was taken back
    assert check(ViewsProjection(container.views, app))[1] == []
