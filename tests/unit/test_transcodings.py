"""Every domain value survives the trip through the event store's JSON transcoder."""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder

from participatie.domain.areas import Area
from participatie.domain.values import (
    Actor,
    AreaLevel,
    Location,
    Role,
    RoutingDecision,
    SealedPersonalData,
)
from participatie.infra.transcodings import ENUMS, register_all
from tests.conftest import small_map, square


@pytest.fixture
def transcoder() -> JSONTranscoder:
    result = JSONTranscoder()
    register_all(result)
    return result


def round_trip(transcoder: JSONTranscoder, value: Any) -> Any:
    return transcoder.decode(transcoder.encode(value))


MEMBERS = [member for enum_class in ENUMS.values() for member in enum_class]


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_every_enum_member_round_trips_as_itself(transcoder: JSONTranscoder, member: Enum) -> None:
    assert round_trip(transcoder, member) is member


@pytest.mark.parametrize(("name", "enum_class"), list(ENUMS.items()))
def test_enum_is_stored_as_its_value_under_a_stable_name(
    transcoder: JSONTranscoder, name: str, enum_class: type[Enum]
) -> None:
    member = next(iter(enum_class))
    assert json.loads(transcoder.encode(member)) == {"_type_": name, "_data_": member.value}


def test_date_round_trips_and_is_stored_as_iso(transcoder: JSONTranscoder) -> None:
    day = date(2026, 2, 28)
    assert transcoder.encode(day) == b'{"_type_":"date_iso","_data_":"2026-02-28"}'
    assert round_trip(transcoder, day) == day


@pytest.mark.parametrize(
    "data", [b"", b"\x00\xff\x10", bytes(range(256))], ids=["empty", "three", "every-byte"]
)
def test_bytes_round_trip(transcoder: JSONTranscoder, data: bytes) -> None:
    assert round_trip(transcoder, data) == data


@pytest.mark.parametrize(
    "actor", [Actor("u-noord", Role.AREA_MANAGER, "gebiedsteam-noord"), Actor.system("router")]
)
def test_actor_round_trips(transcoder: JSONTranscoder, actor: Actor) -> None:
    decoded = round_trip(transcoder, actor)
    assert decoded == actor
    assert decoded.role is actor.role


@pytest.mark.parametrize(
    "location",
    [Location("BU00010101", 52.084964, 5.104045, "v1"), Location("WK000101")],
    ids=["point", "code-only"],
)
def test_location_round_trips(transcoder: JSONTranscoder, location: Location) -> None:
    decoded = round_trip(transcoder, location)
    assert decoded == location
    assert decoded.is_point is location.is_point


def test_area_round_trips(transcoder: JSONTranscoder) -> None:
    area = Area("BU00010101", "Westbuurt", AreaLevel.NEIGHBOURHOOD, "WK000101", square(0, 0, 1, 1))
    decoded = round_trip(transcoder, area)
    assert decoded == area
    assert decoded.level is AreaLevel.NEIGHBOURHOOD


def test_routing_decision_round_trips_with_involved_teams_as_a_tuple(
    transcoder: JSONTranscoder,
) -> None:
    decision = RoutingDecision(
        lead_team="gebiedsteam-noord",
        involved_teams=("lijn-groen", "opgave-klimaat"),
        rule_id="wijk-noord",
        rulebook_version="2026-1",
        map_version="v1",
        acceptance_days=5,
        explanation="wijkregel Noord",
    )
    decoded = round_trip(transcoder, decision)
    assert decoded == decision
    assert isinstance(decoded.involved_teams, tuple)


def test_routing_decision_without_rule_or_involved_teams_round_trips(
    transcoder: JSONTranscoder,
) -> None:
    decision = RoutingDecision("regie", (), None, None, None, 10, "geen regel")
    assert round_trip(transcoder, decision) == decision


def test_sealed_personal_data_round_trips(transcoder: JSONTranscoder) -> None:
    sealed = SealedPersonalData(uuid4(), os.urandom(48))
    decoded = round_trip(transcoder, sealed)
    assert decoded == sealed
    assert isinstance(decoded.subject_id, UUID)


def test_sealed_ciphertext_is_stored_as_base64_not_as_raw_bytes(
    transcoder: JSONTranscoder,
) -> None:
    ciphertext = bytes(range(128, 256)) + os.urandom(32)
    sealed = SealedPersonalData(uuid4(), ciphertext)
    encoded = transcoder.encode(sealed)
    assert ciphertext.decode("latin-1").encode("utf-8") not in encoded
    assert ciphertext not in encoded
    assert base64.b64encode(ciphertext) in encoded
    assert json.loads(encoded)["_data_"]["subject_id"] == sealed.subject_id.hex


def test_dict_holding_a_list_of_areas_round_trips(transcoder: JSONTranscoder) -> None:
    value = {"label": "v1", "areas": small_map(), "imported": date(2026, 1, 5)}
    decoded = round_trip(transcoder, value)
    assert decoded == value
    assert all(isinstance(a, Area) for a in decoded["areas"])


def test_event_like_payload_with_every_value_nested_round_trips(
    transcoder: JSONTranscoder,
) -> None:
    payload = {
        "actor": Actor("u-regie", Role.REGIE, "regie"),
        "location": Location("BU00010101", 0.5, 0.5, "v1"),
        "initiator": SealedPersonalData(uuid4(), b"\x01\x02"),
        "history": [[date(2026, 1, 1), AreaLevel.DISTRICT]],
    }
    assert round_trip(transcoder, payload) == payload
