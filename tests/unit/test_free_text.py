"""What people type is sealed under the initiator's key on its way into the store, read back as
plain text, and gone (read as erased) once that key is deleted; staff's own words stay clear."""

from __future__ import annotations

import base64
import copy
import json
import os
import pickle
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    StoredEvent,
    UUIDAsHex,
)

from participatie.domain.errors import InvariantViolation
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, FreeText, Moderation, Role, SealedPersonalData
from participatie.infra import transcodings
from participatie.infra.sealing import SealedTextAsDict, SealingMapper
from participatie.privacy.keys import PersonalDataVault, SQLiteKeyStore
from tests.unit.factories import NOORD, T0, WORKER, decision, new_initiative

ANSWER = "Mevrouw Jansen op nummer 9 heeft een rolstoel."


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[PersonalDataVault]:
    keys = SQLiteKeyStore(tmp_path / "k.sqlite")
    try:
        yield PersonalDataVault(keys, os.urandom(32), key_batch=2)
    finally:
        keys.close()


@pytest.fixture
def mapper(vault: PersonalDataVault) -> SealingMapper:
    transcoder = JSONTranscoder()
    transcodings.register_all(transcoder)
    transcoder.register(SealedTextAsDict())
    for default in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # as the application's has
        transcoder.register(default)
    found = SealingMapper(transcoder=transcoder)
    found.sealer = vault
    return found


def conversation(vault: PersonalDataVault) -> Initiative:
    """An initiative whose initiator has a real key, after a question and its answer."""
    subject = vault.seal({"email": "anna@example.org"}).subject_id
    initiative = new_initiative()
    initiative.initiator = type(initiative.initiator)(subject, b"")
    initiative.route(decision(), WORKER, T0)
    initiative.accept_handoff(NOORD, T0)
    initiative.request_info(NOORD, T0, "Wie wil er meedoen?")
    initiative.provide_info(Actor.initiator(subject), T0 + timedelta(hours=1), ANSWER)
    return initiative


def test_the_initiator_s_words_and_staff_notes_are_their_free_text_staff_reasons_are_not(
    vault: PersonalDataVault,
) -> None:
    initiative = conversation(vault)
    subject = initiative.initiator.subject_id
    initiative.add_internal_note(NOORD, T0, "Belde met Anna over haar buurvrouw.")
    initiative.set_priority(NOORD, T0, initiative.priority, "past in de wijkagenda")
    initiative.withdraw(Actor.initiator(subject), T0, "Wij verhuizen.")
    events = initiative.collect_events()
    by_kind = {type(e).__name__: e for e in events}
    for kind, name in [
        ("InformationRequested", "question"),
        ("InformationProvided", "answer"),
        ("InternalNoteAdded", "note"),
        ("Withdrawn", "reason"),
    ]:
        text = getattr(by_kind[kind], name)
        assert isinstance(text, FreeText) and text.subject_id == subject, kind
    staff_reason = by_kind["PrioritySet"].reason  # type: ignore[attr-defined]
    assert staff_reason == "past in de wijkagenda" and not isinstance(staff_reason, FreeText)


def test_free_text_is_stored_sealed_and_read_back_as_written(
    vault: PersonalDataVault, mapper: SealingMapper
) -> None:
    initiative = conversation(vault)
    answered = initiative.collect_events()[-1]
    stored = mapper.to_stored_event(answered)
    assert b"Jansen" not in stored.state and b"rolstoel" not in stored.state
    assert json.loads(stored.state)["answer"]["_type_"] == "sealed_text"
    read = mapper.to_domain_event(stored)
    assert read.answer == ANSWER  # type: ignore[attr-defined]
    assert isinstance(read.answer, FreeText) and not read.answer.erased  # type: ignore[attr-defined]
    assert answered.answer == ANSWER  # the event itself is left as it was  # type: ignore[attr-defined]


def test_a_snapshot_holds_the_title_sealed_too(
    vault: PersonalDataVault, mapper: SealingMapper
) -> None:
    initiative = conversation(vault)
    initiative.title = FreeText("Bankjes voor mevrouw Jansen", initiative.initiator.subject_id)
    snapshot = Initiative.Snapshot.take(initiative)
    stored = mapper.to_stored_event(snapshot)
    assert b"Jansen" not in stored.state
    assert mapper.to_domain_event(stored).state["title"] == "Bankjes voor mevrouw Jansen"  # type: ignore[attr-defined]


def test_once_the_key_is_shredded_the_text_reads_as_erased_and_stays_so(
    vault: PersonalDataVault, mapper: SealingMapper
) -> None:
    initiative = conversation(vault)
    stored = mapper.to_stored_event(initiative.collect_events()[-1])
    vault.shred(initiative.initiator.subject_id)
    read = mapper.to_domain_event(stored)
    assert read.answer == "" and read.answer.erased  # type: ignore[attr-defined]
    again = mapper.to_stored_event(read)  # written again (a snapshot after erasure): still empty
    assert json.loads(again.state)["answer"]["_data_"]["c"] == ""
    assert mapper.to_domain_event(again).answer.erased  # type: ignore[attr-defined]


def test_sealed_text_is_bound_to_its_subject_and_refuses_tampering(
    vault: PersonalDataVault, mapper: SealingMapper
) -> None:
    initiative = conversation(vault)
    stored = mapper.to_stored_event(initiative.collect_events()[-1])
    state = json.loads(stored.state)
    other = vault.seal({"email": "b@example.org"}).subject_id
    moved = {**state, "answer": {**state["answer"], "_data_": {**state["answer"]["_data_"]}}}
    moved["answer"]["_data_"]["s"] = other.hex  # the ciphertext claimed for someone else
    row = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(moved).encode()
    )
    with pytest.raises(ValueError, match="failed authentication"):
        mapper.to_domain_event(row)
    blob = state["answer"]["_data_"]["c"]
    # A text's ciphertext is no sealed personal data of the same subject either.
    sealed = type(initiative.initiator)(initiative.initiator.subject_id, _b64(blob))
    with pytest.raises(ValueError, match="failed authentication"):
        vault.open(sealed)


def test_nothing_more_can_be_written_for_an_erased_initiator(vault: PersonalDataVault) -> None:
    initiative = conversation(vault)
    subject = initiative.initiator.subject_id
    initiative.erase_personal_data(Actor.system("privacy"), T0, subject, "art. 17")
    with pytest.raises(InvariantViolation) as refused:
        initiative.add_internal_note(NOORD, T0, "Nog een notitie")
    assert refused.value.field == "text"
    initiative.set_priority(NOORD, T0, initiative.priority, "staff's own reason: still fine")


def test_free_text_survives_copying_and_pickling() -> None:
    subject = uuid4()
    text = FreeText("Bankjes", subject, legacy=True)
    for twin in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert twin == "Bankjes" and twin.subject_id == subject and twin.legacy
    gone = FreeText("Bankjes", subject, erased=True)
    assert gone == "" and gone.erased and copy.copy(gone).erased
    assert FreeText.of(None, subject) is None


def test_a_subject_erased_elsewhere_gets_text_sealed_under_a_key_nobody_keeps(
    tmp_path: Path,
) -> None:
    keys, master = SQLiteKeyStore(tmp_path / "k.sqlite"), os.urandom(32)
    try:
        here, elsewhere = PersonalDataVault(keys, master), PersonalDataVault(keys, master)
        subject = here.seal({"email": "c@example.org"}).subject_id
        (before,) = elsewhere.seal_texts(subject, ["vroeg"])
        assert here.open_texts(subject, [before]) == ["vroeg"]
        here.shred(subject)  # erased by this process; `elsewhere` has not seen it
        assert elsewhere.open_texts(subject, [before]) is None  # read from the store each time
        (late,) = PersonalDataVault(keys, master).seal_texts(subject, ["laat"])
        assert elsewhere.open_texts(subject, [late]) is None
    finally:
        keys.close()


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


# Upcasters of events stored before free text was sealed, by hand: (the state as stored) →
# (the text it is read as: its value, whose it is, legacy).
SUBJECT = uuid4()
SEALED = SealedPersonalData(SUBJECT, b"\x00" * 32)


def test_the_upcasters_mark_old_clear_text_as_legacy_of_the_right_person() -> None:
    state = {
        "initiator": SEALED,
        "title": "Bankjes",
        "description": "Drie bankjes graag.",
        "requested_support": None,
        "consent_to_publish": False,
    }
    Initiative.Submitted.upcast_v3_v4(state)
    assert [
        (state[n], getattr(state[n], "subject_id", None), getattr(state[n], "legacy", None))
        for n in ("title", "description", "requested_support")
    ] == [
        ("Bankjes", SUBJECT, True),
        ("Drie bankjes graag.", SUBJECT, True),
        (None, None, None),  # nothing written: stays nothing
    ]
    Initiative.Submitted.upcast_v4_v5(state)
    assert state["moderation"] is Moderation.NONE  # no consent: nothing was ever public
    state["consent_to_publish"] = True
    Initiative.Submitted.upcast_v4_v5(state)
    assert state["moderation"] is Moderation.APPROVED  # with consent it was public at once

    for actor, whose in [
        (Actor.initiator(SUBJECT), SUBJECT),
        (Actor("balie-medewerker", Role.INITIATOR), None),  # no subject in its id
        (Actor("staff:gea", Role.AREA_MANAGER, "gebied-noord"), None),
        (Actor(f"subject:{SUBJECT.hex}", Role.AREA_MANAGER), None),  # not an initiator
    ]:
        answered = {"actor": actor, "answer": "De zonkant."}
        Initiative.InformationProvided.upcast_v1_v2(answered)
        assert (answered["answer"].subject_id, answered["answer"].legacy) == (whose, True)
