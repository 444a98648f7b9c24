"""The domain's small values (domain/values.py), with hand-written answers."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest

from participatie.domain.values import (
    PERSONAL_FIELDS,
    Actor,
    Location,
    Role,
    RoutingDecision,
    SealedPersonalData,
)

SUBJECT = UUID("12345678-1234-4234-8234-123456789abc")


def test_who_acted() -> None:
    assert Actor.system("router") == Actor("system:router", Role.SYSTEM, None)
    assert Actor.initiator(SUBJECT) == Actor(
        "subject:12345678123442348234123456789abc", Role.INITIATOR, None
    )


@pytest.mark.parametrize(
    ("lat", "lon", "is_point"),
    [
        (52.1, 5.1, True),
        (0.0, 0.0, True),
        (None, 5.1, False),
        (52.1, None, False),
        (None, None, False),
    ],
)
def test_a_location_is_a_point_only_with_both_coordinates(
    lat: float | None, lon: float | None, is_point: bool
) -> None:
    assert Location("BU00010101", lat, lon, "v1").is_point is is_point


def test_values_are_frozen() -> None:
    decision = RoutingDecision("noord", (), "r1", "2026-1", "v1", 5, "uitleg")
    for value in (
        Actor.system("router"),
        Location("BU00010101"),
        SealedPersonalData(SUBJECT, b"x"),
        decision,
    ):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


def test_two_decisions_differ_when_only_their_facts_do() -> None:
    def decided(facts: dict[str, str]) -> RoutingDecision:
        return RoutingDecision("noord", (), "r1", "2026-1", "v1", 5, "uitleg", facts=facts)

    assert decided({"area_code": "BU01"}) == decided({"area_code": "BU01"})
    assert decided({"area_code": "BU01"}) != decided({"area_code": "BU02"})


def test_the_personal_fields_sealed_per_person() -> None:
    assert PERSONAL_FIELDS == (
        "name",
        "email",
        "phone",
        "address",
        "kvk_number",
        "organisation_name",
    )
