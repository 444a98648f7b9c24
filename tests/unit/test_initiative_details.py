"""The Initiative aggregate's smaller promises, with hand-written answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from participatie.domain.errors import NothingChanged
from participatie.domain.initiative import LANGUAGES
from participatie.domain.values import Location, Status
from tests.unit.factories import INITIATOR, NOORD, T0, initiative_in, new_initiative


def test_the_languages_a_resident_can_be_answered_in() -> None:
    assert LANGUAGES == ("nl", "en")


def test_a_new_initiative_has_no_hand_off_waiting_and_is_open() -> None:
    fresh = new_initiative()
    assert fresh.handoff_pending is False
    assert fresh.is_open is True
    assert initiative_in(Status.COMPLETED).is_open is False
    assert initiative_in(Status.WITHDRAWN).is_open is False


def test_the_clock_stays_paused_while_the_team_notes_things_and_resumes_on_the_answer() -> None:
    waiting = initiative_in(Status.WAITING_FOR_INITIATOR)
    paused = waiting.paused_since
    assert paused is not None
    waiting.add_internal_note(NOORD, T0 + timedelta(days=1), "Nog geen antwoord.")
    assert waiting.status is Status.WAITING_FOR_INITIATOR
    assert waiting.paused_since == paused  # a note does not restart the clock
    waiting.provide_info(INITIATOR, T0 + timedelta(days=8), "De zonkant.")
    assert waiting.status is Status.IN_PROGRESS and waiting.paused_since is None
    assert waiting.paused_days > 0


def test_changing_only_the_location_is_a_change_and_changing_nothing_is_refused() -> None:
    initiative = initiative_in(Status.IN_PROGRESS)
    initiative.collect_events()
    same_themes = list(initiative.themes)
    with pytest.raises(NothingChanged):
        initiative.change_details(NOORD, T0, "niets", same_themes, initiative.location)
    elsewhere = Location("BU00010102", 0.25, 0.75, "v1")
    initiative.change_details(NOORD, T0, "andere buurt", same_themes, elsewhere)
    (changed,) = initiative.collect_events()
    assert changed.location == elsewhere  # type: ignore[attr-defined]
    assert initiative.location == elsewhere
