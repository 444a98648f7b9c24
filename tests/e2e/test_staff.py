"""Staff pages through the Flask test client: sessions, login throttling, queue, detail, actions,
stale versions and two managers deciding at once."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from participatie.config import Settings
from participatie.domain.commands import (
    AcceptHandoff,
    AddInternalNote,
    Assign,
    DeclineHandoff,
    Escalate,
    Forward,
    Merge,
    RequestInfo,
)
from participatie.domain.initiative import Initiative
from participatie.domain.processing import PersonalDataOpened
from participatie.domain.values import Actor, Role, Status
from tests.e2e.conftest import (
    PASSWORD,
    Site,
    add_staff,
    csrf_token,
    login,
    make_site,
    open_contact,
    staff_cookie,
)

CENTRUM = "gebiedsteam-centrum"
VERSION = re.compile(r'name="version" value="(\d+)"')


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime.now(tz=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Site, Clock]]:
    site = make_site(Settings(var_dir=tmp_path / "var"))
    clock = Clock()
    site.app.clock = clock
    add_staff(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    try:
        yield site, clock
    finally:
        site.container.close()


@pytest.fixture
def staffed(site: Site) -> Site:
    add_staff(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    add_staff(site, "gijs", Role.AREA_MANAGER, [CENTRUM])
    add_staff(site, "tom", Role.TEAM_MEMBER, [CENTRUM])
    return site


def open_in(site: Site, team: str, *, pending: bool | None = None) -> list[Initiative]:
    """Open initiatives `team` leads (optionally: with or without an open hand-off)."""
    found = []
    for iid in site.app.initiative_ids():
        initiative = site.app.get_initiative(iid)
        if not initiative.is_open:
            continue
        if initiative.lead_team != team and team not in initiative.involved_teams:
            continue
        if pending is None or initiative.handoff_pending == pending:
            found.append(initiative)
    return found


def fresh_routed(site: Site, team: str = CENTRUM) -> Initiative:
    """A newly submitted initiative routed to `team` (pending hand-off)."""
    from tests.conftest import submission

    area = {
        CENTRUM: "BU99990101",
    }[team]
    data = submission()
    data["location"] = {"area_code": area}
    data["themes"] = ["cultuur"]
    result = site.app.submit(data)
    site.app.route_initiative(result.initiative_id, Actor.system("test"))
    initiative = site.app.get_initiative(result.initiative_id)
    assert initiative.lead_team == team, initiative.routing
    return initiative


def post_action(client: Any, iid: UUID, action: str, version: int, **data: Any) -> Any:
    token = csrf_token(client, f"/beheer/initiatieven/{iid}")
    return client.post(
        f"/beheer/initiatieven/{iid}/{action}",
        data={"csrf_token": token, "version": str(version), **data},
    )


# -- sessions ------------------------------------------------------------------------------------


def test_login_issues_a_new_session_id_each_time_and_the_old_one_stops_working(
    clocked: tuple[Site, Clock],
) -> None:
    site, _ = clocked
    client = site.client()
    assert client.get("/beheer/").status_code == 302
    assert login(client, "gea").status_code == 303
    first = staff_cookie(client)
    assert first and len(first) >= 40
    assert "Gea" in client.get("/beheer/").get_data(as_text=True)
    assert login(client, "gea").status_code == 303
    second = staff_cookie(client)
    assert second and second != first
    # The first token was ended at the second login: replaying it opens nothing.
    replay = site.client()
    replay.set_cookie("participatie_medewerker", first, path="/beheer")
    page = replay.get("/beheer/")
    assert page.status_code == 302 and "/beheer/inloggen" in page.location
    # The session id is stored only as a hash.
    rows = site.container.staff.tables.run("SELECT token_hash FROM participatie_staff_sessions")
    assert [second] != [r[0] for r in rows] and all(second not in r[0] for r in rows)


def test_idle_timeout_after_30_minutes_and_activity_keeps_it_alive(
    clocked: tuple[Site, Clock],
) -> None:
    site, clock = clocked
    client = site.client()
    login(client, "gea")
    for _ in range(3):  # active every 25 minutes: still logged in after 75 minutes
        clock.now += timedelta(minutes=25)
        assert client.get("/beheer/").status_code == 200
    clock.now += timedelta(minutes=31)
    page = client.get("/beheer/")
    assert page.status_code == 302
    assert "verlopen=1" in page.location
    assert "Uw sessie is verlopen" in client.get(page.location).get_data(as_text=True)


def test_absolute_timeout_after_10_hours_even_when_active(clocked: tuple[Site, Clock]) -> None:
    site, clock = clocked
    client = site.client()
    login(client, "gea")
    for _ in range(19):  # 9.5 hours of steady work
        clock.now += timedelta(minutes=30)
        assert client.get("/beheer/").status_code == 200
    clock.now += timedelta(minutes=31)
    assert client.get("/beheer/").status_code == 302


def test_logout_invalidates_the_session_on_the_server(clocked: tuple[Site, Clock]) -> None:
    site, _ = clocked
    client = site.client()
    login(client, "gea")
    token = staff_cookie(client)
    assert token
    form = csrf_token(client, "/beheer/")
    out = client.post("/beheer/uitloggen", data={"csrf_token": form})
    assert out.status_code == 303 and "uitgelogd=1" in out.location
    assert staff_cookie(client) is None
    thief = site.client()  # someone who copied the cookie before the logout
    thief.set_cookie("participatie_medewerker", token, path="/beheer")
    assert thief.get("/beheer/").status_code == 302
    assert site.container.staff.tables.run("SELECT COUNT(*) FROM participatie_staff_sessions") == [
        (0,)
    ]


def test_logout_needs_a_csrf_token(clocked: tuple[Site, Clock]) -> None:
    site, _ = clocked
    client = site.client()
    login(client, "gea")
    assert client.post("/beheer/uitloggen").status_code == 400
    assert client.get("/beheer/").status_code == 200


def test_brute_force_locks_the_account_for_15_minutes(clocked: tuple[Site, Clock]) -> None:
    site, clock = clocked
    client = site.client()
    for _ in range(5):
        failed = login(client, "gea", "wrong password 1234")
        assert failed.status_code == 401
        assert "passen niet" in failed.get_data(as_text=True)
    locked = login(client, "gea")  # even the right password
    assert locked.status_code == 429
    assert "Te veel mislukte pogingen" in locked.get_data(as_text=True)
    assert staff_cookie(client) is None
    clock.now += timedelta(minutes=16)
    assert login(client, "gea").status_code == 303


def test_unknown_user_and_wrong_password_get_the_same_answer(clocked: tuple[Site, Clock]) -> None:
    site, _ = clocked
    unknown = login(site.client(), "niemand", PASSWORD)
    wrong = login(site.client(), "gea", "not the password!!")
    assert unknown.status_code == wrong.status_code == 401
    pick = re.compile(r'<p class="field-error"[^>]*>(.*?)</p>', re.S)
    assert pick.findall(unknown.get_data(as_text=True)) == pick.findall(
        wrong.get_data(as_text=True)
    )


def test_empty_login_gives_field_errors(clocked: tuple[Site, Clock]) -> None:
    site, _ = clocked
    client = site.client()
    token = csrf_token(client, "/beheer/inloggen")
    page = client.post("/beheer/inloggen", data={"csrf_token": token})
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'href="#veld-username"' in body and 'href="#veld-password"' in body


def test_deactivated_account_cannot_log_in_and_its_sessions_end(
    clocked: tuple[Site, Clock],
) -> None:
    site, _ = clocked
    client = site.client()
    login(client, "gea")
    site.container.staff.deactivate("gea", Actor.system("test"), "left the municipality")
    assert client.get("/beheer/").status_code == 302
    assert login(site.client(), "gea").status_code == 401


def test_password_hash_is_argon2id_and_not_in_the_event_store(
    clocked: tuple[Site, Clock],
) -> None:
    site, _ = clocked
    (stored,) = site.container.staff.tables.run(
        "SELECT hash FROM participatie_staff_passwords WHERE username = 'gea'"
    )[0]
    assert stored.startswith("$argon2id$")
    raw = site.container.settings.event_store_path.read_bytes()
    assert stored.encode() not in raw and PASSWORD.encode() not in raw


def test_next_page_after_login_is_kept_but_never_off_site(clocked: tuple[Site, Clock]) -> None:
    site, _ = clocked
    client = site.client()
    first = client.get(f"/beheer/wachtrij/{CENTRUM}")
    assert "volgende=" in first.location
    token = csrf_token(client, first.location)
    done = client.post(
        "/beheer/inloggen",
        data={
            "csrf_token": token,
            "username": "gea",
            "password": PASSWORD,
            "volgende": f"/beheer/wachtrij/{CENTRUM}",
        },
    )
    assert done.location == f"/beheer/wachtrij/{CENTRUM}"
    other = site.client()
    token = csrf_token(other, "/beheer/inloggen")
    evil = other.post(
        "/beheer/inloggen",
        data={"csrf_token": token, "username": "gea", "password": PASSWORD, "volgende": "//evil"},
    )
    assert evil.location == "/beheer/"


# -- queue ---------------------------------------------------------------------------------------


ROW_LINK = re.compile(r'<tr>\s*<td>.*?href="/beheer/initiatieven/([0-9a-f-]+)"', re.S)


def test_queue_lists_the_team_and_filters(staffed: Site) -> None:
    site = staffed
    fresh_routed(site)  # the demo's teams accept in time: make sure something waits
    site.project()
    client = site.client()
    login(client, "gea")
    page = client.get(f"/beheer/wachtrij/{CENTRUM}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    listed = set(ROW_LINK.findall(body))
    expected = {str(i.id) for i in open_in(site, CENTRUM)}
    assert listed and listed <= expected
    assert len(listed) == min(25, len(expected))
    # Only the work the team leads can be picked for a bulk action.
    picked = set(re.findall(r'name="ids" value="([^"]+)"', body))
    leads = {str(i.id) for i in open_in(site, CENTRUM) if i.lead_team == CENTRUM}
    assert picked == listed & leads and listed - leads
    routed = client.get(f"/beheer/wachtrij/{CENTRUM}?status=routed").get_data(as_text=True)
    shown = set(ROW_LINK.findall(routed))
    wanted = {str(i.id) for i in open_in(site, CENTRUM) if i.status is Status.ROUTED}
    assert shown and shown == wanted
    for theme in ("groen", "cultuur"):
        themed = client.get(f"/beheer/wachtrij/{CENTRUM}?theme={theme}").get_data(as_text=True)
        shown = set(ROW_LINK.findall(themed))
        assert shown == {str(i.id) for i in open_in(site, CENTRUM) if theme in i.themes}
    for role, wanted in (("lead", leads), ("involved", expected - leads)):
        only = client.get(f"/beheer/wachtrij/{CENTRUM}?role={role}").get_data(as_text=True)
        assert set(ROW_LINK.findall(only)) == wanted
    bad = client.get(f"/beheer/wachtrij/{CENTRUM}?priority=enorm")
    assert bad.status_code == 400 and "Een filter bestaat niet" in bad.get_data(as_text=True)
    wrong_role = client.get(f"/beheer/wachtrij/{CENTRUM}?role=baas")
    assert wrong_role.status_code == 400


def test_bulk_accept_and_assign_keep_the_selection(staffed: Site) -> None:
    site = staffed
    first, second = fresh_routed(site), fresh_routed(site)
    site.project()
    client = site.client()
    login(client, "gea")
    ids = [str(first.id), str(second.id)]
    token = csrf_token(client, f"/beheer/wachtrij/{CENTRUM}")
    data = {
        "csrf_token": token,
        "ids": ids,
        "bulk_action": "accept_handoff",
        f"version-{first.id}": str(first.version),
        f"version-{second.id}": str(second.version),
    }
    done = client.post(f"/beheer/wachtrij/{CENTRUM}/bulk", data=data)
    assert done.status_code == 303
    for iid in (first.id, second.id):
        assert site.app.get_initiative(iid).status is Status.IN_PROGRESS
    site.project()
    page = client.get(done.location).get_data(as_text=True)
    assert page.count("De overdracht is geaccepteerd.") == 2
    for iid in ids:  # still selected for the next action
        assert re.search(rf'value="{iid}" id="kies-{iid}" checked', page)
    # Assign both to tom, with the versions the page now shows.
    versions = dict(re.findall(r'name="version-([^"]+)" value="(\d+)"', page))
    token = csrf_token(client, f"/beheer/wachtrij/{CENTRUM}")
    client.post(
        f"/beheer/wachtrij/{CENTRUM}/bulk",
        data={
            "csrf_token": token,
            "ids": ids,
            "bulk_action": "assign",
            "assignee": "tom",
            **{f"version-{i}": versions[i] for i in ids},
        },
    )
    assert [site.app.get_initiative(UUID(i)).assignee for i in ids] == ["tom", "tom"]


def test_bulk_reports_each_stale_or_refused_item_and_stores_nothing_for_it(
    staffed: Site,
) -> None:
    site = staffed
    first, second = fresh_routed(site), fresh_routed(site)
    client = site.client()
    login(client, "gea")
    site.app.act(
        second.id, Assign(assignee="gijs"), actor=Actor("staff:gijs", Role.AREA_MANAGER, CENTRUM)
    )
    before = site.events()

    def bulk_priority(reason: str) -> str:
        token = csrf_token(client, f"/beheer/wachtrij/{CENTRUM}")
        done = client.post(
            f"/beheer/wachtrij/{CENTRUM}/bulk",
            data={
                "csrf_token": token,
                "ids": [str(first.id), str(second.id)],
                "bulk_action": "set_priority",
                "priority": "high",
                "reason": reason,
                f"version-{first.id}": str(first.version),
                f"version-{second.id}": str(second.version),
            },
        )
        return str(client.get(done.location).get_data(as_text=True))

    page = bulk_priority("")
    assert site.events() == before  # no reason: nothing stored for either
    assert page.count("Reden: Geef een reden") == 2
    page = bulk_priority("Veel klachten")
    assert site.events() == before + 1  # the first only; the second changed meanwhile
    assert site.app.get_initiative(first.id).priority.value == "high"
    assert site.app.get_initiative(second.id).priority.value == "normal"
    assert "De prioriteit is opgeslagen." in page
    assert "Iemand anders heeft dit initiatief net gewijzigd" in page


# -- detail and actions --------------------------------------------------------------------------


def test_detail_shows_full_timeline_and_contact_details_are_logged(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    actor = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    site.app.act(initiative.id, AcceptHandoff(), actor=actor)
    site.app.act(initiative.id, AddInternalNote(note="Intern: bel de wijkagent"), actor=actor)
    client = site.client()
    login(client, "gea")
    page = client.get(f"/beheer/initiatieven/{initiative.id}").get_data(as_text=True)
    assert "Intern: bel de wijkagent" in page
    assert "Overdracht geaccepteerd" in page and "Uitleg:" in page  # routing explanation
    assert "jan@example.nl" not in page  # not opened yet
    assert site.app.processing_log() == []
    shown = open_contact(client, initiative.id)
    personal = site.app.personal_data(initiative.id)
    assert personal and personal["email"] in shown.get_data(as_text=True)
    (record,) = site.app.processing_log()
    assert isinstance(record, PersonalDataOpened)
    assert record.actor.id == "staff:gea" and record.initiative_id == initiative.id
    assert record.subject_id == initiative.initiator.subject_id and "email" in record.fields


def test_team_member_cannot_see_contact_details_of_another_team(staffed: Site, caplog: Any) -> None:
    site = staffed
    add_staff(site, "olaf", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"])
    initiative = fresh_routed(site)
    client = site.client()
    login(client, "olaf")
    with caplog.at_level(logging.WARNING, logger="participatie.staff.access"):
        refused = open_contact(client, initiative.id)
    assert refused.status_code == 403
    assert site.app.processing_log() == []
    assert any(
        "user=olaf" in r.getMessage() and "action=detail" in r.getMessage() for r in caplog.records
    )


def test_decide_needs_a_reason_and_keeps_what_was_typed(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    actor = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    version = site.app.act(initiative.id, AcceptHandoff(), actor=actor)
    client = site.client()
    login(client, "gea")
    before = site.events()
    page = post_action(
        client, initiative.id, "decide", version, outcome="honoured", rationale="Goed plan."
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'href="#veld-decide-reason"' in body
    assert "Goed plan." in body  # kept
    assert site.events() == before


def test_stale_action_gets_409_with_the_current_state_and_the_text_kept(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    client = site.client()
    login(client, "gea")
    seen = initiative.version
    site.app.act(
        initiative.id, AcceptHandoff(), actor=Actor("staff:gijs", Role.AREA_MANAGER, CENTRUM)
    )
    before = site.events()
    page = post_action(
        client,
        initiative.id,
        "set_priority",
        seen,
        priority="high",
        reason="Mijn zorgvuldige reden",
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "Iemand anders heeft dit initiatief gewijzigd" in body
    assert "Mijn zorgvuldige reden" in body
    assert "In behandeling" in body  # the current state
    assert site.events() == before


def test_notes_from_two_tabs_do_not_conflict(staffed: Site) -> None:
    """A note does not depend on the state: the second tab's note, on the version both tabs
    saw, is kept beside the first instead of refused as stale."""
    site = staffed
    initiative = fresh_routed(site)
    client = site.client()
    login(client, "gea")
    seen = initiative.version
    first = post_action(client, initiative.id, "add_internal_note", seen, note="Notitie uit tab 1")
    second = post_action(client, initiative.id, "add_internal_note", seen, note="Notitie uit tab 2")
    assert (first.status_code, second.status_code) == (303, 303)
    notes = [
        e.note
        for e in site.app.history(initiative.id)
        if isinstance(e, Initiative.InternalNoteAdded)
    ]
    assert notes == ["Notitie uit tab 1", "Notitie uit tab 2"]


def test_two_managers_decide_at_once_exactly_one_decision(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    version = site.app.act(
        initiative.id, AcceptHandoff(), actor=Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    )
    clients = {name: site.client() for name in ("gea", "gijs")}
    tokens = {}
    for name, client in clients.items():
        login(client, name)
        tokens[name] = csrf_token(client, f"/beheer/initiatieven/{initiative.id}")
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def decide(name: str, outcome: str) -> None:
        barrier.wait()
        response = clients[name].post(
            f"/beheer/initiatieven/{initiative.id}/decide",
            data={
                "csrf_token": tokens[name],
                "version": str(version),
                "outcome": outcome,
                "rationale": f"Onderbouwing van {name}",
                "reason": f"Besluit van {name}",
            },
        )
        statuses[name] = response.status_code

    threads = [
        threading.Thread(target=decide, args=("gea", "honoured")),
        threading.Thread(target=decide, args=("gijs", "not_honoured")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses.values()) == [303, 409]
    decided = [e for e in site.app.history(initiative.id) if isinstance(e, Initiative.Decided)]
    assert len(decided) == 1
    winner = next(n for n, s in statuses.items() if s == 303)
    assert decided[0].actor.id == f"staff:{winner}"
    assert decided[0].rationale == f"Onderbouwing van {winner}"


def test_full_case_from_accept_to_completion_with_reasons(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    client = site.client()
    login(client, "gea")
    iid = initiative.id

    def step(action: str, **data: Any) -> None:
        version = site.app.get_initiative(iid).version
        response = post_action(client, iid, action, version, **data)
        assert response.status_code == 303, (action, response.get_data(as_text=True)[:2000])

    step("accept_handoff")
    step("set_priority", priority="high", reason="Veel steun in de buurt")
    step("assign", assignee="tom")
    step("post_public_update", message="We bekijken het plan.")
    step(
        "decide", outcome="partly_honoured", rationale="Deels: alleen de bankjes.", reason="Budget"
    )
    assert site.app.get_initiative(iid).decision_published is False
    step("publish_decision")
    step("start_execution")
    step("complete", reason="Bankjes geplaatst")
    done = site.app.get_initiative(iid)
    assert done.status is Status.COMPLETED and done.priority.value == "high"
    assert done.assignee == "tom"
    reasons = {type(e).__name__: getattr(e, "reason", None) for e in site.app.history(iid)}
    assert reasons["PrioritySet"] == "Veel steun in de buurt"
    assert reasons["Decided"] == "Budget" and reasons["Completed"] == "Bankjes geplaatst"
    site.project()
    public = site.client().get(f"/initiatieven/{iid}").get_data(as_text=True)
    assert "We bekijken het plan." in public


def test_forward_escalate_and_merge(staffed: Site) -> None:
    site = staffed
    add_staff(site, "rita", Role.REGIE, ["regie"])
    first, second = fresh_routed(site), fresh_routed(site)
    client = site.client()
    login(client, "gea")
    response = post_action(
        client,
        first.id,
        "forward",
        first.version,
        to_team="lijn-openbare-ruimte",
        reason="Gewoon onderhoud",
    )
    assert response.status_code == 303
    assert site.app.get_initiative(first.id).lead_team == "lijn-openbare-ruimte"
    unknown = post_action(client, second.id, "forward", second.version, to_team="x", reason="r")
    assert unknown.status_code == 422 and "Kies een team uit de lijst." in unknown.get_data(
        as_text=True
    )
    response = post_action(client, second.id, "escalate", second.version, reason="Te groot")
    assert response.status_code == 303
    assert site.app.get_initiative(second.id).lead_team == "regie"
    regie = site.client()
    login(regie, "rita")
    third = fresh_routed(site)
    merged = post_action(
        regie,
        second.id,
        "merge",
        site.app.get_initiative(second.id).version,
        into=str(third.id),
        reason="Zelfde bankjes",
    )
    assert merged.status_code == 303
    assert site.app.get_initiative(second.id).status is Status.MERGED
    site.project()
    dashboard = regie.get("/beheer/regie").get_data(as_text=True)
    assert 'id="lijst-escalated"' in dashboard


def test_merging_into_another_teams_initiative_answers_as_for_an_unknown_number(
    staffed: Site,
) -> None:
    """Whether a number exists, and whether it is closed, is not for a team that may not see it:
    the form and the API give the same answer as for a number that does not exist."""
    site = staffed
    system = Actor.system("test")
    mine, also_mine = fresh_routed(site), fresh_routed(site)
    theirs_open, theirs_closed = fresh_routed(site), fresh_routed(site)
    for other in (theirs_open, theirs_closed):
        site.app.act(
            other.id, Forward(to_team="lijn-openbare-ruimte", reason="lijnwerk"), actor=system
        )
    site.app.act(theirs_closed.id, Merge(into=theirs_open.id, reason="dubbel"), actor=system)
    targets = {
        "unknown": "00000000-0000-4000-8000-000000000000",
        "other team, open": str(theirs_open.id),
        "other team, closed": str(theirs_closed.id),
    }
    client = site.client()
    login(client, "gea")
    bearer = {"Authorization": f"Bearer {site.container.staff.issue_token('gea', 'test', 1)}"}
    version = site.app.get_initiative(mine.id).version
    form_errors, api_answers = {}, {}
    for name, into in targets.items():
        page = post_action(client, mine.id, "merge", version, into=into, reason="dubbel")
        assert page.status_code == 422, name
        body = page.get_data(as_text=True)
        shown = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', body)
        form_errors[name] = [re.sub(r"<[^>]+>", "", error) for error in shown]
        assert "al afgesloten" not in body, name
        api = client.post(
            f"/api/v1/initiatives/{mine.id}/actions/merge",
            json={"version": version, "into": into, "reason": "dubbel"},
            headers=bearer,
        )
        api_answers[name] = (api.status_code, api.get_json())
    assert form_errors["unknown"] == ["Fout: Er is geen initiatief met dit nummer."]
    assert form_errors["other team, open"] == form_errors["unknown"]
    assert form_errors["other team, closed"] == form_errors["unknown"]
    assert api_answers["unknown"][0] == 422
    assert api_answers["other team, open"] == api_answers["unknown"]
    assert api_answers["other team, closed"] == api_answers["unknown"]
    assert site.app.get_initiative(mine.id).version == version  # nothing stored
    assert site.app.get_initiative(theirs_open.id).status is Status.ROUTED
    # The control: into an initiative of its own team, the merge goes through.
    done = post_action(client, mine.id, "merge", version, into=str(also_mine.id), reason="dubbel")
    assert done.status_code == 303
    assert site.app.get_initiative(mine.id).status is Status.MERGED


def test_regie_dashboard_sorts_unrouted_declined_escalated_and_expired(
    clocked: tuple[Site, Clock],
) -> None:
    site, clock = clocked
    add_staff(site, "rita", Role.REGIE, ["regie"])
    from tests.conftest import submission

    def new(route: bool = True) -> UUID:
        data = submission()
        data["location"] = {"area_code": "BU99990101"}
        data["themes"] = ["cultuur"]
        iid = UUID(str(site.app.submit(data).initiative_id))
        if route:
            site.app.route_initiative(iid, Actor.system("test"))
        return iid

    gea = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    unrouted = new(route=False)
    declined = new()
    site.app.act(declined, DeclineHandoff(reason="Geen gebiedszaak"), actor=gea)
    escalated = new()
    site.app.act(escalated, Escalate(reason="Raakt drie wijken"), actor=gea)
    clock.now -= timedelta(days=30)  # a hand-off from a month ago, never answered
    expired = new()
    clock.now += timedelta(days=30)
    site.project()
    client = site.client()
    login(client, "rita")
    page = client.get("/beheer/regie").get_data(as_text=True)

    def listed(key: str) -> set[str]:
        section = page.split(f'id="lijst-{key}"', 1)[1].split("</section>", 1)[0]
        return set(re.findall(r"/beheer/initiatieven/([0-9a-f-]{36})", section))

    assert str(unrouted) in listed("unrouted")
    assert str(declined) in listed("declined") and str(declined) not in listed("escalated")
    assert str(escalated) in listed("escalated") and str(escalated) not in listed("declined")
    assert str(expired) in listed("expired")
    assert str(declined) not in listed("expired")  # regie's new hand-off is not yet due
    # Regie can read and pull in any open initiative (escalate), but not decide on it.
    other = fresh_routed(site)
    assert client.get(f"/beheer/initiatieven/{other.id}").status_code == 200
    pulled = post_action(client, other.id, "escalate", other.version, reason="Regie pakt op")
    assert pulled.status_code == 303
    assert site.app.get_initiative(other.id).lead_team == "regie"


def test_change_details_then_reroute_moves_it_with_a_reason(staffed: Site) -> None:
    site = staffed
    initiative = fresh_routed(site)
    client = site.client()
    login(client, "gea")
    changed = post_action(
        client,
        initiative.id,
        "change_details",
        initiative.version,
        themes=["energie"],
        reason="Het gaat om zonnepanelen",
    )
    assert changed.status_code == 303
    assert site.app.get_initiative(initiative.id).themes == ["energie"]
    assert site.app.get_initiative(initiative.id).lead_team == CENTRUM  # not moved by itself
    current = site.app.get_initiative(initiative.id)
    moved = post_action(client, initiative.id, "reroute", current.version, reason="Nieuw thema")
    assert moved.status_code == 303
    after = site.app.get_initiative(initiative.id)
    rerouted = [e for e in site.app.history(initiative.id) if type(e).__name__ == "Rerouted"]
    if after.lead_team == CENTRUM:  # the rulebook keeps it here: nothing recorded, and said so
        assert rerouted == [] and "gedaan=reroute_same" in moved.location
    else:
        assert len(rerouted) == 1 and rerouted[0].reason == "Nieuw thema"
    nothing = post_action(
        client, initiative.id, "change_details", after.version, themes=["energie"], reason="x"
    )
    assert nothing.status_code == 422
    assert "Er is niets veranderd." in nothing.get_data(as_text=True)


def test_staff_pages_are_never_cached_and_refusals_are_explained(staffed: Site) -> None:
    client = staffed.client()
    login(client, "tom")
    home = client.get("/beheer/")
    assert home.headers["Cache-Control"] == "no-store"
    refused = client.get("/beheer/regie")
    assert refused.status_code == 403
    assert "Geen toegang" in refused.get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store"


def test_overdue_work_is_shown_in_the_queue_the_detail_and_the_area_overview(
    clocked: tuple[Site, Clock],
) -> None:
    site, clock = clocked
    from tests.conftest import submission

    def new() -> UUID:
        data = submission()
        data["location"] = {"area_code": "BU99990101"}
        data["themes"] = ["cultuur"]
        iid = UUID(str(site.app.submit(data).initiative_id))
        site.app.route_initiative(iid, Actor.system("test"))
        return iid

    gea = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    clock.now -= timedelta(days=90)  # submitted three months ago
    late_handoff = new()
    late_decision = new()
    site.app.act(late_decision, AcceptHandoff(), actor=gea)
    waiting = new()
    site.app.act(waiting, AcceptHandoff(), actor=gea)
    site.app.act(waiting, RequestInfo(question="Welke straat?"), actor=gea)
    clock.now += timedelta(days=90)
    on_time = new()
    assert site.app.sweep_deadlines(late_handoff, escalate=()) == ["handoff", "decision"]
    assert site.app.sweep_deadlines(waiting) == []  # paused: not late
    site.project()
    client = site.client()
    login(client, "gea")

    page = client.get(f"/beheer/wachtrij/{CENTRUM}?overdue=1").get_data(as_text=True)
    listed = set(re.findall(r'name="ids" value="([^"]+)"', page))
    assert {str(late_handoff), str(late_decision)} <= listed
    assert str(on_time) not in listed and str(waiting) not in listed
    rows = {iid: page.split(f'value="{iid}"', 1)[1].split("</tr>", 1)[0] for iid in listed}
    assert "Acceptatie te laat sinds" in rows[str(late_handoff)]
    assert "deadline--overdue" in rows[str(late_handoff)]
    assert "Besluit te laat sinds" in rows[str(late_decision)]
    everything = client.get(f"/beheer/wachtrij/{CENTRUM}?sort=deadline").get_data(as_text=True)

    def row_of(iid: UUID) -> str:
        return everything.split(f'value="{iid}"', 1)[1].split("</tr>", 1)[0]

    assert "Accepteren uiterlijk" in row_of(on_time)
    assert "Termijn staat stil: wacht op de indiener" in row_of(waiting)

    detail = client.get(f"/beheer/initiatieven/{late_handoff}").get_data(as_text=True)
    assert 'id="termijn-besluit"' in detail and 'id="termijn-acceptatie"' in detail
    assert detail.count("Termijn verstreken") == 2  # both missed deadlines on the timeline
    paused = client.get(f"/beheer/initiatieven/{waiting}").get_data(as_text=True)
    assert "Staat stil sinds" in paused

    area = site.client().get("/gebieden/BU99990101").get_data(as_text=True)
    late = int(re.search(r'<dd id="te-laat">(\d+)</dd>', area).group(1))  # type: ignore[union-attr]
    assert late >= 2
