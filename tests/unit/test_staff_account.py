"""The StaffAccount aggregate: what it records and refuses, written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, uuid5

import pytest

from participatie.domain.errors import InvariantViolation
from participatie.domain.staff import (
    STAFF_ROLES,
    TEAM_ROLES,
    StaffAccount,
    check_account,
    normal_username,
)
from participatie.domain.values import Actor, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)


def account(role: Role = Role.AREA_MANAGER, teams: tuple[str, ...] = ("noord",)) -> StaffAccount:
    found = StaffAccount.register(
        "  Anna.de-Vries_2 ",
        " Anna de Vries ",
        " anna@gemeente.example ",
        role,
        list(teams),
        ADMIN,
        T0,
    )
    found.collect_events()
    return found


def test_register_normalises_and_records_who_did_it() -> None:
    found = StaffAccount.register(
        "  Anna.de-Vries_2 ",
        " Anna de Vries ",
        " anna@gemeente.example ",
        Role.AREA_MANAGER,
        ["noord"],
        ADMIN,
        T0,
    )
    (event,) = found.collect_events()
    assert isinstance(event, StaffAccount.Registered)
    assert (event.username, event.name, event.email) == (
        "anna.de-vries_2",
        "Anna de Vries",
        "anna@gemeente.example",
    )
    assert (event.role, event.teams, event.actor, event.timestamp) == (
        Role.AREA_MANAGER,
        ["noord"],
        ADMIN,
        T0,
    )
    assert found.id == uuid5(NAMESPACE_URL, "participatie:staff:anna.de-vries_2")
    assert StaffAccount.create_id(" ANNA.de-vries_2") == found.id
    assert (found.active, found.grant, found.teams) == (True, None, ["noord"])


def test_an_empty_email_is_none() -> None:
    found = StaffAccount.register("piet", "Piet", "   ", Role.AUDITOR, [], ADMIN, T0)
    assert found.email is None
    assert StaffAccount.register("kees", "Kees", None, Role.ADMIN, [], ADMIN, T0).email is None


def test_the_role_tables() -> None:
    assert STAFF_ROLES == (
        Role.AREA_MANAGER,
        Role.TEAM_MEMBER,
        Role.REGIE,
        Role.LINE_DEPARTMENT,
        Role.AUDITOR,
        Role.ADMIN,
    )
    assert {Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.REGIE, Role.LINE_DEPARTMENT} == TEAM_ROLES
    assert normal_username("  MiXed.Case ") == "mixed.case"


# (username, name, role, teams) -> the field refused, or None when accepted
CHECKS = [
    ("anna", "Anna", Role.AREA_MANAGER, ["noord"], None),
    ("a.b-c_d9", "Anna", Role.TEAM_MEMBER, ["noord"], None),
    ("anna", "Anna", Role.REGIE, ["regie"], None),
    ("anna", "Anna", Role.LINE_DEPARTMENT, ["groen"], None),
    ("anna", "Anna", Role.AUDITOR, [], None),
    ("anna", "Anna", Role.ADMIN, [], None),
    ("", "Anna", Role.ADMIN, [], "username"),
    ("an na", "Anna", Role.ADMIN, [], "username"),
    ("anna@x", "Anna", Role.ADMIN, [], "username"),
    ("anna", "", Role.ADMIN, [], "name"),
    ("anna", "   ", Role.ADMIN, [], "name"),
    ("anna", "Anna", Role.INITIATOR, [], "role"),
    ("anna", "Anna", Role.AREA_MANAGER, [], "teams"),
    ("anna", "Anna", Role.TEAM_MEMBER, [], "teams"),
    ("anna", "Anna", Role.REGIE, [], "teams"),
    ("anna", "Anna", Role.LINE_DEPARTMENT, [], "teams"),
    ("anna", "Anna", Role.AUDITOR, ["noord"], "teams"),
    ("anna", "Anna", Role.ADMIN, ["noord"], "teams"),
]


@pytest.mark.parametrize(("username", "name", "role", "teams", "refused"), CHECKS)
def test_check_account(
    username: str, name: str, role: Role, teams: list[str], refused: str | None
) -> None:
    if refused is None:
        check_account(username, name, role, teams)
        return
    with pytest.raises(InvariantViolation) as caught:
        check_account(username, name, role, teams)
    assert caught.value.field == refused


def test_register_refuses_a_bad_account() -> None:
    with pytest.raises(InvariantViolation):
        StaffAccount.register("anna", "Anna", None, Role.ADMIN, ["noord"], ADMIN, T0)


def test_change_records_only_a_difference() -> None:
    found = account()
    assert (
        found.change(
            "Anna de Vries", "anna@gemeente.example", Role.AREA_MANAGER, ["noord"], ADMIN, T0
        )
        is False
    )
    assert (
        found.change(
            " Anna de Vries ", " anna@gemeente.example ", Role.AREA_MANAGER, ["noord"], ADMIN, T0
        )
        is False
    )
    assert found.collect_events() == []
    later = T0 + timedelta(days=1)
    assert found.change(" Anna Jansen ", "  ", Role.TEAM_MEMBER, ["noord", "zuid"], ADMIN, later)
    (event,) = found.collect_events()
    assert isinstance(event, StaffAccount.Changed)
    assert (event.name, event.email, event.role, event.teams, event.actor, event.timestamp) == (
        "Anna Jansen",
        None,
        Role.TEAM_MEMBER,
        ["noord", "zuid"],
        ADMIN,
        later,
    )
    assert (found.name, found.email, found.role, found.teams) == (
        "Anna Jansen",
        None,
        Role.TEAM_MEMBER,
        ["noord", "zuid"],
    )


@pytest.mark.parametrize(
    ("name", "email", "role", "teams"),
    [
        ("Anna Jansen", "anna@gemeente.example", Role.AREA_MANAGER, ["noord"]),
        ("Anna de Vries", "ander@gemeente.example", Role.AREA_MANAGER, ["noord"]),
        ("Anna de Vries", "anna@gemeente.example", Role.TEAM_MEMBER, ["noord"]),
        ("Anna de Vries", "anna@gemeente.example", Role.AREA_MANAGER, ["zuid"]),
    ],
)
def test_any_one_field_is_a_change(name: str, email: str, role: Role, teams: list[str]) -> None:
    found = account()
    assert found.change(name, email, role, teams, ADMIN, T0) is True
    assert len(found.collect_events()) == 1


def test_change_refuses_a_bad_account_and_records_nothing() -> None:
    found = account()
    with pytest.raises(InvariantViolation) as caught:
        found.change("Anna", None, Role.AUDITOR, ["noord"], ADMIN, T0)
    assert caught.value.field == "teams"
    assert found.collect_events() == []


def test_deactivate_and_reactivate_need_a_reason_and_the_right_state() -> None:
    found = account()
    for reason in ("", "   "):
        with pytest.raises(InvariantViolation) as caught:
            found.deactivate(ADMIN, T0, reason)
        assert caught.value.field == "reason"
    with pytest.raises(InvariantViolation) as caught:
        found.reactivate(ADMIN, T0, "terug")
    assert caught.value.field == "active"
    found.deactivate(ADMIN, T0, "  uit dienst ")
    assert found.active is False
    with pytest.raises(InvariantViolation) as caught:
        found.deactivate(ADMIN, T0, "nogmaals")
    assert caught.value.field == "active"
    with pytest.raises(InvariantViolation) as caught:
        found.reactivate(ADMIN, T0, " ")
    assert caught.value.field == "reason"
    found.reactivate(ADMIN, T0, " terug in dienst")
    assert found.active is True
    off, on = found.collect_events()
    assert isinstance(off, StaffAccount.Deactivated) and off.reason == "uit dienst"
    assert isinstance(on, StaffAccount.Reactivated) and on.reason == "terug in dienst"
    assert off.actor == on.actor == ADMIN


def test_a_grant_for_personal_data_is_for_auditors_with_a_purpose_until_a_moment() -> None:
    auditor = account(Role.AUDITOR, ())
    until = T0 + timedelta(days=7)
    with pytest.raises(InvariantViolation) as caught:
        account().grant_personal_data(ADMIN, T0, "onderzoek", until)
    assert caught.value.field == "role"
    with pytest.raises(InvariantViolation) as caught:
        auditor.grant_personal_data(ADMIN, T0, "  ", until)
    assert caught.value.field == "purpose"
    for past in (T0, T0 - timedelta(seconds=1)):
        with pytest.raises(InvariantViolation) as caught:
            auditor.grant_personal_data(ADMIN, T0, "onderzoek", past)
        assert caught.value.field == "until"
    with pytest.raises(InvariantViolation) as caught:
        auditor.revoke_grant(ADMIN, T0)
    assert caught.value.field == "grant"
    assert auditor.collect_events() == []

    auditor.grant_personal_data(ADMIN, T0, " klacht 12 ", until)
    (granted,) = auditor.collect_events()
    assert isinstance(granted, StaffAccount.PersonalDataGranted)
    assert (granted.purpose, granted.until, granted.actor) == ("klacht 12", until, ADMIN)
    assert auditor.grant_purpose(T0) == "klacht 12"
    assert auditor.grant_purpose(until - timedelta(seconds=1)) == "klacht 12"
    assert auditor.grant_purpose(until) is None  # ends at the moment, not after it
    auditor.revoke_grant(ADMIN, T0)
    assert auditor.grant is None and auditor.grant_purpose(T0) is None
    (revoked,) = auditor.collect_events()
    assert isinstance(revoked, StaffAccount.GrantRevoked) and revoked.actor == ADMIN


def test_a_password_set_is_recorded_as_a_fact() -> None:
    found = account()
    found.password_set(ADMIN, T0)
    (event,) = found.collect_events()
    assert isinstance(event, StaffAccount.PasswordSet)
    assert (event.actor, event.timestamp) == (ADMIN, T0)
