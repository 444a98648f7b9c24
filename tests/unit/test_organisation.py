"""Teams, challenges and the directory (domain/organisation.py), with hand-written answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, uuid5

import pytest

from participatie.domain.organisation import Challenge, Directory, Team
from participatie.domain.values import Actor, Role, TeamKind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
ADMIN = Actor("u-admin", Role.ADMIN)


def team() -> Team:
    found: Team = Team._create(
        Team.Registered,
        id=Team.create_id("noord"),
        code="noord",
        name="Gebiedsteam Noord",
        kind=TeamKind.AREA,
        areas=["WK001"],
        email="noord@gemeente.example",
        actor=ADMIN,
        timestamp=T0,
    )
    found.collect_events()
    return found


def challenge() -> Challenge:
    found: Challenge = Challenge._create(
        Challenge.Defined,
        id=Challenge.create_id("energie"),
        code="energie",
        name="Energietransitie",
        themes=["energie"],
        team="opgaveteam-energie",
        focus_areas=["WK001"],
        actor=ADMIN,
        timestamp=T0,
    )
    found.collect_events()
    return found


def test_ids_are_derived_from_the_code_and_kind() -> None:
    assert Team.create_id("noord") == uuid5(NAMESPACE_URL, "participatie:team:noord")
    assert Challenge.create_id("noord") == uuid5(NAMESPACE_URL, "participatie:challenge:noord")
    assert Directory.create_id() == uuid5(NAMESPACE_URL, "participatie:directory")


def test_a_team_change_records_only_a_difference() -> None:
    found = team()
    assert (
        found.change("Gebiedsteam Noord", ["WK001"], "noord@gemeente.example", ADMIN, T1) is False
    )
    assert found.collect_events() == []
    assert found.change("Team Noord", ["WK001", "WK002"], None, ADMIN, T1) is True
    (event,) = found.collect_events()
    assert isinstance(event, Team.Changed)
    assert (event.name, event.areas, event.email, event.actor, event.timestamp) == (
        "Team Noord",
        ["WK001", "WK002"],
        None,
        ADMIN,
        T1,
    )
    assert (found.name, found.areas, found.email) == ("Team Noord", ["WK001", "WK002"], None)
    assert (found.code, found.kind) == ("noord", TeamKind.AREA)  # never change


@pytest.mark.parametrize(
    ("name", "areas", "email"),
    [
        ("Team Noord", ["WK001"], "noord@gemeente.example"),
        ("Gebiedsteam Noord", ["WK002"], "noord@gemeente.example"),
        ("Gebiedsteam Noord", [], "noord@gemeente.example"),
        ("Gebiedsteam Noord", ["WK001"], None),
    ],
)
def test_any_one_team_field_is_a_change(name: str, areas: list[str], email: str | None) -> None:
    found = team()
    assert found.change(name, areas, email, ADMIN, T1) is True
    assert len(found.collect_events()) == 1


def test_a_challenge_change_records_only_a_difference() -> None:
    found = challenge()
    same = ("Energietransitie", ["energie"], "opgaveteam-energie", ["WK001"])
    assert found.change(*same, ADMIN, T1) is False
    assert found.collect_events() == []
    assert found.change("Warmte", ["energie", "wonen"], "opgaveteam-warmte", [], ADMIN, T1)
    (event,) = found.collect_events()
    assert isinstance(event, Challenge.Changed)
    assert (event.name, event.themes, event.team, event.focus_areas, event.actor) == (
        "Warmte",
        ["energie", "wonen"],
        "opgaveteam-warmte",
        [],
        ADMIN,
    )
    assert event.timestamp == T1
    assert (found.name, found.themes, found.team, found.focus_areas) == (
        "Warmte",
        ["energie", "wonen"],
        "opgaveteam-warmte",
        [],
    )
    assert found.code == "energie"


@pytest.mark.parametrize(
    ("name", "themes", "owner", "focus"),
    [
        ("Warmte", ["energie"], "opgaveteam-energie", ["WK001"]),
        ("Energietransitie", ["wonen"], "opgaveteam-energie", ["WK001"]),
        ("Energietransitie", ["energie"], "opgaveteam-ander", ["WK001"]),
        ("Energietransitie", ["energie"], "opgaveteam-energie", ["WK002"]),
    ],
)
def test_any_one_challenge_field_is_a_change(
    name: str, themes: list[str], owner: str, focus: list[str]
) -> None:
    found = challenge()
    assert found.change(name, themes, owner, focus, ADMIN, T1) is True
    assert len(found.collect_events()) == 1


def test_the_directory_lists_each_code_once_per_kind() -> None:
    directory: Directory = Directory._create(Directory.Created, id=Directory.create_id())
    directory.collect_events()
    directory.list_team("noord", T0)
    directory.list_team("noord", T1)
    directory.list_challenge("noord", T0)  # a challenge may share a team's code
    directory.list_challenge("energie", T1)
    directory.list_challenge("energie", T1)
    directory.list_team("zuid", T1)
    assert directory.teams == ["noord", "zuid"]
    assert directory.challenges == ["noord", "energie"]
    listed = [(e.kind, e.code) for e in directory.collect_events()]  # type: ignore[attr-defined]
    assert listed == [
        ("team", "noord"),
        ("challenge", "noord"),
        ("challenge", "energie"),
        ("team", "zuid"),
    ]
