"""A team's capacity as events on Team (domain/organisation.py), with hand-written answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from participatie.domain.errors import CapacityOutOfRange, NoCapacity, ReasonRequired
from participatie.domain.organisation import Capacity, CapacityRecord, Team
from participatie.domain.values import Actor, Role, TeamKind
from participatie.views.model import OPEN_STATUSES
from participatie.views.queries import LOAD_WEIGHTS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=30)
REGIE = Actor("u-regie", Role.REGIE, "regie")
ADMIN = Actor("u-admin", Role.ADMIN)


def team() -> Team:
    found: Team = Team._create(
        Team.Registered,
        id=Team.create_id("noord"),
        code="noord",
        name="Gebiedsteam Noord",
        kind=TeamKind.AREA,
        areas=["WK001"],
        email=None,
        actor=ADMIN,
        timestamp=T0,
    )
    found.collect_events()
    return found


def test_a_registered_team_has_no_capacity_yet() -> None:
    found = team()
    assert found.capacity is None
    assert found.capacity_history == []


def test_setting_a_capacity_records_who_when_and_why() -> None:
    found = team()
    assert found.set_capacity(6, 24, "  Twee mensen, drie dagen per week. ", REGIE, T1) is True
    (event,) = found.collect_events()
    assert isinstance(event, Team.CapacitySet)
    assert (event.cases, event.hours_per_week, event.reason, event.actor, event.timestamp) == (
        6,
        24,
        "Twee mensen, drie dagen per week.",
        REGIE,
        T1,
    )
    assert found.capacity == Capacity(6, 24)
    assert found.capacity_history == [
        CapacityRecord(Capacity(6, 24), T1, "u-regie", "Twee mensen, drie dagen per week.")
    ]


def test_the_history_keeps_every_capacity_in_order() -> None:
    found = team()
    found.set_capacity(6, None, "Start.", REGIE, T1)
    found.set_capacity(None, 16, "Alleen nog uren.", ADMIN, T2)
    assert found.capacity == Capacity(None, 16)
    assert found.capacity_history == [
        CapacityRecord(Capacity(6, None), T1, "u-regie", "Start."),
        CapacityRecord(Capacity(None, 16), T2, "u-admin", "Alleen nog uren."),
    ]


def test_an_unchanged_capacity_records_nothing_whatever_the_reason() -> None:
    found = team()
    found.set_capacity(6, None, "Start.", REGIE, T1)
    found.collect_events()
    assert found.set_capacity(6, None, "Nog eens, met een andere reden.", ADMIN, T2) is False
    assert found.collect_events() == []
    assert len(found.capacity_history) == 1


@pytest.mark.parametrize(
    ("cases", "hours"),
    [(0, None), (None, 0), (10_000, None), (None, 10_000), (10_000, 10_000), (0, 0)],
)
def test_the_edges_of_the_range_are_capacities(cases: int | None, hours: int | None) -> None:
    found = team()
    assert found.set_capacity(cases, hours, "Rand.", REGIE, T1) is True
    assert found.capacity == Capacity(cases, hours)


@pytest.mark.parametrize(
    ("cases", "hours", "field"),
    [
        (-1, None, "cases"),
        (10_001, None, "cases"),
        (None, -1, "hours_per_week"),
        (None, 10_001, "hours_per_week"),
        (5, -3, "hours_per_week"),
        (True, None, "cases"),  # a bool is an int to Python, not to a person
        (2.5, None, "cases"),
        ("6", None, "cases"),
        (None, 7.0, "hours_per_week"),
    ],
)
def test_a_capacity_out_of_range_is_refused_naming_its_field(
    cases: object, hours: object, field: str
) -> None:
    found = team()
    with pytest.raises(CapacityOutOfRange) as refused:
        found.set_capacity(cases, hours, "Reden.", REGIE, T1)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert refused.value.maximum == 10_000
    assert found.collect_events() == []
    assert found.capacity is None


def test_neither_cases_nor_hours_is_refused() -> None:
    found = team()
    with pytest.raises(NoCapacity) as refused:
        found.set_capacity(None, None, "Reden.", REGIE, T1)
    assert refused.value.field == "cases"
    assert found.collect_events() == []


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_capacity_needs_a_reason(reason: str) -> None:
    found = team()
    with pytest.raises(ReasonRequired):
        found.set_capacity(6, None, reason, REGIE, T1)
    assert found.collect_events() == []


@pytest.mark.parametrize(
    ("cases", "hours", "hours_per_case", "expected"),
    [
        (6, None, 4, 6.0),
        (6, 24, 4, 6.0),  # the cases a team gives win over its hours
        (0, 40, 4, 0.0),
        (None, 20, 4, 5.0),
        (None, 10, 4, 2.5),
        (None, 10, 3, 3.33),
        (None, 0, 4, 0.0),
    ],
)
def test_a_capacity_in_cases(
    cases: int | None, hours: int | None, hours_per_case: int, expected: float
) -> None:
    assert Capacity(cases, hours).in_cases(hours_per_case) == expected


def test_the_load_weights_are_the_documented_table() -> None:
    assert LOAD_WEIGHTS == {
        "routed": 0.5,
        "in_progress": 1.0,
        "waiting_for_initiator": 0.5,
        "decided": 0.5,
        "in_execution": 1.0,
    }
    # Every open status a team can lead in has a weight (submitted work has no team yet).
    assert set(LOAD_WEIGHTS) == set(OPEN_STATUSES) - {"submitted"}
