"""What a person may do now: the detail page and the JSON API offer exactly the same actions, the
expected ones (a table written by hand), and every offered action succeeds when taken."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from participatie.config import Settings
from participatie.domain.commands import (
    AcceptHandoff,
    Command,
    Complete,
    Decide,
    DeclineHandoff,
    PublishDecision,
    RequestInfo,
    StartExecution,
    Withdraw,
)
from participatie.domain.values import Actor, Outcome, Role
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, login, make_site

CENTRUM = "gebiedsteam-centrum"
CENTRUM_MANAGER = Actor("staff:setup", Role.AREA_MANAGER, CENTRUM)
REGIE_MEMBER = Actor("staff:setup-regie", Role.REGIE, "regie")
INITIATOR = Actor("initiator", Role.INITIATOR)

# Each state: how an initiative routed to the centrum team gets there from a fresh hand-off.
Step = Callable[[Site, UUID], Any]


def _act(command: Command, actor: Actor = CENTRUM_MANAGER) -> Step:
    return lambda site, iid: site.app.act(iid, command, actor=actor)


ACCEPT = _act(AcceptHandoff())
ASK = _act(RequestInfo("Aan welke kant van de straat?"))
HONOUR = _act(Decide(Outcome.HONOURED, "Past in het plan.", "budget"))
REFUSE = _act(Decide(Outcome.NOT_HONOURED, "Geen ruimte.", "plan"))
PUBLISH = _act(PublishDecision())
START = _act(StartExecution())
COMPLETE = _act(Complete())
WITHDRAW = _act(Withdraw(), actor=INITIATOR)
DECLINE = _act(DeclineHandoff("hoort bij een ander team"))
REGIE_ACCEPT = _act(AcceptHandoff(), actor=REGIE_MEMBER)

STATES: dict[str, list[Step]] = {
    "routed": [],
    "in_progress": [ACCEPT],
    "waiting": [ACCEPT, ASK],
    "decided_honoured": [ACCEPT, HONOUR],
    "decided_honoured_published": [ACCEPT, HONOUR, PUBLISH],
    "decided_refused": [ACCEPT, REFUSE],
    "decided_refused_published": [ACCEPT, REFUSE, PUBLISH],
    "in_execution": [ACCEPT, HONOUR, START],
    "in_execution_published": [ACCEPT, HONOUR, PUBLISH, START],
    "completed": [ACCEPT, HONOUR, START, COMPLETE],
    "withdrawn": [WITHDRAW],
    "declined_to_regie": [DECLINE],
    "regie_accepted": [DECLINE, REGIE_ACCEPT],
}

# The accounts looking at it: username → (role, teams).
ACCOUNTS: dict[str, tuple[Role, list[str]]] = {
    "manager": (Role.AREA_MANAGER, [CENTRUM]),
    "member": (Role.TEAM_MEMBER, [CENTRUM]),
    "regie": (Role.REGIE, ["regie"]),
    "outsider": (Role.AREA_MANAGER, ["gebiedsteam-oude-haven"]),
    "line": (Role.LINE_DEPARTMENT, ["lijn-verkeer"]),
    "auditor": (Role.AUDITOR, []),
    "admin": (Role.ADMIN, []),
}

# Short names for the actions, so the table below fits on a line per state.
SHORT = {
    "acc": "accept_handoff",
    "dec": "decline_handoff",
    "asg": "assign",
    "pri": "set_priority",
    "note": "add_internal_note",
    "upd": "post_public_update",
    "ask": "request_info",
    "fwd": "forward",
    "esc": "escalate",
    "decide": "decide",
    "pub": "publish_decision",
    "start": "start_execution",
    "done": "complete",
    "merge": "merge",
    "rer": "reroute",
    "chg": "change_details",
}

# What each account is offered in each state, written out by hand. A team member prepares but
# does not decline, decide, publish or merge; regie may pull open work to itself (escalate) and
# leads after a decline; outsiders, auditors and admins act on nothing.
MANAGER = {
    "routed": "acc dec asg pri note upd fwd esc merge rer chg",
    "in_progress": "asg pri note upd ask fwd esc decide merge rer chg",
    "waiting": "asg pri note upd fwd esc merge rer chg",
    "decided_honoured": "asg pri note upd esc pub start merge chg",
    "decided_honoured_published": "asg pri note upd esc start merge chg",
    "decided_refused": "asg pri note upd esc pub merge chg",
    "decided_refused_published": "asg pri note upd esc done merge chg",  # closes it
    "in_execution": "asg pri note upd esc pub done merge chg",
    "in_execution_published": "asg pri note upd esc done merge chg",
    "completed": "note",
    "withdrawn": "note",
    "declined_to_regie": "",
    "regie_accepted": "",
}
MEMBER = {
    "routed": "acc asg pri note upd fwd esc rer chg",
    "in_progress": "asg pri note upd ask fwd esc rer chg",
    "waiting": "asg pri note upd fwd esc rer chg",
    "decided_honoured": "asg pri note upd esc start chg",
    "decided_honoured_published": "asg pri note upd esc start chg",
    "decided_refused": "asg pri note upd esc chg",
    "decided_refused_published": "asg pri note upd esc done chg",
    "in_execution": "asg pri note upd esc done chg",
    "in_execution_published": "asg pri note upd esc done chg",
    "completed": "note",
    "withdrawn": "note",
    "declined_to_regie": "",
    "regie_accepted": "",
}
REGIE = {
    "routed": "esc",
    "in_progress": "esc",
    "waiting": "esc",
    "decided_honoured": "esc",
    "decided_honoured_published": "esc",
    "decided_refused": "esc",
    "decided_refused_published": "esc",
    "in_execution": "esc",
    "in_execution_published": "esc",
    "completed": "",
    "withdrawn": "",
    "declined_to_regie": "acc asg pri note upd fwd esc merge rer chg",
    "regie_accepted": "asg pri note upd ask fwd esc decide merge rer chg",
}
NOTHING = dict.fromkeys(MANAGER, "")
BY_ACCOUNT = {
    "manager": MANAGER,
    "member": MEMBER,
    "regie": REGIE,
    "outsider": NOTHING,
    "line": NOTHING,
    "auditor": NOTHING,
    "admin": NOTHING,
}


def expected_table() -> dict[tuple[str, str], list[str]]:
    """(state, username) → the long action names of the tables above, in their order."""
    return {
        (state, username): [SHORT[s] for s in shorts.split()]
        for username, states in BY_ACCOUNT.items()
        for state, shorts in states.items()
    }


EXPECTED = expected_table()
FORM_ACTION = re.compile(r'action="/beheer/initiatieven/[0-9a-f-]{36}/([a-z_]+)"')


@pytest.fixture(scope="module")
def parity_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One demo site for the module, with an account per row of ACCOUNTS."""
    var: Path = tmp_path_factory.mktemp("parity") / "var"
    site = make_site(Settings(var_dir=var), RATELIMIT_ENABLED=False)
    for username, (role, teams) in ACCOUNTS.items():
        add_staff(site, username, role, teams)
    try:
        yield site
    finally:
        site.container.close()


def in_state(site: Site, state: str) -> UUID:
    """A new initiative routed to the centrum team, brought into `state`."""
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    data["themes"] = ["cultuur"]
    iid = UUID(str(site.app.submit(data).initiative_id))
    site.app.route_initiative(iid, Actor.system("test"))
    for step in STATES[state]:
        step(site, iid)
    return iid


def api_headers(site: Site, username: str) -> dict[str, str]:
    token = site.container.staff.issue_token(username, "parity", 1)
    return {"Authorization": f"Bearer {token}"}


def api_actions(site: Site, iid: UUID, username: str) -> list[str] | None:
    answer = site.client().get(f"/api/v1/initiatives/{iid}", headers=api_headers(site, username))
    if answer.status_code == 403:
        return None
    assert answer.status_code == 200, answer.get_data(as_text=True)
    actions: list[str] = answer.get_json()["actions"]
    return actions


def page_actions(site: Site, iid: UUID, username: str) -> list[str] | None:
    client = site.client()
    assert login(client, username).status_code == 303
    answer = client.get(f"/beheer/initiatieven/{iid}")
    if answer.status_code == 403:
        return None
    assert answer.status_code == 200
    found = FORM_ACTION.findall(answer.get_data(as_text=True))
    return list(dict.fromkeys(found))


def test_the_expected_table_covers_every_state_and_account() -> None:
    """Guard the hand-written table itself: every state and account has a row or column."""
    assert {s for s, _ in EXPECTED} == set(STATES)
    assert {u for _, u in EXPECTED} == set(ACCOUNTS)


@pytest.mark.parametrize("state", list(STATES))
def test_pages_and_api_offer_the_same_expected_actions(parity_site: Site, state: str) -> None:
    iid = in_state(parity_site, state)
    for username in ACCOUNTS:
        from_api = api_actions(parity_site, iid, username)
        from_page = page_actions(parity_site, iid, username)
        assert from_api == from_page, (state, username, from_api, from_page)
        assert (from_api or []) == EXPECTED[state, username], (state, username, from_api)
    admin_sees = api_actions(parity_site, iid, "admin"), page_actions(parity_site, iid, "admin")
    assert admin_sees == (None, None)


def valid_body(site: Site, action: str) -> dict[str, Any]:
    """A valid request body for `action` (besides the version)."""
    other = in_state(site, "routed")
    bodies: dict[str, dict[str, Any]] = {
        "accept_handoff": {},
        "decline_handoff": {"reason": "hoort bij een ander team"},
        "assign": {"assignee": None},
        "set_priority": {"priority": "high", "reason": "veel buren doen mee"},
        "add_internal_note": {"note": "Gebeld met de wijkagent."},
        "post_public_update": {"message": "We kijken ernaar."},
        "request_info": {"question": "Aan welke kant?"},
        "forward": {"to_team": "lijn-verkeer", "reason": "verkeersveiligheid"},
        "escalate": {"reason": "loopt vast"},
        "decide": {"outcome": "honoured", "rationale": "Past in het plan.", "reason": "budget"},
        "publish_decision": {},
        "start_execution": {},
        "complete": {},
        "merge": {"into": str(other), "reason": "hetzelfde plan"},
        "reroute": {"reason": "nieuwe regels"},
        "change_details": {"themes": ["groen"], "reason": "thema gecorrigeerd"},
    }
    return bodies[action]


@pytest.mark.parametrize("state", list(STATES))
def test_every_offered_action_succeeds(parity_site: Site, state: str) -> None:
    for username in ("manager", "member", "regie"):
        for action in EXPECTED[state, username]:
            iid = in_state(parity_site, state)
            version = parity_site.app.get_initiative(iid).version
            body = {"version": version, **valid_body(parity_site, action)}
            answer = parity_site.client().post(
                f"/api/v1/initiatives/{iid}/actions/{action}",
                json=body,
                headers=api_headers(parity_site, username),
            )
            assert answer.status_code == 200, (state, username, action, answer.get_json())
