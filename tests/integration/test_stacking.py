"""Stacked challenges and the matrix on SQLite and PostgreSQL, equal to figures computed by hand.

Small map: GM0001 → WK000101 → Westbuurt (BU00010101), Oostbuurt (BU00010102). Two challenges
routed by hand (the routing decision names the challenge of its winning rule):

1. West, warmte: submitted 2 Feb, accepted 3 Feb; in progress, its decision was due at the end
   of March: overdue.
2. West, warmte: submitted 25 May 09:00 (a Monday), not accepted; hand-off due five working days
   later, Monday 1 June 09:00: overdue at 12:00.
3. Oost, warmte: submitted 28 May, not accepted; hand-off due 4 June: not overdue.
4. Oost, armoede: submitted 4 May, accepted 5 May, decided 6 May: decided, still open.
5. West, armoede: submitted 1 April, withdrawn 2 April: closed.
6. West, no challenge: submitted 1 May, accepted 2 May.

Wijk WK000101, regie's order [armoede]: armoede ranked 1 first, then warmte unranked.
  armoede: open #4 = 1, overdue 0, oldest 4 May 09:00 → 1 June 12:00 = 28.1 days, total 2.
  warmte: open #1 #2 #3 = 3, overdue #1 #2 = 2, oldest #1 2 Feb 09:00 → 1 June 12:00 =
          119.1 days, total 3.
Westbuurt without an order: warmte (open 2) before armoede (open 0).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import AcceptHandoff, Command, Decide, Route, Withdraw
from participatie.domain.values import Actor, Outcome, Role, RoutingDecision, TeamKind
from participatie.views import queries
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import submission
from tests.services import catch_up

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)
ROUTER = Actor.system("router")
A = Actor("u-a", Role.AREA_MANAGER, "team-a")
WEST, OOST = "BU00010101", "BU00010102"
CASES: list[tuple[str, str | None, tuple[int, int], list[tuple[tuple[int, int], Command]]]] = [
    (WEST, "warmte", (2, 2), [((2, 3), AcceptHandoff())]),
    (WEST, "warmte", (5, 25), []),
    (OOST, "warmte", (5, 28), []),
    (
        OOST,
        "armoede",
        (5, 4),
        [((5, 5), AcceptHandoff()), ((5, 6), Decide(Outcome.HONOURED, "Goed plan.", "Overleg."))],
    ),
    (WEST, "armoede", (4, 1), [((4, 2), Withdraw())]),
    (WEST, None, (5, 1), [((5, 2), AcceptHandoff())]),
]
LANDING = [("armoede", "Armoede", "team-a"), ("warmte", "Warmte", "team-a")]


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def build(container: Container, *, step: bool = False) -> list[UUID]:
    """The six cases of the table, projected (with `step`, after every command)."""
    app = container.app
    projector = Projector(ViewsProjection(container.views, app))
    app.register_team("team-a", "Team A", TeamKind.AREA, [], None, ADMIN)
    app.register_team("regie", "Regie", TeamKind.REGIE, [], None, ADMIN)
    schema = SubmissionSchema(app.area_index())
    ids = []
    for buurt, challenge, (month, day), steps in CASES:
        result = app.submit(
            schema.load_submission(submission(location={"area_code": buurt})), at=at(month, day, 9)
        )
        candidates = ({"rule": "r", "challenge_code": challenge},) if challenge else ()
        decision = RoutingDecision(
            "team-a", (), "r", "2026-1", "v1", 5, "regel", candidates=candidates
        )
        app.act(result.initiative_id, Route(decision=decision), actor=ROUTER, at=at(month, day, 9))
        for (step_month, step_day), command in steps:
            if step:
                catch_up(projector)
            actor = ADMIN if isinstance(command, Withdraw) else A
            app.act(result.initiative_id, command, actor=actor, at=at(step_month, step_day))
        ids.append(result.initiative_id)
    catch_up(projector)
    return ids


@pytest.mark.parametrize("step", [False, True], ids=["at-once", "event-by-event"])
def test_stacked_challenges_equal_the_hand_computed_table(container: Container, step: bool) -> None:
    build(container, step=step)
    found = queries.stacked_challenges(
        container.views, "WK000101", LANDING, order=["armoede"], now=NOW
    )
    assert [(c.code, c.rank, c.open, c.overdue, c.oldest_days, c.total) for c in found] == [
        ("armoede", 1, 1, 0, 28.1, 2),
        ("warmte", None, 3, 2, 119.1, 3),
    ]
    west = queries.stacked_challenges(container.views, WEST, LANDING, now=NOW)
    assert [(c.code, c.open, c.total) for c in west] == [("warmte", 2, 2), ("armoede", 0, 1)]


@pytest.mark.parametrize("step", [False, True], ids=["at-once", "event-by-event"])
def test_the_matrix_equals_the_hand_computed_table(container: Container, step: bool) -> None:
    build(container, step=step)
    found = queries.stacking_matrix(
        container.views,
        [(WEST, "West"), (OOST, "Oost")],
        [("armoede", "Armoede"), ("warmte", "Warmte")],
        {WEST: ["warmte"], OOST: ["warmte", "armoede"]},
    )
    cells = {key: (cell.lands, cell.open, cell.band) for key, cell in found.cells.items()}
    assert cells == {
        (WEST, "armoede"): (False, 0, "none"),
        (WEST, "warmte"): (True, 2, "low"),
        (OOST, "armoede"): (True, 1, "low"),
        (OOST, "warmte"): (True, 1, "low"),
    }
    assert [found.stacked(WEST), found.stacked(OOST)] == [1, 2]


def test_load_bands() -> None:
    assert [queries.stacking.band(n) for n in (0, 1, 2, 3, 5, 6, 60)] == [
        "none",
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]


@pytest.mark.parametrize("step", [False, True], ids=["at-once", "event-by-event"])
def test_the_area_overview_equals_the_hand_computed_table(container: Container, step: bool) -> None:
    """WK000101 holds all six: open #1 #2 #3 #4 #6; #5 withdrawn. In progress #1 #6, routed #2
    #3, decided #4. Overdue at NOW: #1 and #2 (#6's decision is due in July). The one decision,
    #4: 4 May 09:00 → 6 May 10:00 = 2.04 days. Every case has the theme groen. Westbuurt holds
    #1 #2 #6 open, Oostbuurt #3 #4. Warmte's focus is the Westbuurt, armoede's the wijk: both
    land in the wijk (warmte open #1 #2 #3, armoede #4), only warmte in the Westbuurt (#1 #2)."""
    build(container, step=step)
    challenges = [
        queries.ChallengeInfo("armoede", "Armoede", "team-a", ("WK000101",)),
        queries.ChallengeInfo("warmte", "Warmte", "team-a", (WEST,)),
    ]
    chains = {"WK000101": ("WK000101", "GM0001"), WEST: (WEST, "WK000101", "GM0001")}
    wijk = queries.area_overview(
        container.views,
        "WK000101",
        children=[WEST, OOST],
        challenges=challenges,
        area_chains=chains,
        now=NOW,
    )
    assert (wijk.total, wijk.open, wijk.overdue, wijk.supporters) == (6, 5, 2, 0)
    assert wijk.by_status == {"decided": 1, "in_progress": 2, "routed": 2, "withdrawn": 1}
    assert wijk.by_theme == {"groen": 6}
    assert wijk.median_days_to_decision == 2.0
    assert wijk.sub_areas == {WEST: 3, OOST: 2}
    assert [(c.code, c.open_work) for c in wijk.challenges] == [("warmte", 3), ("armoede", 1)]
    west = queries.area_overview(
        container.views, WEST, challenges=challenges, area_chains=chains, now=NOW
    )
    assert (west.total, west.open, west.overdue, west.median_days_to_decision) == (4, 3, 2, None)
    assert west.by_status == {"in_progress": 2, "routed": 1, "withdrawn": 1}
    assert [(c.code, c.open_work) for c in west.challenges] == [("warmte", 2)]
    assert queries.open_counts(container.views, [WEST, OOST, "WK000101", "BU99"]) == {
        WEST: 3,
        OOST: 2,
        "WK000101": 5,
        "BU99": 0,
    }


@pytest.mark.parametrize("step", [False, True], ids=["at-once", "event-by-event"])
def test_the_challenge_overview_equals_the_hand_computed_table(
    container: Container, step: bool
) -> None:
    """Warmte: #1 in progress, #2 #3 routed, all open, none decided; West #1 #2, Oost #3.
    Armoede: #4 decided (2.04 days, open), #5 withdrawn; #4 lies in the Oostbuurt. #6 has no
    challenge and counts for neither."""
    build(container, step=step)
    warmte = queries.challenge_overview(container.views, "warmte")
    assert (warmte.total, warmte.open, warmte.median_days_to_decision) == (3, 3, None)
    assert warmte.by_status == {"in_progress": 1, "routed": 2}
    assert warmte.by_area == {"GM0001": 3, "WK000101": 3, WEST: 2, OOST: 1}
    armoede = queries.challenge_overview(container.views, "armoede", areas_of_interest=[WEST, OOST])
    assert (armoede.total, armoede.open, armoede.median_days_to_decision) == (2, 1, 2.0)
    assert armoede.by_status == {"decided": 1, "withdrawn": 1}
    assert armoede.by_area == {OOST: 1}
    assert queries.challenge_overview(container.views, "geen").total == 0


def test_the_queue_sorted_by_regie_s_order_follows_the_hand_computed_table(
    container: Container,
) -> None:
    """Regie's orders: the wijk [armoede, warmte]; the Oostbuurt [warmte] (nearest first, so
    the Oostbuurt's order counts for its initiatives). Team A's open work and its rank:
    #3 Oost warmte → 1; #1 West warmte (2 Feb) → 2 by the wijk; #2 West warmte (25 May) → 2;
    #6 West, no challenge (1 May) → unranked; #4 Oost armoede (4 May) → unranked, the Oostbuurt's
    order leaves it out. Equal ranks go by submission."""
    ids = build(container)
    orders = [(OOST, ["warmte"]), ("WK000101", ["armoede", "warmte"])]
    expected = [ids[2], ids[0], ids[1], ids[5], ids[3]]
    whole = queries.team_queue(container.views, "team-a", sort="challenge_order", orders=orders)
    assert [i.initiative_id for i in whole.items] == [str(i) for i in expected]
    pages, after = [], None
    for _ in range(4):  # two at a time: the cursor carries the rank
        page = queries.team_queue(
            container.views, "team-a", sort="challenge_order", orders=orders, limit=2, after=after
        )
        pages.append([i.initiative_id for i in page.items])
        after = page.next_cursor
        if after is None:
            break
    assert pages == [[str(i) for i in expected[k : k + 2]] for k in (0, 2, 4)]
    # Without any order every rank is equal: the submission order.
    plain = queries.team_queue(container.views, "team-a", sort="challenge_order")
    assert [i.initiative_id for i in plain.items] == [str(ids[k]) for k in (0, 5, 3, 1, 2)]
    # An area code is matched whole, not as a pattern: "WK0001_1" is no wijk here.
    odd = queries.team_queue(
        container.views, "team-a", sort="challenge_order", orders=[("WK0001_1", ["warmte"])]
    )
    assert [i.initiative_id for i in odd.items] == [str(ids[k]) for k in (0, 5, 3, 1, 2)]
