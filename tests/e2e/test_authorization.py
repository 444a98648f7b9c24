"""The authorization matrix: every staff role × (own team, other team) × every page and action.

The expected table below is data, written out by hand: a change to the policy that is not also
made here fails this test. Allowed pages answer 200, allowed actions get past authorization to
validation or the version check (422/409, with a stale version so nothing changes); everything
denied answers 403 and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from participatie.config import Settings
from participatie.domain.commands import Escalate, Forward
from participatie.domain.values import Actor, Role
from participatie.staff.access import ACTIONS, PAGES
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, csrf_token, login, make_site, open_contact

# Y: allowed, .: denied. Columns: per role, on its own team's initiative/queue and another's.
EXPECTED_TABLE = """
                   manager   member    regie     line      auditor   admin
                   own oth   own oth   own oth   own oth   own oth   own oth
queue              Y   .     Y   .     Y   .     Y   .     .   .     .   .
detail             Y   .     Y   .     Y   Y     Y   .     Y   Y     .   .
contact            Y   .     Y   .     Y   .     Y   .     .   .     .   .
regie_dashboard    .   .     .   .     Y   Y     .   .     .   .     .   .
admin              .   .     .   .     .   .     .   .     .   .     Y   Y
audit              .   .     .   .     .   .     .   .     Y   Y     .   .
accept_handoff     Y   .     Y   .     Y   .     Y   .     .   .     .   .
decline_handoff    Y   .     .   .     Y   .     Y   .     .   .     .   .
assign             Y   .     Y   .     Y   .     Y   .     .   .     .   .
set_priority       Y   .     Y   .     Y   .     Y   .     .   .     .   .
add_internal_note  Y   .     Y   .     Y   .     Y   .     .   .     .   .
post_public_update Y   .     Y   .     Y   .     Y   .     .   .     .   .
request_info       Y   .     Y   .     Y   .     Y   .     .   .     .   .
forward            Y   .     Y   .     Y   .     Y   .     .   .     .   .
escalate           Y   .     Y   .     Y   Y     Y   .     .   .     .   .
decide             Y   .     .   .     Y   .     Y   .     .   .     .   .
publish_decision   Y   .     .   .     Y   .     Y   .     .   .     .   .
start_execution    Y   .     Y   .     Y   .     Y   .     .   .     .   .
complete           Y   .     Y   .     Y   .     Y   .     .   .     .   .
merge              Y   .     .   .     Y   .     Y   .     .   .     .   .
reroute            Y   .     Y   .     Y   .     Y   .     .   .     .   .
change_details     Y   .     Y   .     Y   .     Y   .     .   .     .   .
"""
ROLES = {
    "manager": (Role.AREA_MANAGER, ["gebiedsteam-centrum"]),
    "member": (Role.TEAM_MEMBER, ["gebiedsteam-centrum"]),
    "regie": (Role.REGIE, ["regie"]),
    "line": (Role.LINE_DEPARTMENT, ["lijn-openbare-ruimte"]),
    "auditor": (Role.AUDITOR, []),
    "admin": (Role.ADMIN, []),
}


def expected() -> dict[tuple[str, str, str], bool]:
    lines = [line.split() for line in EXPECTED_TABLE.strip().splitlines()]
    roles = lines[0]
    table = {}
    for row in lines[2:]:
        what, marks = row[0], row[1:]
        assert len(marks) == 2 * len(roles), what
        for i, role in enumerate(roles):
            table[(role, "own", what)] = marks[2 * i] == "Y"
            table[(role, "other", what)] = marks[2 * i + 1] == "Y"
    return table


def test_the_table_covers_every_page_and_action() -> None:
    covered = {what for (_, _, what) in expected()}
    assert covered == set(PAGES) | set(ACTIONS)
    assert {role for (role, _, _) in expected()} == set(ROLES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("authz") / "var"))
    for name, (role, teams) in ROLES.items():
        add_staff(site, name, role, teams)
    system = Actor.system("test")

    def routed() -> UUID:
        data = submission()
        data["location"] = {"area_code": "BU99990101"}  # a buurt of gebiedsteam-centrum
        data["themes"] = ["cultuur"]
        iid = site.app.submit(data).initiative_id
        site.app.route_initiative(iid, system)
        return UUID(str(iid))

    centrum = routed()
    line = routed()
    site.app.act(line, Forward(to_team="lijn-openbare-ruimte", reason="lijnwerk"), actor=system)
    regie = routed()
    site.app.act(regie, Escalate(reason="te groot"), actor=system)
    leads = {"centrum": centrum, "line": line, "regie": regie}
    for iid, team in ((centrum, "gebiedsteam-centrum"), (line, "lijn-openbare-ruimte")):
        assert site.app.get_initiative(iid).lead_team == team
    site.project()
    try:
        yield {"site": site, "leads": leads}
    finally:
        site.container.close()


# Per role: (initiative, queue) for "own" and for "other".
TARGETS = {
    "manager": (("centrum", "gebiedsteam-centrum"), ("line", "gebiedsteam-oude-haven")),
    "member": (("centrum", "gebiedsteam-centrum"), ("line", "gebiedsteam-oude-haven")),
    "regie": (("regie", "regie"), ("centrum", "gebiedsteam-centrum")),
    "line": (("line", "lijn-openbare-ruimte"), ("centrum", "gebiedsteam-centrum")),
    "auditor": (("centrum", "gebiedsteam-centrum"), ("line", "lijn-openbare-ruimte")),
    "admin": (("centrum", "gebiedsteam-centrum"), ("line", "lijn-openbare-ruimte")),
}


def outcome(client: Any, what: str, iid: UUID, team: str) -> tuple[bool, int]:
    """Try `what`; return (allowed, status)."""
    pages = {
        "queue": f"/beheer/wachtrij/{team}",
        "detail": f"/beheer/initiatieven/{iid}",
        "regie_dashboard": "/beheer/regie",
        "admin": "/beheer/admin/",
        "audit": "/beheer/audit/",
    }
    if what == "contact":  # opening contact details is recorded: a post, as the button does
        status = open_contact(client, iid).status_code
        assert status in (200, 403), (what, status)
        return status == 200, status
    if what in pages:
        status = client.get(pages[what]).status_code
        assert status in (200, 403), (what, status)
        return status == 200, status
    token = csrf_token(client, "/beheer/")
    response = client.post(
        f"/beheer/initiatieven/{iid}/{what}", data={"csrf_token": token, "version": "0"}
    )
    status = response.status_code
    assert status in (403, 409, 422), (what, status)
    return status != 403, status


@pytest.mark.parametrize("role", list(ROLES))
def test_authorization_matrix(world: dict[str, Any], role: str, caplog: Any) -> None:
    site: Site = world["site"]
    client = site.client()
    assert login(client, role).status_code == 303
    table = expected()
    before = {k: len(site.app.history(i)) for k, i in world["leads"].items()}
    deviations = []
    denials = 0
    for column, (initiative, team) in zip(("own", "other"), TARGETS[role], strict=True):
        iid = world["leads"][initiative]
        for what in (*PAGES, *ACTIONS):
            with caplog.at_level(logging.WARNING, logger="participatie.staff.access"):
                caplog.clear()
                allowed, status = outcome(client, what, iid, team)
            if allowed != table[(role, column, what)]:
                deviations.append(f"{role}/{column}/{what}: got {status}")
            if not allowed:
                denials += 1
                assert any(f"user={role}" in r.getMessage() for r in caplog.records), what
    assert deviations == []
    assert denials == sum(1 for (r, _, _), ok in table.items() if r == role and not ok)
    # Nothing was changed by trying.
    assert {k: len(site.app.history(i)) for k, i in world["leads"].items()} == before


def test_involved_team_sees_the_initiative_and_may_only_add_notes(world: dict[str, Any]) -> None:
    site: Site = world["site"]
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    iid = site.app.submit(data).initiative_id
    site.app.route_initiative(iid, Actor.system("test"))
    site.app.act(
        iid,
        Forward(
            to_team="lijn-verkeer",
            reason="verkeer is lijnwerk",
            involved_teams=["gebiedsteam-centrum"],
        ),
        actor=Actor.system("test"),
    )
    add_staff(site, "betrokken", Role.AREA_MANAGER, ["gebiedsteam-centrum"])
    client = site.client()
    login(client, "betrokken")
    assert client.get(f"/beheer/initiatieven/{iid}").status_code == 200
    assert open_contact(client, iid).status_code == 403
    version = site.app.get_initiative(iid).version
    token = csrf_token(client, "/beheer/")
    note = client.post(
        f"/beheer/initiatieven/{iid}/add_internal_note",
        data={"csrf_token": token, "version": str(version), "note": "Wij denken mee"},
    )
    assert note.status_code == 303
    (event,) = [e for e in site.app.history(iid) if type(e).__name__ == "InternalNoteAdded"]
    assert event.actor.team == "gebiedsteam-centrum"  # acted for the involved team
    decide = client.post(
        f"/beheer/initiatieven/{iid}/accept_handoff",
        data={"csrf_token": token, "version": str(version + 1)},
    )
    assert decide.status_code == 403
