"""The JSON API /api/v1: public submit and status, staff actions with bearer tokens scoped like
the pages, audit endpoints, 422 field errors, 409 on stale versions, and the OpenAPI document."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from participatie.domain.values import Actor, Role
from participatie.staff import access
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff

CENTRUM = "gebiedsteam-centrum"


def bearer(site: Site, username: str, role: Role, teams: list[str]) -> dict[str, str]:
    add_staff(site, username, role, teams)
    return {"Authorization": "Bearer " + site.container.staff.issue_token(username, "test", 1)}


def routed(site: Site) -> UUID:
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    data["themes"] = ["cultuur"]
    iid = site.app.submit(data).initiative_id
    site.app.route_initiative(iid, Actor.system("test"))
    return UUID(str(iid))


def test_the_openapi_document_describes_every_operation(site: Site) -> None:
    client = site.client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/v1/initiatives",
        "/api/v1/tracking",
        "/api/v1/areas",
        "/api/v1/themes",
        "/api/v1/teams",
        "/api/v1/queues/{team}",
        "/api/v1/initiatives/{initiative_id}/actions/{action}",
        "/api/v1/audit/verify",
    ):
        assert path in paths
    assert paths["/api/v1/queues/{team}"]["get"]["security"] == [{"bearer": []}]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    methods = {"get", "post", "put", "patch", "delete"}
    assert docs.count('class="api-op"') == sum(len(set(ops) & methods) for ops in paths.values())


def test_submit_then_follow_by_tracking_code(site: Site) -> None:
    client = site.client()
    data = submission()
    data["location"] = {"area_code": "BU99990101"}
    created = client.post("/api/v1/initiatives", json=data)
    assert created.status_code == 201
    body = created.get_json()
    stored = site.app.get_initiative(UUID(body["id"]))
    assert stored.channel == "api" and stored.title == data["title"]
    status = client.post("/api/v1/tracking", json={"tracking_code": body["tracking_code"]})
    assert status.get_json()["status"] == "submitted" and status.get_json()["id"] == body["id"]
    for secret in (created, status):  # the code, and what it opens: never kept by a cache
        assert secret.headers["Cache-Control"] == "no-store"
        assert secret.headers["Referrer-Policy"] == "no-referrer"
    unknown = client.post("/api/v1/tracking", json={"tracking_code": "NOPE"})
    assert unknown.status_code == 404
    code = body["tracking_code"].replace("-", "")
    wrong = code[:14] + ("0" if code[14] != "0" else "1")  # another check symbol
    typo = client.post("/api/v1/tracking", json={"tracking_code": wrong})
    assert typo.status_code == 422
    assert "tikfout" in typo.get_json()["errors"]["json"]["tracking_code"][0]
    english = client.post(
        "/api/v1/tracking", json={"tracking_code": wrong}, headers={"Accept-Language": "en"}
    )
    assert "typo" in english.get_json()["errors"]["json"]["tracking_code"][0]


def test_bad_input_gets_422_per_field_and_stores_nothing(site: Site) -> None:
    client = site.client()
    before = site.events()
    data = submission()
    data["location"] = {"lat": 10.0, "lon": 10.0}  # outside the municipality
    data["initiator"]["kind"] = "business"  # type: ignore[index]
    answer = client.post("/api/v1/initiatives", json=data)
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]["json"]
    assert errors["initiator"]["kvk_number"] == ["Een ondernemer heeft een KvK-nummer nodig."]
    assert errors["location"]["lat"] == ["Dit punt ligt buiten de gemeente."]
    assert site.events() == before


def test_staff_actions_need_a_token_and_follow_the_page_policy(site: Site) -> None:
    client = site.client()
    iid = routed(site)
    initiative = site.app.get_initiative(iid)
    manager = bearer(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    member = bearer(site, "tom", Role.TEAM_MEMBER, [CENTRUM])
    other = bearer(site, "olaf", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"])
    url = f"/api/v1/initiatives/{iid}/actions/accept_handoff"
    assert client.post(url, json={"version": initiative.version}).status_code == 401
    assert client.post(url, json={"version": 1}, headers=other).status_code == 403
    seen = client.get(f"/api/v1/initiatives/{iid}", headers=member).get_json()
    assert "decide" not in seen["actions"] and "accept_handoff" in seen["actions"]
    accepted = client.post(url, json={"version": seen["version"]}, headers=member)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "in_progress"
    version = accepted.get_json()["version"]
    decide = f"/api/v1/initiatives/{iid}/actions/decide"
    body = {"version": version, "outcome": "honoured", "rationale": "Goed plan", "reason": "R"}
    assert client.post(decide, json=body, headers=member).status_code == 403  # manager only
    missing = client.post(decide, json={"version": version, "outcome": "honoured"}, headers=manager)
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]["json"]) == {"rationale", "reason"}
    done = client.post(decide, json=body, headers=manager)
    assert done.status_code == 200 and done.get_json()["status"] == "decided"
    stale = client.post(decide, json=body, headers=manager)
    assert stale.status_code == 409
    assert stale.get_json()["errors"]["current"]["version"] == done.get_json()["version"]
    decided = [e for e in site.app.history(iid) if type(e).__name__ == "Decided"]
    assert len(decided) == 1 and decided[0].actor.id == "staff:gea"


@pytest.mark.parametrize("role", [Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.AUDITOR, Role.ADMIN])
def test_the_api_refuses_exactly_what_the_pages_refuse(site: Site, role: Role) -> None:
    client = site.client()
    iid = routed(site)
    teams = [CENTRUM] if role in access.CASE_ROLES else []
    headers = bearer(site, f"u-{role.value}", role, teams)
    rel = access.relation(teams, CENTRUM, [])
    for action in access.ACTIONS:
        status = client.post(
            f"/api/v1/initiatives/{iid}/actions/{action}", json={"version": 1}, headers=headers
        ).status_code
        assert (status != 403) == access.allowed(role, action, rel), (role, action, status)
    queue = client.get(f"/api/v1/queues/{CENTRUM}", headers=headers).status_code
    assert (queue == 200) == access.allowed(role, "queue", rel)


def test_audit_endpoints_for_auditors(site: Site) -> None:
    client = site.client()
    iid = routed(site)
    auditor = bearer(site, "anouk", Role.AUDITOR, [])
    manager = bearer(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    history = client.get(f"/api/v1/audit/initiatives/{iid}/history", headers=auditor)
    assert [e["event"] for e in history.get_json()] == ["Submitted", "Routed"]
    assert history.get_json()[0]["details"]["initiator"]["encrypted"] is True
    assert (
        client.get(f"/api/v1/audit/initiatives/{iid}/history", headers=manager).status_code == 403
    )
    moment = site.app.get_initiative(iid).routing  # routed: the state as of now
    assert moment is not None
    now = site.app.clock().isoformat()
    state = client.get(
        f"/api/v1/audit/initiatives/{iid}/as-of", query_string={"at": now}, headers=auditor
    )
    assert state.get_json()["status"] == "routed"
    naive = client.get(
        f"/api/v1/audit/initiatives/{iid}/as-of",
        query_string={"at": "2026-01-01T00:00"},
        headers=auditor,
    )
    assert naive.status_code == 422
    site.container.sealer().seal()
    verified = client.post("/api/v1/audit/verify", headers=auditor).get_json()
    assert verified["ok"] is True and verified["checked"] == site.events()


def test_expired_or_revoked_tokens_open_nothing(site: Site) -> None:
    client = site.client()
    headers = bearer(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    assert client.get(f"/api/v1/queues/{CENTRUM}", headers=headers).status_code == 200
    later = site.app.clock()
    from datetime import timedelta

    site.app.clock = lambda: later + timedelta(days=2)
    assert client.get(f"/api/v1/queues/{CENTRUM}", headers=headers).status_code == 401
    site.app.clock = lambda: later
    site.container.staff.deactivate("gea", Actor.system("test"), "vertrokken")
    assert client.get(f"/api/v1/queues/{CENTRUM}", headers=headers).status_code == 401
    token: Any = headers["Authorization"].split()[1]
    assert site.container.staff.token_account(token) is None


def test_api_and_open311_submissions_share_the_rate_limit_and_errors_do_not_count(
    tmp_path: Any,
) -> None:
    from participatie.config import Settings
    from tests.e2e.conftest import make_site

    site = make_site(Settings(var_dir=tmp_path / "var"), SUBMIT_RATE_LIMIT="2 per minute")
    try:
        client = site.client()
        data = submission()
        data["location"] = {"area_code": "BU99990101"}
        for _ in range(3):  # rejected input is not counted
            assert client.post("/api/v1/initiatives", json={"title": "x"}).status_code == 422
        assert client.post("/api/v1/initiatives", json=data).status_code == 201
        assert client.post("/api/v1/initiatives", json=data).status_code == 201
        limited = client.post("/api/v1/initiatives", json=data)
        assert limited.status_code == 429 and limited.get_json()["code"] == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 61  # the minute, in whole seconds
        assert "X-RateLimit-Remaining" not in limited.headers
        open311 = client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": "groen",
                "address_id": "BU99990101",
                "email": "a@example.org",
                "first_name": "A",
                "description": "Een lange beschrijving van het verzoek.",
            },
        )
        assert open311.status_code == 429
        assert open311.get_json()[0]["code"] == 429
    finally:
        site.container.close()


def test_errors_of_list_items_and_of_the_list_itself_come_back_together(site: Site) -> None:
    """Errors keyed by list position (int) beside field names (str) once gave a 500."""
    answer = site.client().post("/api/v1/initiatives", json={"themes": [1] * 6})
    assert answer.status_code == 422
    themes = answer.get_json()["errors"]["json"]["themes"]
    assert set(themes) == {str(i) for i in range(6)}  # each bad item named by its position


def test_the_queue_says_which_deadline_is_late(site: Site) -> None:
    """A hand-off nobody accepted for a month and a decision not taken in ten weeks are past
    due (the demo's own teams answer in time); the API says which is which."""
    from datetime import UTC, datetime, timedelta

    from participatie.application.schemas import SubmissionSchema
    from participatie.demo import ROUTER
    from participatie.domain.commands import AcceptHandoff

    app = site.app
    now = datetime.now(tz=UTC)
    for days, accept in ((30, False), (70, True)):
        data = SubmissionSchema.of(app).load_submission(
            submission(themes=["cultuur"], location={"area_code": "BU99990101"})
        )
        at = now - timedelta(days=days)
        iid = app.submit(data, at=at).initiative_id
        app.route_initiative(iid, ROUTER, at + timedelta(minutes=1))
        assert app.get_initiative(iid).lead_team == CENTRUM
        if accept:
            manager = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
            app.act(iid, AcceptHandoff(), actor=manager, at=at + timedelta(days=1))
    site.project()
    headers = bearer(site, "gea", Role.AREA_MANAGER, [CENTRUM])
    body = site.client().get(f"/api/v1/queues/{CENTRUM}?overdue=true", headers=headers)
    items = body.get_json()["items"]
    assert items
    for item in items:
        assert item["overdue"] is True
        assert datetime.fromisoformat(item["deadline"]) < now
        initiative = site.app.get_initiative(UUID(item["initiative_id"]))
        assert initiative.next_deadline is not None
        due, kind = initiative.next_deadline
        assert (item["deadline_kind"], datetime.fromisoformat(item["deadline"])) == (kind, due)
    assert {i["deadline_kind"] for i in items} == {"handoff", "decision"}
