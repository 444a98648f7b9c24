"""Regie's weekly trend of hand-offs that stall, on SQLite and PostgreSQL, against a hand table.

NOW is Wednesday 3 June 2026 12:00 UTC, in ISO week 23; the trend covers the eight weeks
W16 (from Monday 13 April) to W23, counted by the week of the Amsterdam calendar.

| # | routed         | what happened                      | week (Amsterdam)          |
|---|----------------|------------------------------------|---------------------------|
| 1 | 4 May          | declined 5 May 10:00 UTC           | W19                       |
| 2 | 25 May         | declined Sunday 31 May 22:30 UTC   | Monday 1 June 00:30: W23  |
| 3 | 25 May         | declined Sunday 31 May 21:30 UTC   | Sunday 23:30: W22         |
| 4 | 1 April        | escalated 2 April                  | W14: before the trend     |
| 5 | 1 June         | escalated 2 June 09:00 UTC         | W23                       |
"""

from __future__ import annotations

from datetime import UTC, datetime

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import DeclineHandoff, Escalate, Route
from participatie.domain.values import Actor, Role, RoutingDecision, TeamKind
from participatie.views import queries
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import submission
from tests.services import catch_up

NOW = datetime(2026, 6, 3, 12, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)
A = Actor("u-a", Role.AREA_MANAGER, "team-a")
ROUTER = Actor.system("router")
DECLINE, ESCALATE = DeclineHandoff("Past niet."), Escalate("Blijft liggen.")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


CASES = [
    (at(5, 4, 9), DECLINE, at(5, 5, 10)),
    (at(5, 25, 9), DECLINE, at(5, 31, 22, 30)),
    (at(5, 25, 9), DECLINE, at(5, 31, 21, 30)),
    (at(4, 1, 9), ESCALATE, at(4, 2, 9)),
    (at(6, 1, 9), ESCALATE, at(6, 2, 9)),
]


def test_the_weekly_trend_equals_the_hand_table(container: Container) -> None:
    app = container.app
    app.register_team("team-a", "Team A", TeamKind.AREA, [], None, ADMIN)
    app.register_team("regie", "Regie", TeamKind.REGIE, [], None, ADMIN)
    schema = SubmissionSchema(app.area_index())
    for routed, command, when in CASES:
        result = app.submit(schema.load_submission(submission()), at=routed)
        decision = RoutingDecision("team-a", (), "r", "2026-1", "v1", 5, "regel")
        app.act(
            result.initiative_id, Route(decision=decision), actor=Actor.system("router"), at=routed
        )
        app.act(result.initiative_id, command, actor=A, at=when)
    catch_up(Projector(ViewsProjection(container.views, app)))
    found = queries.handoff_trend(container.views, NOW)
    assert [(w.week, w.declined, w.escalated) for w in found] == [
        ("2026-W16", 0, 0),
        ("2026-W17", 0, 0),
        ("2026-W18", 0, 0),
        ("2026-W19", 1, 0),
        ("2026-W20", 0, 0),
        ("2026-W21", 0, 0),
        ("2026-W22", 1, 0),
        ("2026-W23", 1, 1),
    ]
