"""Capacity and load on SQLite and PostgreSQL: a team's capacity is stored as events, and its
load, age, overdue work, agenda split and trend equal figures computed by hand.

The fixture: two teams and regie, eleven initiatives with known moments (all 2026, UTC; each is
submitted at 09:00 and routed at 09:02 the same day, later steps at 10:00). The figures are read
on Monday 1 June 12:00 (NOW); the trend's eight moments are the Mondays 13 April ... 1 June at
12:00, ISO weeks 16 to 23.

| #  | submitted  | lead (involved) | later                                        | now          |
|----|------------|-----------------|----------------------------------------------|--------------|
| 1  | 16 Mar     | team-a (team-b) | accepted 17 Mar                              | in_progress  |
| 2  | 20 Apr 13h | team-a (13:02)  | -                                            | routed       |
| 3  | 6 Apr      | team-a          | accepted 7 Apr, information asked 5 May      | waiting      |
| 4  | 2 Mar      | team-a          | acc. 3 Mar, decided 20 Mar, executing 25 Mar | in_execution |
| 5  | 9 Mar      | team-a          | accepted 10 Mar, decided 1 Apr               | decided      |
| 6  | 8 Apr      | team-a          | acc. 9, dec. 20, exec. 21 Apr; done 12 May   | completed    |
| 7  | 10 Apr     | team-a          | forwarded to team-b 6 May                    | routed (b)   |
| 8  | 14 Apr     | team-b (team-a) | accepted 15 Apr                              | in_progress  |
| 9  | 26 May     | team-b          | withdrawn 28 May                             | withdrawn    |
| 10 | 2 Feb      | team-b          | accepted 3 Feb                               | in_progress  |
| 11 | 1 Apr      | team-a          | declined 2 Apr: to regie                     | routed (r.)  |

Overdue at NOW: #1 (decision due 40 working days after 16 March, mid-May), #2 (hand-off of
20 April due 5 working days later), #7 (hand-off to team-b of 6 May), #10 (decision due at the
end of March), #11 (hand-off to regie of 2 April). Not: #3 (paused), #4 and #5 (decided), #8
(decision due mid-June).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.domain.commands import (
    AcceptHandoff,
    Command,
    Complete,
    Decide,
    DeclineHandoff,
    Forward,
    RequestInfo,
    Route,
    StartExecution,
    Withdraw,
)
from participatie.domain.errors import UnknownTeam
from participatie.domain.organisation import Capacity, CapacityRecord, Team
from participatie.domain.values import Actor, Outcome, Role, RoutingDecision, TeamKind
from participatie.views import queries
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import submission
from tests.services import catch_up

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)
ROUTER = Actor.system("router")
A = Actor("u-a", Role.AREA_MANAGER, "team-a")
B = Actor("u-b", Role.LINE_DEPARTMENT, "team-b")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    number: int
    submitted: tuple[int, int, int]  # month, day, hour
    lead: str
    involved: tuple[str, ...]
    steps: tuple[tuple[tuple[int, int], Command, Actor], ...] = ()


DECIDE = Decide(Outcome.HONOURED, "Past in het plan.", "Besproken.")
CASES = [
    Case(1, (3, 16, 9), "team-a", ("team-b",), (((3, 17), AcceptHandoff(), A),)),
    Case(2, (4, 20, 13), "team-a", ()),
    Case(
        3,
        (4, 6, 9),
        "team-a",
        (),
        (((4, 7), AcceptHandoff(), A), ((5, 5), RequestInfo("Hoeveel buren?"), A)),
    ),
    Case(
        4,
        (3, 2, 9),
        "team-a",
        (),
        (((3, 3), AcceptHandoff(), A), ((3, 20), DECIDE, A), ((3, 25), StartExecution(), A)),
    ),
    Case(5, (3, 9, 9), "team-a", (), (((3, 10), AcceptHandoff(), A), ((4, 1), DECIDE, A))),
    Case(
        6,
        (4, 8, 9),
        "team-a",
        (),
        (
            ((4, 9), AcceptHandoff(), A),
            ((4, 20), DECIDE, A),
            ((4, 21), StartExecution(), A),
            ((5, 12), Complete(), A),
        ),
    ),
    Case(7, (4, 10, 9), "team-a", (), (((5, 6), Forward("team-b", "Is voor de lijn."), A),)),
    Case(8, (4, 14, 9), "team-b", ("team-a",), (((4, 15), AcceptHandoff(), B),)),
    Case(9, (5, 26, 9), "team-b", (), (((5, 28), Withdraw(), ADMIN),)),
    Case(10, (2, 2, 9), "team-b", (), (((2, 3), AcceptHandoff(), B),)),
    Case(11, (4, 1, 9), "team-a", (), (((4, 2), DeclineHandoff("Niet van ons."), A),)),
]

# Hand-computed with the weights routed 0.5, in_progress 1.0, waiting_for_initiator 0.5,
# decided 0.5, in_execution 1.0 (involved work not in the load).
#   team-a leads #1 in_progress 1.0, #2 routed 0.5, #3 waiting 0.5, #4 in_execution 1.0,
#          #5 decided 0.5 = 3.5 against 3 cases; involved in #8.
#   team-b leads #7 routed 0.5, #8 in_progress 1.0, #10 in_progress 1.0 = 2.5 against
#          20 hours a week / 4 hours a case = 5 cases; involved in #1.
#   regie  leads #11 routed 0.5, no capacity.
# Agenda work (linked: #1, #5, #6 closed, #8): team-a #1 + #5 = 2 cases, 1.5; on top #2, #3,
# #4 = 3 cases, 2.0. team-b #8 = 1 case, 1.0; on top #7, #10 = 2 cases, 1.5.
# Oldest: team-a #4, 2 March 09:00 to 1 June 12:00 = 91 days; team-b #10, 2 February = 119
# days; regie #11, 1 April = 61 days.
# Trend (open lead work at 12:00 on 13, 20, 27 April, 4, 11, 18, 25 May, 1 June):
#   team-a: #1 #3 #4 #5 always; #6 until it completed on 12 May (4 points); #7 until the
#           forward of 6 May (4 points); #2 from 20 April 13:02 (6 points)
#           = 6, 6, 7, 7, 6, 5, 5, 5
#   team-b: #10 always; #8 from 14 April (7 points); #7 from 6 May (4 points); #9 was led
#           only between 26 and 28 May, between two moments = 1, 2, 2, 2, 3, 3, 3, 3
#   regie:  #11 from 2 April = 1 at every moment
EXPECTED = {
    "team-a": {
        "capacity_cases": 3,
        "capacity_hours_per_week": None,
        "capacity": 3.0,
        "load": 3.5,
        "ratio": 1.17,
        "overloaded": True,
        "open_lead": 5,
        "by_status": {
            "decided": 1,
            "in_execution": 1,
            "in_progress": 1,
            "routed": 1,
            "waiting_for_initiator": 1,
        },
        "involved": 1,
        "agenda": {"open": 2, "load": 1.5},
        "on_top": {"open": 3, "load": 2.0},
        "oldest_days": 91,
        "overdue": 2,
        "trend": [6, 6, 7, 7, 6, 5, 5, 5],
    },
    "team-b": {
        "capacity_cases": None,
        "capacity_hours_per_week": 20,
        "capacity": 5.0,
        "load": 2.5,
        "ratio": 0.5,
        "overloaded": False,
        "open_lead": 3,
        "by_status": {"in_progress": 2, "routed": 1},
        "involved": 1,
        "agenda": {"open": 1, "load": 1.0},
        "on_top": {"open": 2, "load": 1.5},
        "oldest_days": 119,
        "overdue": 2,
        "trend": [1, 2, 2, 2, 3, 3, 3, 3],
    },
    "regie": {
        "capacity_cases": None,
        "capacity_hours_per_week": None,
        "capacity": None,
        "load": 0.5,
        "ratio": None,
        "overloaded": False,
        "open_lead": 1,
        "by_status": {"routed": 1},
        "involved": 0,
        "agenda": {"open": 0, "load": 0.0},
        "on_top": {"open": 1, "load": 0.5},
        "oldest_days": 61,
        "overdue": 1,
        "trend": [1, 1, 1, 1, 1, 1, 1, 1],
    },
}
WEEKS = ["2026-W16", "2026-W17", "2026-W18", "2026-W19", "2026-W20", "2026-W21", "2026-W22"]
WEEKS += ["2026-W23"]
MOMENTS = [at(4, 13, 12), at(4, 20, 12), at(4, 27, 12), at(5, 4, 12), at(5, 11, 12)]
MOMENTS += [at(5, 18, 12), at(5, 25, 12), NOW]


def build_fixture(container: Container, *, step: bool = False) -> dict[int, UUID]:
    """The teams with their capacities and the eleven initiatives of the table, projected (with
    `step`, the views catch up after every command: each row changes batch by batch)."""
    app = container.app
    projector = Projector(ViewsProjection(container.views, app))
    for code, kind in (("team-a", TeamKind.AREA), ("team-b", TeamKind.LINE)):
        app.register_team(code, code, kind, [], None, ADMIN)
    app.register_team("regie", "Regie", TeamKind.REGIE, [], None, ADMIN)
    assert app.set_team_capacity("team-a", 3, None, "Drie zaken.", ADMIN)
    assert app.set_team_capacity("team-b", None, 20, "Twintig uur.", ADMIN)
    schema = SubmissionSchema(app.area_index())
    ids = {}
    for case in CASES:
        month, day, hour = case.submitted
        submitted = at(month, day, hour)
        result = app.submit(schema.load_submission(submission()), at=submitted)
        decision = RoutingDecision(case.lead, case.involved, "r1", "2026-1", "v1", 5, "regel")
        routed = at(month, day, hour, 2)
        app.act(result.initiative_id, Route(decision=decision), actor=ROUTER, at=routed)
        for (step_month, step_day), command, actor in case.steps:
            if step:
                catch_up(projector)
            app.act(result.initiative_id, command, actor=actor, at=at(step_month, step_day))
        ids[case.number] = result.initiative_id
    catch_up(projector)
    return ids


def figures(load: queries.TeamLoad) -> dict[str, Any]:
    return {
        "capacity_cases": load.capacity_cases,
        "capacity_hours_per_week": load.capacity_hours_per_week,
        "capacity": load.capacity,
        "load": load.load,
        "ratio": load.ratio,
        "overloaded": load.overloaded,
        "open_lead": load.open_lead,
        "by_status": load.by_status,
        "involved": load.involved,
        "agenda": {"open": load.agenda.open, "load": load.agenda.load},
        "on_top": {"open": load.on_top.open, "load": load.on_top.load},
        "oldest_days": load.oldest_days,
        "overdue": load.overdue,
        "trend": [p.open_lead for p in load.trend],
    }


def test_team_loads_equal_the_hand_computed_table(container: Container) -> None:
    ids = build_fixture(container)
    agenda = {ids[1], ids[5], ids[6], ids[8]}  # UUIDs, as the agenda will hold them
    loads = queries.loads_of_teams(container.app, container.views, agenda=agenda, now=NOW)
    assert [t.team for t in loads] == ["regie", "team-a", "team-b"]
    assert {t.team: figures(t) for t in loads} == EXPECTED
    for load in loads:
        assert [p.week for p in load.trend] == WEEKS
        assert [p.at for p in load.trend] == MOMENTS


def test_without_agenda_links_all_open_work_is_on_top(container: Container) -> None:
    build_fixture(container)
    (team_a,) = queries.loads_of_teams(container.app, container.views, "team-a", now=NOW)
    assert (team_a.agenda.open, team_a.agenda.load) == (0, 0.0)
    assert (team_a.on_top.open, team_a.on_top.load) == (5, 3.5)


def test_hours_count_at_the_configured_hours_per_case(container: Container) -> None:
    build_fixture(container)
    (team_b,) = queries.loads_of_teams(
        container.app, container.views, "team-b", hours_per_case=10, now=NOW
    )
    # 20 hours a week at 10 hours a case: 2 cases, against a load of 2.5.
    assert (team_b.capacity, team_b.ratio, team_b.overloaded) == (2.0, 1.25, True)


def test_a_capacity_is_kept_with_its_history_and_refuses_unknown_teams(
    container: Container,
) -> None:
    app = container.app
    app.register_team("team-a", "Team A", TeamKind.AREA, [], None, ADMIN)
    team_id = Team.create_id("team-a")
    (registered,) = app.history(team_id)
    # The team as every earlier version stored it: nothing about a capacity.
    stored = json.loads(app.mapper.to_stored_event(registered).state)
    before = {"originator_topic", "timestamp", "code", "name", "kind", "areas", "email", "actor"}
    assert set(stored) == before
    other = build(container.settings)  # read from the store, not from memory
    try:
        loaded = other.app.teams()[0]
        assert (loaded.code, loaded.capacity, loaded.capacity_history) == ("team-a", None, [])
        assert other.app.set_team_capacity("team-a", 4, None, "Vier.", ADMIN) is True
        assert other.app.set_team_capacity("team-a", 4, None, "Nog steeds vier.", ADMIN) is False
        assert other.app.set_team_capacity("team-a", 4, 16, "Ook uren.", ADMIN) is True
    finally:
        other.close()
    (team,) = app.teams()
    assert team.capacity == Capacity(4, 16)
    assert [(r.capacity, r.actor, r.reason) for r in team.capacity_history] == [
        (Capacity(4, None), "u-admin", "Vier."),
        (Capacity(4, 16), "u-admin", "Ook uren."),
    ]
    assert all(isinstance(r, CapacityRecord) for r in team.capacity_history)
    assert len(app.history(team_id)) == 3
    with pytest.raises(UnknownTeam) as refused:
        app.set_team_capacity("team-z", 4, None, "Wie?", ADMIN)
    assert refused.value.field == "code"
