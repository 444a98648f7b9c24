"""Events stored by an older version of the code are still read (Submitted v1 had no channel,
v2 no language or decision term; a rulebook's Published v1 kept no source text)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.domain.rulebook import RuleBook
from participatie.domain.values import Actor, FreeText, Moderation, Role, RoutingDecision
from participatie.privacy.legacy import legacy_texts
from tests.conftest import submission


def test_version_1_submitted_event_is_upcast_to_channel_web(container: Container) -> None:
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission()), channel="api")
    current = app.history(result.initiative_id)[0]
    stored = app.mapper.to_stored_event(current)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 6
    in_clear(state)
    assert state.pop("moderation") == {"_type_": "moderation", "_data_": "approved"}
    assert state.pop("photos") == []
    assert state.pop("channel") == "api"
    assert state.pop("language") == "nl"
    assert state.pop("decision_days") == 40
    # Rewrite the stored event as version 1 of the code would have written it.
    new_id = uuid4()
    old = replace(
        stored, originator_id=new_id, state=json.dumps(state, separators=(",", ":")).encode()
    )
    other = build(container.settings)
    try:
        other.app.recorder.insert_events([old])
        upcast = other.app.get_initiative(new_id)
        assert upcast.channel == "web"
        assert (upcast.language, upcast.decision_days) == ("nl", 40)
        assert upcast.decision_due is not None
        assert upcast.title == "Geveltuinen in de Dorpsstraat"
        for text in (upcast.title, upcast.description, upcast.requested_support):  # v3 → v4
            assert isinstance(text, FreeText) and text.legacy
            assert text.subject_id == upcast.initiator.subject_id
        assert upcast.moderation is Moderation.APPROVED  # v4 → v5: consent was publication
        assert upcast.photos == []  # v5 → v6
        assert other.app.history(new_id)[0].channel == "web"  # type: ignore[attr-defined]
        assert other.app.get_initiative(result.initiative_id).channel == "api"
    finally:
        other.close()


def test_version_1_snapshot_without_handoff_deadline_is_upcast(container: Container) -> None:
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission()))
    app.take_snapshot(result.initiative_id)
    assert app.snapshots is not None
    stored = app.snapshots.recorder.select_events(result.initiative_id, desc=True, limit=1)[0]
    state = json.loads(stored.state)
    # Rewrite the snapshot as version 1 of the code would have written it.
    assert state["state"].pop("class_version") == 10
    assert state["state"].pop("muted_mail") == [] and state["state"].pop("updates_for") == []
    in_clear(state["state"])
    for name in ("moderation", "public_title", "public_description", "photos", "public_photos"):
        state["state"].pop(name)
    assert state["state"].pop("handoff_since") is None
    assert state["state"].pop("handoff_days") == 5
    assert state["state"].pop("email_confirmed") is False
    for name in ("language", "decision_days", "paused_since", "paused_days", "missed", "erased"):
        state["state"].pop(name)
    state["state"]["supporters"] = state["state"].pop("supporter_ids")
    with read_back(container, stored, state) as upcast:
        assert upcast.handoff_since is None
        assert upcast.handoff_days == 5
        assert upcast.handoff_due is None
        assert upcast.email_confirmed is False  # v2 → v3 on the way
        assert (upcast.language, upcast.paused_days, upcast.missed) == ("nl", 0, [])  # v3 → v4
        assert upcast.erased == []  # v4 → v5
        assert upcast.moderation is Moderation.APPROVED  # v7 → v8: published at once
        assert upcast.public_text == (TITLE, DESCRIPTION)
        assert (upcast.photos, upcast.shown_photos) == ([], [])  # v8 → v9
        assert (upcast.muted_mail, upcast.updates_for) == ([], [])  # v9 → v10
        assert upcast.title == "Geveltuinen in de Dorpsstraat"
        for text in (upcast.title, upcast.description, upcast.requested_support):  # v6 → v7
            assert text.legacy and text.subject_id == upcast.initiator.subject_id


def test_version_1_support_asked_for_no_mail_in_dutch(container: Container) -> None:
    """A support stored before supporters could ask for mail (Supported v1) reads as one that
    asked for none, in Dutch."""
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission(consent_to_publish=True)))
    supporter = app.vault.seal({"email": "steun@example.org"})
    initiative = app.get_initiative(result.initiative_id)
    initiative.support(Actor.system("test"), initiative.modified_on, supporter, True, "en")
    app.save_all(initiative)
    submitted, supported = app.history(result.initiative_id)
    stored = [app.mapper.to_stored_event(e) for e in (submitted, supported)]
    state = json.loads(stored[1].state)
    assert state.pop("class_version") == 2
    assert (state.pop("updates"), state.pop("language")) == (True, "en")
    # Both events again under a new id, the support as version 1 of the code wrote it.
    new_id = uuid4()
    old = [
        replace(stored[0], originator_id=new_id),
        replace(
            stored[1], originator_id=new_id, state=json.dumps(state, separators=(",", ":")).encode()
        ),
    ]
    other = build(container.settings)
    try:
        other.app.recorder.insert_events(old)
        (upcast,) = [e for e in other.app.history(new_id) if type(e).__name__ == "Supported"]
        assert (upcast.updates, upcast.language) == (False, "nl")  # type: ignore[attr-defined]
        assert other.app.get_initiative(new_id).updates_for == []
        assert other.app.get_initiative(result.initiative_id).updates_for == [
            supporter.subject_id.hex
        ]
    finally:
        other.close()


def test_version_5_snapshot_with_supporters_as_uuids_is_upcast(container: Container) -> None:
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission(consent_to_publish=True)))
    supporter = app.vault.seal({"email": "steun@example.org"})
    initiative = app.get_initiative(result.initiative_id)
    initiative.support(Actor.system("test"), initiative.modified_on, supporter)
    app.save_all(initiative)
    app.take_snapshot(result.initiative_id)
    assert app.snapshots is not None
    stored = app.snapshots.recorder.select_events(result.initiative_id, desc=True, limit=1)[0]
    state = json.loads(stored.state)
    assert state["state"]["supporter_ids"] == [supporter.subject_id.hex]
    # Version 5 kept the supporters as UUID objects.
    state["state"]["class_version"] = 5
    in_clear(state["state"])
    for name in ("moderation", "public_title", "public_description", "photos", "public_photos"):
        state["state"].pop(name)
    del state["state"]["supporter_ids"]
    state["state"]["supporters"] = [{"_type_": "uuid_hex", "_data_": supporter.subject_id.hex}]
    with read_back(container, stored, state) as upcast:
        assert upcast.supporter_ids == [supporter.subject_id.hex]
        assert upcast.supporters == [supporter.subject_id]
        assert upcast.subjects()[supporter.subject_id] == "supporter"


def test_text_stored_in_clear_by_older_versions_is_hidden_once_its_author_is_erased(
    container: Container,
) -> None:
    """Rows written before free text was sealed cannot be rewritten (the hash chain vouches for
    them): they are read as legacy text, and as erased once the person they belong to is."""
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission()))
    initiative = app.get_initiative(result.initiative_id)
    subject = initiative.initiator.subject_id
    staff = Actor("greet", Role.AREA_MANAGER, "gebied-noord")
    me = Actor.initiator(subject)
    at = initiative.modified_on
    initiative.route(decision(), Actor.system("routing"), at)
    initiative.accept_handoff(staff, at)
    initiative.request_info(staff, at, "Welke huisnummers doen mee?")
    initiative.provide_info(me, at, "Nummer 3 tot en met 17, behalve mevrouw Jansen op 9.")
    initiative.add_internal_note(staff, at, "Mevrouw Jansen belde: zij wil niet meedoen.")
    initiative.withdraw(me, at, "Wij verhuizen naar Zwolle.")
    stored = [app.mapper.to_stored_event(e) for e in initiative.collect_events()]
    texts = {
        "question": "Welke huisnummers doen mee?",
        "answer": "Nummer 3 tot en met 17, behalve mevrouw Jansen op 9.",
        "note": "Mevrouw Jansen belde: zij wil niet meedoen.",
        "reason": "Wij verhuizen naar Zwolle.",
    }
    new_id = uuid4()
    old = []
    for row in [app.recorder.select_events(result.initiative_id)[0], *stored]:
        state = json.loads(row.state)
        if row.originator_version == 1:
            assert state.pop("class_version") == 6
            in_clear(state)
            state.pop("moderation")
            state.pop("photos")
            state["class_version"] = 3
        for name, text in texts.items():
            if isinstance(state.get(name), dict):
                assert state[name]["_type_"] == "sealed_text"
                assert state.pop("class_version") == 2
                state[name] = text
        raw = json.dumps(state, separators=(",", ":")).encode()
        old.append(replace(row, originator_id=new_id, state=raw))
    app.recorder.insert_events(old)
    other = build(container.settings)
    try:
        events = other.app.history(new_id)
        read = written(events, texts)
        assert read == texts
        assert all(isinstance(v, FreeText) and v.legacy for v in read.values())
        assert other.app.get_initiative(new_id).title == TITLE

        other.app.vault.shred(subject)
        events = other.app.history(new_id)
        read = written(events, texts)
        # Of the initiator's own words nothing is shown; a staff question or note names no
        # person in its event, so it cannot be hidden by whose it is: it stays, marked legacy.
        assert read == {"question": texts["question"], "note": texts["note"]}
        assert (events[0].title, events[0].description) == ("", "")  # type: ignore[attr-defined]
        assert events[0].title.erased  # type: ignore[attr-defined]
        assert other.app.get_initiative(new_id).title == ""
        listed = [
            (t.event, t.field, t.subject_id, t.hidden)
            for t in legacy_texts(other.app)
            if t.initiative_id == new_id
        ]
        assert listed == [
            ("Submitted", "title", subject, True),
            ("Submitted", "description", subject, True),
            ("Submitted", "requested_support", subject, True),
            ("InformationRequested", "question", None, False),
            ("InformationProvided", "answer", subject, True),
            ("InternalNoteAdded", "note", None, False),
            ("Withdrawn", "reason", subject, True),
        ]
    finally:
        other.close()


def test_a_redaction_stored_before_photos_keeps_every_photo_public(container: Container) -> None:
    """PublicTextRedacted v1 chose no photos: read as every photo staying public."""
    app = container.app
    schema = SubmissionSchema(app.area_index())
    result = app.submit(schema.load_submission(submission()))
    initiative = app.get_initiative(result.initiative_id)
    moderator = Actor("rita", Role.REGIE, "regie")
    initiative.redact_public_text(
        moderator,
        initiative.modified_on,
        TITLE,
        "Een kortere beschrijving van de geveltuinen.",
        "r",
    )
    (redacted,) = [app.mapper.to_stored_event(e) for e in initiative.collect_events()]
    state = json.loads(redacted.state)
    assert state.pop("class_version") == 2
    assert state.pop("photos") == []
    old = replace(redacted, state=json.dumps(state, separators=(",", ":")).encode())
    app.recorder.insert_events([old])
    other = build(container.settings)
    try:
        upcast = other.app.get_initiative(result.initiative_id)
        assert other.app.history(result.initiative_id)[-1].photos is None  # type: ignore[attr-defined]
        assert upcast.public_photos is None and upcast.moderation is Moderation.REDACTED
        assert upcast.public_text == (TITLE, "Een kortere beschrijving van de geveltuinen.")
    finally:
        other.close()


def written(events: list[Any], names: Iterable[str]) -> dict[str, str]:
    """The free texts of the events that are not empty (the reason: the initiator's own)."""
    return {
        name: getattr(event, name)
        for event in events
        for name in names
        if getattr(event, name, None) and (name != "reason" or type(event).__name__ == "Withdrawn")
    }


def decision() -> RoutingDecision:
    return RoutingDecision("gebied-noord", (), "r1", "1", None, 5, "regel r1")


RULE = {"id": "wijk-a", "priority": 1, "match": {"areas": ["WK0001"]}, "lead": "team-a"}


def test_version_1_rulebook_published_without_its_text_still_loads(
    container: Container,
) -> None:
    app = container.app
    rulebook = RuleBook._create(RuleBook.Created, id=uuid4(), timestamp=app.clock())
    rulebook.publish("1", "eerste", 5, [RULE], Actor.system("test"), app.clock(), "# tekst\n")
    created, published = (app.mapper.to_stored_event(e) for e in rulebook.collect_events())
    state = json.loads(published.state)
    assert state.pop("class_version") == 2
    assert state.pop("source") == "# tekst\n"
    # Rewrite the Published event as version 1 of the code would have written it.
    old = replace(published, state=json.dumps(state, separators=(",", ":")).encode())
    app.recorder.insert_events([created, old])
    other = build(container.settings)
    try:
        upcast = other.app.repository.get(rulebook.id)
        assert upcast.current_version == "1"
        assert upcast.versions["1"]["rules"] == [RULE]
        assert upcast.sources == {}  # no text: the editor writes the rules out anew
        assert other.app.history(rulebook.id)[1].source is None  # type: ignore[attr-defined]
    finally:
        other.close()


TITLE = "Geveltuinen in de Dorpsstraat"
DESCRIPTION = "Wij willen met de buren geveltuinen aanleggen langs de hele straat."
SUPPORT = "Tegels eruit laten halen"


def in_clear(state: dict[str, Any]) -> None:
    """The title and description as versions before sealed free text stored them: in clear."""
    assert state["title"]["_type_"] == "sealed_text"  # as this version stores them
    state["title"], state["description"] = TITLE, DESCRIPTION
    state["requested_support"] = SUPPORT


@contextlib.contextmanager
def read_back(container: Container, stored: Any, state: dict[str, Any]) -> Iterator[Any]:
    """Store `state` as the snapshot of a new aggregate (as older code would have written it)
    and read that aggregate back through a fresh application: upcast on the way."""
    new_id = uuid4()
    old = replace(
        stored, originator_id=new_id, state=json.dumps(state, separators=(",", ":")).encode()
    )
    assert container.app.snapshots is not None
    container.app.snapshots.recorder.insert_events([old])
    other = build(container.settings)
    try:
        yield other.app.repository.get(new_id)
    finally:
        other.close()
