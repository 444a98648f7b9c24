"""An access request (art. 15 AVG) gives a person their own data, the history of their initiative
and every recorded opening of their data; it is recorded first, and never shows anyone else's."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import AcceptHandoff, Route
from participatie.domain.errors import InvariantViolation, NotFound
from participatie.domain.values import Actor, Role, RoutingDecision
from participatie.privacy.erasure import erase_subject
from participatie.privacy.subject_access import ACCESS_PURPOSE, access_export
from tests.conftest import submission

OFFICER = Actor("u-privacy", Role.ADMIN)
MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")
NAME, EMAIL, PHONE = "Kanarie Vogelzang", "kanarie-7q@example.org", "06-99887766"
SUPPORTER = "steun-3x@example.org"


def submit_with_supporter(container: Container) -> tuple[UUID, UUID, UUID]:
    """An initiative by the canary, routed and accepted, with one supporter."""
    app = container.app
    person = {"kind": "resident", "name": NAME, "email": EMAIL, "phone": PHONE}
    data = SubmissionSchema(app.area_index()).load_submission(submission(initiator=person))
    initiative_id = app.submit(data).initiative_id
    decision = RoutingDecision("gebiedsteam-centrum", (), "r1", "2025-1", "v1", 5, "regel")
    app.act(initiative_id, Route(decision=decision), actor=Actor.system("router"))
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER)
    app.support_initiative(initiative_id, SUPPORTER)
    initiative = app.get_initiative(initiative_id)
    return initiative_id, initiative.initiator.subject_id, initiative.supporters[0]


def test_the_initiator_gets_their_data_every_event_and_the_request_is_logged(
    container: Container,
) -> None:
    app = container.app
    initiative_id, initiator, _ = submit_with_supporter(container)
    app.open_personal_data(initiative_id, MANAGER, "terugbellen")
    found = access_export(app, initiator, OFFICER, "verzoek per brief van 3 maart")
    text = json.dumps(found, ensure_ascii=False)  # JSON as it is
    assert (found["subject_id"], found["subject"]) == (str(initiator), "initiator")
    assert found["initiative"]["id"] == str(initiative_id)
    assert found["initiative"]["title"] == "Geveltuinen in de Dorpsstraat"
    assert found["personal_data"]["name"] == NAME
    assert found["personal_data"]["email"] == EMAIL
    assert found["personal_data"]["phone"] == PHONE
    history = app.history(initiative_id)
    assert [(e["version"], e["event"]) for e in found["events"]] == [
        (e.originator_version, type(e).__name__) for e in history
    ]
    assert [e["event"] for e in found["events"]][-1] == "Supported"
    assert found["events"][0]["details"]["initiator"] == {
        "subject_id": str(initiator),
        "encrypted": True,
    }
    assert SUPPORTER not in text  # the supporter's address stays sealed

    purpose = f"{ACCESS_PURPOSE}: verzoek per brief van 3 maart"
    log = app.processing_log(initiator)
    assert [(r.actor, r.purpose) for r in log] == [
        (MANAGER, "terugbellen"),
        (OFFICER, purpose),
    ]
    assert log[-1].fields == ["email", "name", "phone"]
    assert log[-1].initiative_id == initiative_id
    assert [(e["actor"], e["purpose"]) for e in found["processing_log"]] == [
        ("u-centrum", "terugbellen"),
        ("u-privacy", purpose),
    ]


def test_a_supporter_gets_their_own_address_and_not_the_initiators_data(
    container: Container,
) -> None:
    app = container.app
    _, initiator, supporter = submit_with_supporter(container)
    found = access_export(app, supporter, OFFICER, "vraag van de ondersteuner")
    text = json.dumps(found, ensure_ascii=False)
    assert found["subject"] == "supporter"
    assert found["personal_data"] == {"email": SUPPORTER}
    for canary in (NAME, EMAIL, PHONE):
        assert canary not in text
    assert [r.subject_id for r in app.processing_log(supporter)] == [supporter]
    assert app.processing_log(initiator) == []  # nothing of the initiator was opened


def test_after_erasure_the_export_says_erased_and_holds_no_canary(container: Container) -> None:
    app = container.app
    initiative_id, initiator, _ = submit_with_supporter(container)
    erase_subject(container, initiator, OFFICER, "Verzoek van de indiener")
    erased = app.history(initiative_id)[-1]
    found = access_export(app, initiator, OFFICER, "tweede verzoek")
    assert found["personal_data"] == {
        "erased": True,
        "erased_at": erased.timestamp.isoformat(),
        "reason": "Verzoek van de indiener",
    }
    assert found["events"][-1]["event"] == "PersonalDataErased"
    text = json.dumps(found, ensure_ascii=False)
    for canary in (NAME, EMAIL, PHONE):
        assert canary not in text
    assert app.processing_log(initiator)[-1].fields == []  # the request, with nothing opened


def test_a_key_lost_without_an_erasure_record_shows_as_erased_without_a_moment(
    container: Container,
) -> None:
    _, _, supporter = submit_with_supporter(container)
    container.keys.delete(supporter)
    found = access_export(container.app, supporter, OFFICER, "verzoek")
    assert found["personal_data"] == {"erased": True, "erased_at": None, "reason": None}


def test_an_unknown_subject_or_an_empty_purpose_is_refused_and_logs_nothing(
    container: Container,
) -> None:
    app = container.app
    _, initiator, _ = submit_with_supporter(container)
    with pytest.raises(NotFound):
        access_export(app, uuid4(), OFFICER, "verzoek")
    with pytest.raises(InvariantViolation, match="purpose"):
        access_export(app, initiator, OFFICER, "  ")
    assert app.processing_log() == []


def test_the_areas_followed_with_the_same_address_are_in_the_export(container: Container) -> None:
    """Every follow of the initiator's address — confirmed, asked, stopped — with its events;
    nobody else's follow of the same area; none once the address was erased."""
    from participatie.notifications.followers import stop_following

    app = container.app
    _, initiator, supporter = submit_with_supporter(container)
    confirmed = app.request_follow("WK000101", EMAIL, "nl").follow_id
    app.confirm_follow(confirmed, 1)
    asked = app.request_follow("BU00010102", f"  {EMAIL.upper()} ", "en").follow_id  # same address
    stopped = app.request_follow("BU00010101", EMAIL, "nl").follow_id
    stop_following(container, stopped, "unsubscribed")
    app.request_follow("WK000101", "buurvrouw@example.org", "nl")  # someone else, same area

    found = access_export(app, initiator, OFFICER, "verzoek")
    summary = [
        (f["area_code"], f["state"], f["round"], [e["event"] for e in f["events"]])
        for f in found["area_follows"]
    ]
    assert summary == [
        ("BU00010101", "stopped", 1, ["Requested", "Stopped"]),
        ("BU00010102", "asked", 1, ["Requested"]),
        ("WK000101", "confirmed", 1, ["Requested", "Confirmed"]),
    ]
    assert [f["follow_id"] for f in found["area_follows"]] == [
        str(stopped),
        str(asked),
        str(confirmed),
    ]
    stop = found["area_follows"][0]["events"][1]
    assert stop["reason"] == "unsubscribed"
    text = json.dumps(found, ensure_ascii=False)
    assert "buurvrouw" not in text
    # The follower's address is sealed in each follow: only its subject id shows.
    requested = found["area_follows"][2]["events"][0]["details"]["follower"]
    assert set(requested) == {"subject_id", "encrypted"}

    supporter_view = access_export(app, supporter, OFFICER, "verzoek")
    assert supporter_view["area_follows"] == []  # the supporter follows nothing

    erase_subject(container, initiator, OFFICER, "Verzoek van de indiener")
    after = access_export(app, initiator, OFFICER, "verzoek na wissen")
    assert after["area_follows"] == []  # the address cannot be read any more
