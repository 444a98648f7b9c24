"""The access policy as a hand-written oracle: every role × relation × action and page.

The grid below is data, written out by hand from the rules in words (not derived from
participatie/staff/access.py): a change to the policy that is not also made here fails this test.
"""

from __future__ import annotations

import pytest

from participatie.domain.values import Role
from participatie.staff import access

# Y: allowed, -: refused. Per role three columns: the account's team leads the initiative (l),
# is only involved (i), or neither (o). Roles that are no staff role (initiator, system,
# supporter) may nothing at all.
GRID = """
                    init    area    memb    regie   line    audit   admin   sys     supp
                    l i o   l i o   l i o   l i o   l i o   l i o   l i o   l i o   l i o
queue               - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
detail              - - -   Y Y -   Y Y -   Y Y Y   Y Y -   Y Y Y   - - -   - - -   - - -
contact             - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
regie_dashboard     - - -   - - -   - - -   Y Y Y   - - -   - - -   - - -   - - -   - - -
admin               - - -   - - -   - - -   - - -   - - -   - - -   Y Y Y   - - -   - - -
audit               - - -   - - -   - - -   - - -   - - -   Y Y Y   - - -   - - -   - - -
accept_handoff      - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
decline_handoff     - - -   Y - -   - - -   Y - -   Y - -   - - -   - - -   - - -   - - -
assign              - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
set_priority        - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
add_internal_note   - - -   Y Y -   Y Y -   Y Y -   Y Y -   - - -   - - -   - - -   - - -
post_public_update  - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
request_info        - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
forward             - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
escalate            - - -   Y - -   Y - -   Y - Y   Y - -   - - -   - - -   - - -   - - -
decide              - - -   Y - -   - - -   Y - -   Y - -   - - -   - - -   - - -   - - -
publish_decision    - - -   Y - -   - - -   Y - -   Y - -   - - -   - - -   - - -   - - -
start_execution     - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
complete            - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
merge               - - -   Y - -   - - -   Y - -   Y - -   - - -   - - -   - - -   - - -
reroute             - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
change_details      - - -   Y - -   Y - -   Y - -   Y - -   - - -   - - -   - - -   - - -
"""
ROLES = {
    "init": Role.INITIATOR,
    "area": Role.AREA_MANAGER,
    "memb": Role.TEAM_MEMBER,
    "regie": Role.REGIE,
    "line": Role.LINE_DEPARTMENT,
    "audit": Role.AUDITOR,
    "admin": Role.ADMIN,
    "sys": Role.SYSTEM,
    "supp": Role.SUPPORTER,
}
RELATIONS = {"l": "lead", "i": "involved", "o": "other"}
# Every action and page there is, written out (a new one must be added to the grid).
EVERYTHING = {
    "queue",
    "detail",
    "contact",
    "regie_dashboard",
    "admin",
    "audit",
    "accept_handoff",
    "decline_handoff",
    "assign",
    "set_priority",
    "add_internal_note",
    "post_public_update",
    "request_info",
    "forward",
    "escalate",
    "decide",
    "publish_decision",
    "start_execution",
    "complete",
    "merge",
    "reroute",
    "change_details",
}


def grid() -> dict[tuple[Role, str, str], bool]:
    """The grid as (role, relation, action or page) → allowed."""
    roles_line, relations_line, *rows = [line.split() for line in GRID.strip().splitlines()]
    columns = [
        (ROLES[roles_line[i // len(RELATIONS)]], RELATIONS[relation])
        for i, relation in enumerate(relations_line)
    ]
    table: dict[tuple[Role, str, str], bool] = {}
    for what, *marks in rows:
        assert len(marks) == len(columns), what
        assert set(marks) <= {"Y", "-"}, what
        for (role, relation), mark in zip(columns, marks, strict=True):
            assert (role, relation, what) not in table, f"{what} twice in the grid"
            table[(role, relation, what)] = mark == "Y"
    return table


EXPECTED = grid()
CELLS = sorted({(role.value, rel) for (role, rel, _) in EXPECTED})


def test_the_grid_has_a_row_for_every_action_and_page_and_a_column_for_every_role() -> None:
    """The grid covers every action, page, role and relation there is, nothing more."""
    assert {what for (_, _, what) in EXPECTED} == EVERYTHING
    assert set(access.ACTIONS) | set(access.PAGES) == EVERYTHING
    assert len(access.ACTIONS) + len(access.PAGES) == len(EVERYTHING)  # no duplicates
    assert {role for (role, _, _) in EXPECTED} == set(Role)
    assert {rel for (_, rel, _) in EXPECTED} == {access.LEAD, access.INVOLVED, access.OTHER}
    assert len(EXPECTED) == len(Role) * 3 * len(EVERYTHING)


@pytest.mark.parametrize(("role_value", "rel"), CELLS)
def test_the_policy_answers_as_the_grid_says(role_value: str, rel: str) -> None:
    """For one role and relation, every action and page is allowed or refused as written."""
    role = Role(role_value)
    deviations = [
        f"{what}: grid says {'Y' if expected else '-'}"
        for (r, relation, what), expected in sorted(EXPECTED.items(), key=lambda kv: kv[0][2])
        if r is role and relation == rel and access.allowed(role, what, rel) is not expected
    ]
    assert deviations == []


@pytest.mark.parametrize("role", [Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.LINE_DEPARTMENT])
def test_an_involved_team_may_only_see_the_initiative_and_add_internal_notes(role: Role) -> None:
    """Involved is read-and-note only: no public update, queue, contact or any other action."""
    allowed = {w for w in EVERYTHING if access.allowed(role, w, access.INVOLVED)}
    assert allowed == {"detail", "add_internal_note"}
    assert not access.allowed(role, "post_public_update", access.INVOLVED)


def test_regie_may_see_and_escalate_anything_but_do_nothing_else_on_others_work() -> None:
    """On an initiative of another team regie may only look, escalate and see its dashboard."""
    allowed = {w for w in EVERYTHING if access.allowed(Role.REGIE, w, access.OTHER)}
    assert allowed == {"detail", "escalate", "regie_dashboard"}


@pytest.mark.parametrize("rel", ["lead", "involved", "other"])
def test_an_auditor_never_sees_the_contact_details(rel: str) -> None:
    """The auditor reads the file and the audit pages, never the initiator's contact details."""
    assert not access.allowed(Role.AUDITOR, "contact", rel)
    assert {w for w in EVERYTHING if access.allowed(Role.AUDITOR, w, rel)} == {"detail", "audit"}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "what", ["", "delete", "Detail", "post-public-update", "admin ", "erase", "confirm_email"]
)
def test_an_unknown_action_or_page_raises_value_error(role: Role, what: str) -> None:
    """A name that is no action or page is a programming error, for every role and relation."""
    for rel in ("lead", "involved", "other"):
        with pytest.raises(ValueError, match="unknown action or page"):
            access.allowed(role, what, rel)


@pytest.mark.parametrize(
    ("teams", "lead", "involved", "expected"),
    [
        (["a"], "a", [], "lead"),
        (["a", "b"], "b", ["a"], "lead"),  # leading wins over being involved
        (["a"], "b", ["a"], "involved"),
        (["a"], "b", ["c", "a"], "involved"),
        (["a"], "b", ["c"], "other"),
        (["a"], None, [], "other"),
        (["a"], None, ["a"], "involved"),
        ([], "a", ["a"], "other"),
        ([], None, [], "other"),
    ],
)
def test_the_relation_of_an_account_to_an_initiative(
    teams: list[str], lead: str | None, involved: list[str], expected: str
) -> None:
    """Lead if one of its teams leads, else involved if one is involved, else other."""
    assert access.relation(teams, lead, involved) == expected


# The team an account acts for: its lead team, else the first involved team it is in, else regie
# if it is a member, else its first team (None without teams). Written out by hand.
ACTING_TEAM = [
    (["gebied-a", "gebied-b"], "gebied-b", [], "gebied-b"),
    (["lijn-x", "inv-2"], "gebied-a", ["inv-1", "inv-2"], "inv-2"),
    (["inv-1", "regie"], "gebied-a", ["inv-1"], "inv-1"),
    (["lijn-x", "regie"], "gebied-a", [], "regie"),
    (["lijn-x", "lijn-y", "lijn-z"], "gebied-a", [], "lijn-x"),
    ([], "gebied-a", ["inv-1"], None),
    (["lijn-x"], None, [], "lijn-x"),
]


@pytest.mark.parametrize(("teams", "lead", "involved", "acting"), ACTING_TEAM)
def test_the_team_an_account_acts_for(
    teams: list[str], lead: str | None, involved: list[str], acting: str | None
) -> None:
    assert access.acting_team(teams, lead, involved) == acting


# (role, the account's teams, lead team, involved teams) -> may it see the initiative at all.
SEES = [
    (Role.AREA_MANAGER, ["centrum"], "centrum", [], True),
    (Role.AREA_MANAGER, ["centrum"], "verkeer", ["centrum"], True),
    (Role.AREA_MANAGER, ["centrum"], "verkeer", ["haven"], False),
    (Role.AREA_MANAGER, ["centrum"], None, [], False),
    (Role.TEAM_MEMBER, ["haven"], "centrum", [], False),
    (Role.LINE_DEPARTMENT, ["verkeer"], "verkeer", [], True),
    (Role.REGIE, ["regie"], "centrum", [], True),
    (Role.REGIE, ["regie"], None, [], True),
    (Role.AUDITOR, [], "centrum", [], True),
    (Role.ADMIN, [], "centrum", [], False),
]


@pytest.mark.parametrize(("role", "teams", "lead", "involved", "expected"), SEES)
def test_which_initiatives_an_account_sees(
    role: Role, teams: list[str], lead: str | None, involved: list[str], expected: bool
) -> None:
    assert access.sees(role, teams, lead, involved) is expected
