"""Who may open area pages, draft, adopt and link: the rules by hand, role by role."""

from __future__ import annotations

import pytest

from participatie.domain.values import Role
from participatie.staff.access import (
    INVOLVED,
    LEAD,
    OTHER,
    adopts_agenda,
    drafts_agenda,
    links_to_agenda,
    sees_area,
    sets_capacity,
)

CHAIN = ["BU99990202", "WK999902", "GM9999"]  # a buurt, its wijk, the municipality


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.AREA_MANAGER, True),
        (Role.TEAM_MEMBER, True),
        (Role.REGIE, True),
        (Role.LINE_DEPARTMENT, True),
        (Role.AUDITOR, True),
        (Role.ADMIN, False),
        (Role.INITIATOR, False),
        (Role.SUPPORTER, False),
        (Role.SYSTEM, False),
    ],
)
def test_who_sees_the_area_pages(role: Role, sees: bool) -> None:
    assert sees_area(role) is sees


@pytest.mark.parametrize(
    ("role", "owned", "drafts"),
    [
        (Role.REGIE, [], True),
        (Role.AREA_MANAGER, ["WK999902"], True),  # owns the wijk the agenda is of
        (Role.AREA_MANAGER, ["GM9999"], True),  # owns everything above it
        (Role.AREA_MANAGER, ["WK999901"], False),  # another wijk
        (Role.AREA_MANAGER, [], False),
        (Role.TEAM_MEMBER, ["WK999902"], False),  # prepares, does not draft
        (Role.LINE_DEPARTMENT, ["WK999902"], False),
        (Role.AUDITOR, ["WK999902"], False),
        (Role.ADMIN, ["WK999902"], False),
    ],
)
def test_who_drafts_an_agenda(role: Role, owned: list[str], drafts: bool) -> None:
    assert drafts_agenda(role, owned, CHAIN) is drafts


@pytest.mark.parametrize(
    ("role", "adopters", "adopts"),
    [
        (Role.REGIE, ["regie"], True),
        (Role.AREA_MANAGER, ["regie"], False),
        (Role.AREA_MANAGER, ["regie", "area_manager"], True),
        (Role.ADMIN, ["regie"], False),
        (Role.REGIE, ["area_manager"], False),
    ],
)
def test_who_adopts_follows_the_setting(role: Role, adopters: list[str], adopts: bool) -> None:
    assert adopts_agenda(role, adopters) is adopts


@pytest.mark.parametrize(
    ("role", "rel", "drafts", "links"),
    [
        (Role.AREA_MANAGER, LEAD, False, True),
        (Role.AREA_MANAGER, INVOLVED, False, True),
        (Role.AREA_MANAGER, OTHER, False, False),
        (Role.AREA_MANAGER, OTHER, True, True),
        (Role.LINE_DEPARTMENT, LEAD, False, True),
        (Role.REGIE, OTHER, True, True),
        (Role.TEAM_MEMBER, LEAD, False, False),
        (Role.AUDITOR, LEAD, False, False),
    ],
)
def test_who_links_initiatives(role: Role, rel: str, drafts: bool, links: bool) -> None:
    assert links_to_agenda(role, rel, drafts) is links


@pytest.mark.parametrize(
    ("role", "adopters", "own_team", "sets"),
    [
        (Role.REGIE, ["regie"], False, True),  # regie, for any team
        (Role.AREA_MANAGER, ["regie"], True, True),  # a manager, for their own team
        (Role.AREA_MANAGER, ["regie"], False, False),
        (Role.AREA_MANAGER, ["regie", "area_manager"], False, True),  # an adopter role
        (Role.TEAM_MEMBER, ["regie"], True, False),
        (Role.LINE_DEPARTMENT, ["regie"], True, True),  # a line department's manager
        (Role.LINE_DEPARTMENT, ["regie"], False, False),
        (Role.AUDITOR, ["regie"], False, False),
        (Role.ADMIN, ["regie"], False, False),
    ],
)
def test_who_records_a_team_s_capacity(
    role: Role, adopters: list[str], own_team: bool, sets: bool
) -> None:
    assert sets_capacity(role, adopters, own_team) is sets
