"""Say how it went, through the tracking page: rate finished work (field errors change nothing),
reopen it within the period, and the lead team is mailed the reopened work."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from uuid import UUID

from participatie.domain.commands import (
    AcceptHandoff,
    Complete,
    Decide,
    PublishDecision,
    StartExecution,
)
from participatie.domain.values import Actor, Outcome, Role
from participatie.notifications.messages import deliver
from tests.e2e.conftest import Site, csrf_token
from tests.e2e.test_public_pages import submit


def completed(site: Site) -> tuple[str, UUID]:
    code = submit(site)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    app = site.app
    app.route_initiative(initiative_id, Actor.system("worker"))
    lead = app.get_initiative(initiative_id).lead_team
    assert lead is not None
    team = Actor(f"u-{lead}", Role.AREA_MANAGER, lead)
    app.act(initiative_id, AcceptHandoff(), actor=team)
    app.act(initiative_id, Decide(Outcome.HONOURED, "Past in het plan.", "overleg"), actor=team)
    app.act(initiative_id, PublishDecision(), actor=team)
    app.act(initiative_id, StartExecution(), actor=team)
    app.act(initiative_id, Complete(), actor=team)
    site.project()
    return code, initiative_id


def following(site: Site, code: str) -> tuple[object, str]:
    client = site.client()
    token = csrf_token(client, "/volgen")
    assert client.post("/volgen", data={"csrf_token": token, "code": code}).status_code == 303
    return client, csrf_token(client, "/mijn-initiatief")


def test_the_initiator_rates_finished_work_once(site: Site) -> None:
    code, initiative_id = completed(site)
    client, token = following(site, code)
    page = client.get("/mijn-initiatief").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Hoe ging het?" in page and 'name="score" value="5"' in page
    version = site.app.get_initiative(initiative_id).version
    for bad in ("", "0", "6", "vijf", "3.5"):
        answer = client.post(  # type: ignore[attr-defined]
            "/mijn-initiatief/beoordelen",
            data={"csrf_token": token, "version": version, "score": bad, "comment": "Fijn"},
        )
        assert answer.status_code == 422, bad
        body = answer.get_data(as_text=True)
        assert "Kies een cijfer van 1 tot 5." in body and 'href="#veld-score"' in body
        assert ">Fijn</textarea>" in body  # the comment is kept
    assert site.app.get_initiative(initiative_id).version == version
    done = client.post(  # type: ignore[attr-defined]
        "/mijn-initiatief/beoordelen",
        data={"csrf_token": token, "version": version, "score": "4", "comment": "Snel geregeld."},
    )
    assert done.status_code == 303
    assert site.app.get_initiative(initiative_id).rating == 4
    page = client.get("/mijn-initiatief").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "U gaf een 4 van 5" in page and 'name="score"' not in page
    again = client.post(  # type: ignore[attr-defined]
        "/mijn-initiatief/beoordelen",
        data={"csrf_token": token, "version": version + 1, "score": "1"},
    )
    assert again.status_code == 422 and site.app.get_initiative(initiative_id).rating == 4


def test_the_initiator_reopens_within_the_period_and_the_team_is_mailed(site: Site) -> None:
    code, initiative_id = completed(site)
    client, token = following(site, code)
    version = site.app.get_initiative(initiative_id).version
    empty = client.post(  # type: ignore[attr-defined]
        "/mijn-initiatief/heropenen", data={"csrf_token": token, "version": version, "reason": ""}
    )
    assert empty.status_code == 422
    assert "Dit veld is verplicht." in empty.get_data(as_text=True)
    short = client.post(  # type: ignore[attr-defined]
        "/mijn-initiatief/heropenen",
        data={"csrf_token": token, "version": version, "reason": "nee"},
    )
    assert short.status_code == 422
    assert "Leg in 5 tot 2000 tekens uit" in short.get_data(as_text=True)
    assert 'href="#veld-reason"' in short.get_data(as_text=True)
    assert site.app.get_initiative(initiative_id).version == version
    reopened = client.post(  # type: ignore[attr-defined]
        "/mijn-initiatief/heropenen",
        data={"csrf_token": token, "version": version, "reason": "De bankjes staan er nog niet."},
    )
    assert reopened.status_code == 303
    initiative = site.app.get_initiative(initiative_id)
    assert initiative.status.value == "routed" and initiative.handoff_pending
    page = client.get("/mijn-initiatief?gedaan=reopen").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Uw initiatief is heropend" in page
    deliver(site.container, initiative_id, initiative.version)
    (mail,) = [m for m in site.container.mailer.messages() if m.name.startswith("reopened-")]
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert str(message["Subject"]).startswith("Heropend door de indiener: Bankje bij de vijver")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "De bankjes staan er nog niet." in text and "Accepteer of wijs af uiterlijk" in text


def test_after_the_period_the_reopen_form_is_gone_and_a_post_is_refused(site: Site) -> None:
    code, initiative_id = completed(site)
    finished = site.app.get_initiative(initiative_id).finished_on
    assert finished is not None
    real = site.app.clock
    site.app.clock = lambda: finished + timedelta(days=29)
    try:
        client, token = following(site, code)
        page = client.get("/mijn-initiatief").get_data(as_text=True)  # type: ignore[attr-defined]
        assert "Initiatief heropenen" not in page
        refused = client.post(  # type: ignore[attr-defined]
            "/mijn-initiatief/heropenen",
            data={
                "csrf_token": token,
                "version": site.app.get_initiative(initiative_id).version,
                "reason": "Toch nog niet goed.",
            },
        )
        assert refused.status_code == 422
        assert site.app.get_initiative(initiative_id).status.value == "completed"
    finally:
        site.app.clock = real
