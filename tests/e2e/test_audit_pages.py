"""Auditor pages: history, time travel, integrity, exports and the processing log — and no
personal data anywhere in them (checked with canary values)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from participatie.domain.processing import EventsExported
from participatie.domain.values import Actor, Role
from tests.conftest import submission
from tests.e2e.conftest import Site, add_staff, csrf_token, export_events, login

CANARIES = ("Kanarie Vogelzang", "kanarie-5521@example.org", "+31 6 5521 0000", "Piepstraat 9")


def canary_site(site: Site) -> str:
    data = submission()
    data["initiator"] = {
        "kind": "resident",
        "name": CANARIES[0],
        "email": CANARIES[1],
        "phone": CANARIES[2],
        "address": CANARIES[3],
    }
    data["location"] = {"area_code": "BU99990101"}
    data["themes"] = ["cultuur"]
    iid = site.app.submit(data).initiative_id
    site.app.route_initiative(iid, Actor.system("test"))
    lead = site.app.get_initiative(iid).lead_team
    # A team member opens the contact details: that lands in the processing log.
    site.app.open_personal_data(iid, Actor("staff:gea", Role.AREA_MANAGER, lead), "behandeling")
    site.project()
    return str(iid)


def test_auditor_pages_show_history_and_time_travel_without_personal_data(site: Site) -> None:
    iid = canary_site(site)
    add_staff(site, "anouk", Role.AUDITOR, [])
    client = site.client()
    login(client, "anouk")
    site.container.sealer().seal()
    pages = {}
    pages["home"] = client.get("/beheer/audit/")
    pages["history"] = client.get(f"/beheer/audit/initiatieven/{iid}")
    later = (datetime.now(tz=UTC) + timedelta(minutes=1)).isoformat()
    pages["as-of"] = client.get(f"/beheer/audit/initiatieven/{iid}", query_string={"op": later})
    pages["json"] = client.get(f"/beheer/audit/initiatieven/{iid}.json", query_string={"op": later})
    pages["queue"] = client.get(
        "/beheer/audit/wachtrij", query_string={"team": "gebiedsteam-centrum", "op": later}
    )
    pages["jsonl"] = export_events(client, format="jsonl")
    pages["csv"] = export_events(client, format="csv", gebied="BU99990101")
    pages["log"] = client.get("/beheer/audit/verwerkingen")
    token = csrf_token(client, "/beheer/audit/controle")
    pages["integrity"] = client.post("/beheer/audit/controle", data={"csrf_token": token})
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        for canary in CANARIES:
            assert canary not in body, (name, canary)
    history = pages["history"].get_data(as_text=True)
    assert "Gerouteerd" in history and "Regel" in history and "system:test" in history
    as_json = json.loads(pages["json"].get_data(as_text=True))
    assert as_json["history"][0]["event"] == "Submitted"
    assert as_json["history"][0]["details"]["initiator"]["encrypted"] is True
    assert as_json["as_of"]["status"] == "routed"
    assert iid in pages["queue"].get_data(as_text=True)
    lines = [json.loads(x) for x in pages["jsonl"].get_data(as_text=True).splitlines()]
    assert iid in {x["aggregate_id"] for x in lines}
    assert pages["csv"].get_data(as_text=True).startswith("position,at,aggregate")
    log = pages["log"].get_data(as_text=True)
    subject = str(site.app.get_initiative(UUID(iid)).initiator.subject_id)
    assert subject in log and "behandeling" in log and "staff:anouk" in log  # exports recorded
    assert "In orde" in pages["integrity"].get_data(as_text=True)
    exports = [
        site.app.repository.get(n.originator_id)
        for n in site.app.notifications(EventsExported.Recorded)
    ]
    assert [(e.actor.id, e.with_personal_data) for e in exports] == [
        ("staff:anouk", False),
        ("staff:anouk", False),
    ]


def test_a_queue_as_of_needs_a_team_and_a_moment(site: Site) -> None:
    add_staff(site, "anouk", Role.AUDITOR, [])
    client = site.client()
    login(client, "anouk")
    bad = client.get("/beheer/audit/wachtrij", query_string={"team": "x", "op": "gisteren"})
    assert bad.status_code == 422
    assert "Vul een datum en tijd in." in bad.get_data(as_text=True)
    assert (
        client.get("/beheer/audit/initiatieven/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


def test_with_a_grant_an_auditor_exports_personal_data_and_it_is_recorded(site: Site) -> None:
    iid = canary_site(site)
    add_staff(site, "anouk", Role.AUDITOR, [])
    client = site.client()
    login(client, "anouk")
    refused = export_events(client, format="jsonl", persoonsgegevens="1")
    assert refused.status_code == 403
    home = client.get("/beheer/audit/").get_data(as_text=True)
    assert "veld-persoonsgegevens" not in home
    site.container.staff.grant("anouk", "WOO-verzoek 2026-31", 2, Actor.system("test"))
    assert "WOO-verzoek 2026-31" in client.get("/beheer/audit/").get_data(as_text=True)
    granted = export_events(
        client, format="jsonl", persoonsgegevens="1", gebied="BU99990101"
    ).get_data(as_text=True)
    assert CANARIES[1] in granted and CANARIES[0] in granted
    subject = site.app.get_initiative(UUID(iid)).initiator.subject_id
    opened = [r for r in site.app.processing_log(subject) if r.actor.id == "staff:anouk"]
    assert opened and opened[0].purpose == "export: WOO-verzoek 2026-31"
    # The grant expires: then personal data is refused again.
    later = site.app.clock() + timedelta(days=3)
    site.app.clock = lambda: later
    login(client, "anouk")  # the session itself expired meanwhile
    assert export_events(client, format="jsonl", persoonsgegevens="1").status_code == 403


def test_the_history_shows_each_moment_on_the_municipal_clock(site: Site) -> None:
    """Submitted 1 July 2026 09:22:03 UTC: 11:22:03 in Amsterdam (summer time), to the second,
    with the exact UTC moment kept in the page's markup; routed 20 January 2027 08:05:09 UTC:
    09:05:09 (winter time). In English the month is English."""
    data = submission(location={"area_code": "BU99990101"}, themes=["cultuur"])
    summer = datetime(2026, 7, 1, 9, 22, 3, tzinfo=UTC)
    iid = site.app.submit(data, at=summer).initiative_id
    site.app.route_initiative(iid, Actor.system("test"), datetime(2027, 1, 20, 8, 5, 9, tzinfo=UTC))
    add_staff(site, "anouk", Role.AUDITOR, [])
    client = site.client()
    login(client, "anouk")
    page = client.get(f"/beheer/audit/initiatieven/{iid}").get_data(as_text=True)
    assert '<time datetime="2026-07-01T09:22:03+00:00">1 juli 2026, 11:22:03</time>' in page
    assert ">20 januari 2027, 09:05:09</time>" in page
    client.set_cookie("taal", "en")
    english = client.get(f"/beheer/audit/initiatieven/{iid}").get_data(as_text=True)
    assert ">July 1, 2026, 11:22:03</time>" in english or ">1 July 2026, 11:22:03</time>" in english
