"""An account of a team that is only involved in an initiative, through HTTP: every action.

The initiative is led by lijn-verkeer; gebiedsteam-centrum and lijn-openbare-ruimte are
involved. Their accounts try every workflow action on the staff pages, in the queue's bulk form
and through the JSON API with a bearer token, each with a well-formed input and the current
version, so that only the access policy can stop them. Expected, by hand: they may add an
internal note and nothing else; every other action is refused with 403, logged, and stores
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from participatie.config import Settings
from participatie.domain.commands import Forward
from participatie.domain.values import Actor, Role
from participatie.staff.access import ACTIONS
from tests.conftest import submission
from tests.e2e.conftest import Site, csrf_token, make_site, open_contact

STAFF_COOKIE = "participatie_medewerker"
LEAD = "lijn-verkeer"
CENTRUM = "gebiedsteam-centrum"
LINE = "lijn-openbare-ruimte"
# The accounts of the involved teams: username → (role, team).
ACCOUNTS = {
    "betrokken": (Role.AREA_MANAGER, CENTRUM),
    "lid": (Role.TEAM_MEMBER, CENTRUM),
    "lijn": (Role.LINE_DEPARTMENT, LINE),
}
# The hand-written expectation for an involved team, per action: allowed or not.
ALLOWED = {
    "accept_handoff": False,
    "decline_handoff": False,
    "assign": False,
    "set_priority": False,
    "add_internal_note": True,
    "post_public_update": False,
    "request_info": False,
    "forward": False,
    "escalate": False,
    "decide": False,
    "publish_decision": False,
    "start_execution": False,
    "complete": False,
    "merge": False,
    "reroute": False,
    "change_details": False,
}


def inputs(action: str, username: str, other: UUID) -> dict[str, Any]:
    """A valid input for `action`: were it allowed, it would get past validation."""
    table: dict[str, dict[str, Any]] = {
        "accept_handoff": {"reason": "Wij pakken het op"},
        "decline_handoff": {"reason": "Dit is niet ons werk"},
        "assign": {"assignee": username},
        "set_priority": {"priority": "urgent", "reason": "Veel klachten"},
        "add_internal_note": {"note": "Wij denken mee vanuit de wijk"},
        "post_public_update": {"message": "We zijn ermee bezig"},
        "request_info": {"question": "Welke kant van de straat bedoelt u?"},
        "forward": {"to_team": "gebiedsteam-oude-haven", "reason": "Hoort daar"},
        "escalate": {"reason": "Te groot voor de lijn"},
        "decide": {"outcome": "honoured", "rationale": "Een goed plan", "reason": "Besloten"},
        "publish_decision": {},
        "start_execution": {"reason": "Aan de slag"},
        "complete": {"reason": "Klaar"},
        "merge": {"into": str(other), "reason": "Dubbel ingediend"},
        "reroute": {"reason": "Opnieuw bekijken"},
        "change_details": {"themes": ["verkeer"], "reason": "Beter thema"},
    }
    return table[action]


@dataclass
class World:
    site: Site
    initiative: UUID  # led by lijn-verkeer, centrum and the line department involved
    other: UUID  # another open initiative (the target of a merge)
    bearers: dict[str, str]

    def version(self) -> int:
        return int(self.site.app.get_initiative(self.initiative).version)

    def history(self) -> int:
        return len(self.site.app.history(self.initiative))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    site = make_site(Settings(var_dir=tmp_path_factory.mktemp("involved") / "var"))
    system = Actor.system("test")
    for username, (role, team) in ACCOUNTS.items():
        site.container.staff.add(username, username.title(), role, [team], "x" * 20, system)

    def routed() -> UUID:
        data = submission()
        data["location"] = {"area_code": "BU99990101"}  # a buurt of gebiedsteam-centrum
        data["themes"] = ["verkeer"]
        iid = site.app.submit(data).initiative_id
        site.app.route_initiative(iid, system)
        return UUID(str(iid))

    initiative = routed()
    site.app.act(
        initiative,
        Forward(to_team=LEAD, reason="verkeer is lijnwerk", involved_teams=[CENTRUM, LINE]),
        actor=system,
    )
    found = site.app.get_initiative(initiative)
    assert found.lead_team == LEAD and set(found.involved_teams) == {CENTRUM, LINE}
    assert found.handoff_pending  # so accept and decline would fit the state
    other = routed()
    site.project()
    bearers = {name: site.container.staff.issue_token(name, "test", 1) for name in ACCOUNTS}
    try:
        yield World(site, initiative, other, bearers)
    finally:
        site.container.close()


def staff_client(world: World, username: str) -> FlaskClient:
    client = world.site.client()
    token = world.site.container.staff.sessions.start(username)
    client.set_cookie(STAFF_COOKIE, token, path="/beheer")
    return client


def denial(username: str, action: str, world: World) -> str:
    role = ACCOUNTS[username][0].value
    return (
        f"access denied: user={username} role={role} action={action} relation=involved"
        f" target=initiative:{world.initiative}"
    )


def test_the_expectation_names_every_action() -> None:
    """The hand-written expectation covers exactly the actions there are."""
    assert set(ALLOWED) == set(ACTIONS)
    assert [a for a, ok in ALLOWED.items() if ok] == ["add_internal_note"]


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_an_involved_account_sees_the_file_but_not_the_contact_details(
    world: World, username: str
) -> None:
    """Detail 200 with only the note form; contact details and the lead's queue 403."""
    client = staff_client(world, username)
    page = client.get(f"/beheer/initiatieven/{world.initiative}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    offered = [a for a in ACTIONS if f"/beheer/initiatieven/{world.initiative}/{a}" in body]
    assert offered == ["add_internal_note"]
    contact = open_contact(client, world.initiative)
    assert contact.status_code == 403
    assert client.get(f"/beheer/wachtrij/{LEAD}").status_code == 403


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_on_the_staff_pages_an_involved_account_may_only_add_a_note(
    world: World, username: str, action: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each action with a valid form and the current version: 403 and nothing stored, but notes."""
    client = staff_client(world, username)
    token = csrf_token(client, f"/beheer/initiatieven/{world.initiative}")
    before, events = world.history(), world.site.events()
    data = {"csrf_token": token, "version": str(world.version())}
    data.update(inputs(action, username, world.other))
    with caplog.at_level(logging.WARNING, logger="participatie.staff.access"):
        response = client.post(f"/beheer/initiatieven/{world.initiative}/{action}", data=data)
    if ALLOWED[action]:
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert world.history() == before + 1
        event = world.site.app.history(world.initiative)[-1]
        assert type(event).__name__ == "InternalNoteAdded"
        assert event.actor.id == f"staff:{username}"
        assert event.actor.team == ACCOUNTS[username][1]  # acted for its involved team
    else:
        assert response.status_code == 403
        assert "Geen toegang" in response.get_data(as_text=True)
        assert world.history() == before and world.site.events() == events
        assert denial(username, action, world) in caplog.messages


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_through_the_api_an_involved_account_may_only_add_a_note(
    world: World, username: str, action: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The same through /api/v1 with a bearer token: 403 JSON and nothing stored, but notes."""
    before, events = world.history(), world.site.events()
    body = {"version": world.version(), **inputs(action, username, world.other)}
    with caplog.at_level(logging.WARNING, logger="participatie.staff.access"):
        response = world.site.client().post(
            f"/api/v1/initiatives/{world.initiative}/actions/{action}",
            json=body,
            headers={"Authorization": f"Bearer {world.bearers[username]}"},
        )
    if ALLOWED[action]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["version"] == body["version"] + 1
        assert world.history() == before + 1
        event = world.site.app.history(world.initiative)[-1]
        assert type(event).__name__ == "InternalNoteAdded"
        assert event.actor.team == ACCOUNTS[username][1]
    else:
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["code"] == 403
        assert world.history() == before and world.site.events() == events
        assert denial(username, action, world) in caplog.messages


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_the_api_offers_an_involved_account_only_the_note(world: World, username: str) -> None:
    """The case as the API shows it lists add_internal_note as the only action."""
    response = world.site.client().get(
        f"/api/v1/initiatives/{world.initiative}",
        headers={"Authorization": f"Bearer {world.bearers[username]}"},
    )
    assert response.status_code == 200
    assert response.get_json()["actions"] == ["add_internal_note"]


@pytest.mark.parametrize("action", ["accept_handoff", "assign", "set_priority"])
def test_the_bulk_form_of_its_own_queue_cannot_touch_an_involved_initiative(
    world: World, action: str
) -> None:
    """Picked in its own team's queue (where it is listed as involved), the item is refused."""
    username = "betrokken"
    client = staff_client(world, username)
    queue = f"/beheer/wachtrij/{CENTRUM}"
    token = csrf_token(client, queue)
    before, events = world.history(), world.site.events()
    response = client.post(
        f"{queue}/bulk",
        data={
            "csrf_token": token,
            "ids": [str(world.initiative)],
            "bulk_action": action,
            "assignee": username,
            "priority": "urgent",
            "reason": "Veel klachten",
            f"version-{world.initiative}": str(world.version()),
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="result--failed"' in page
    assert (
        "Uw team is alleen betrokken bij dit initiatief; dit kan alleen het leidende team doen."
        in page
    )
    assert 'class="result--ok"' not in page
    assert world.history() == before and world.site.events() == events
    # The queue offers no checkbox for it in the first place, and says why.
    assert f'id="kies-{world.initiative}"' not in page
    assert f'id="inzien-{world.initiative}">Alleen inzien<' in page
