"""Say how it went (issue 24): the initiator rates finished work and may reopen it within the
period. Every expected answer below is written by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from participatie.domain.errors import IllegalTransition, InvariantViolation, ReasonRequired
from participatie.domain.initiative import Initiative
from participatie.domain.values import FreeText, Outcome, Status
from tests.unit.factories import INITIATOR, NOORD, T0, initiative_in, not_honoured

FINISHED = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # a Friday
REOPENED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # the Monday after


def completed() -> Initiative:
    initiative = initiative_in(Status.IN_EXECUTION)
    initiative.complete(NOORD, FINISHED)
    return initiative


def refused(published: bool = True) -> Initiative:
    return not_honoured(published=published)


def honoured_decided() -> Initiative:
    return initiative_in(Status.DECIDED)  # the factory decides to honour


def rated_once() -> Initiative:
    initiative = completed()
    initiative.rate_outcome(INITIATOR, FINISHED + timedelta(hours=1), 4)
    return initiative


# Which state lets the initiator rate, by hand: finished work only, and once.
RATE_CASES: list[tuple[str, Callable[[], Initiative], type[Exception] | None]] = [
    ("completed", completed, None),
    ("refusal, published", refused, None),
    ("refusal, not yet published", lambda: refused(published=False), InvariantViolation),
    ("decided to honour", honoured_decided, InvariantViolation),
    ("in execution", lambda: initiative_in(Status.IN_EXECUTION), IllegalTransition),
    ("in progress", lambda: initiative_in(Status.IN_PROGRESS), IllegalTransition),
    ("withdrawn", lambda: initiative_in(Status.WITHDRAWN), IllegalTransition),
    ("rated already", rated_once, InvariantViolation),
]


@pytest.mark.parametrize(("name", "make", "refusal"), RATE_CASES, ids=[c[0] for c in RATE_CASES])
def test_only_finished_work_can_be_rated_and_only_once(
    name: str, make: Callable[[], Initiative], refusal: type[Exception] | None
) -> None:
    initiative = make()
    version, status = initiative.version, initiative.status
    at = FINISHED + timedelta(days=1)
    if refusal is None:
        initiative.rate_outcome(INITIATOR, at, 5, "Snel en vriendelijk.")
        assert (initiative.rating, initiative.status) == (5, status)
        assert initiative.version == version + 1
    else:
        with pytest.raises(refusal):
            initiative.rate_outcome(INITIATOR, at, 5)
        assert initiative.version == version


@pytest.mark.parametrize("score", [0, 6, -1, 3.5, "4", True, None])
def test_a_score_is_a_whole_number_from_1_to_5(score: Any) -> None:
    initiative = completed()
    with pytest.raises(InvariantViolation):
        initiative.rate_outcome(INITIATOR, FINISHED, score)
    assert initiative.rating is None


@pytest.mark.parametrize("score", [1, 5])
def test_the_ends_of_the_scale_are_scores(score: int) -> None:
    initiative = completed()
    initiative.rate_outcome(INITIATOR, FINISHED, score)
    assert initiative.rating == score


def test_the_comment_is_the_initiators_sealed_text_and_an_empty_one_is_none() -> None:
    initiative = completed()
    initiative.rate_outcome(INITIATOR, FINISHED, 2, "  Het duurde lang.  ")
    rated = initiative.collect_events()[-1]
    assert isinstance(rated, Initiative.OutcomeRated)
    assert isinstance(rated.comment, FreeText) and rated.comment == "Het duurde lang."
    assert rated.comment.subject_id == initiative.initiator.subject_id
    other = completed()
    other.rate_outcome(INITIATOR, FINISHED, 3, "   ")
    assert other.collect_events()[-1].comment is None  # type: ignore[attr-defined]


def test_reopening_sends_the_work_back_to_the_lead_team_with_a_new_hand_off() -> None:
    initiative = completed()
    initiative.rate_outcome(INITIATOR, FINISHED, 2)
    initiative.reopen(INITIATOR, REOPENED, "De bankjes staan er nog niet.", 28)
    assert initiative.status is Status.ROUTED
    assert initiative.lead_team == "gebiedsteam-noord"
    assert initiative.handoff_pending
    # The rule's 5 acceptance days from Monday 9 March: Monday 16 March, same hour.
    assert initiative.handoff_due == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    # The decision clock starts anew: 40 working days from 9 March, skipping Easter Monday
    # (6 April), King's Day (27 April) and Liberation Day (5 May 2026): Thursday 7 May, at the
    # same Amsterdam time (11:00; summer time by then, so 09:00 UTC).
    assert initiative.decision_due == datetime(2026, 5, 7, 9, 0, tzinfo=UTC)
    assert (initiative.outcome, initiative.rationale, initiative.rating) == (None, None, None)
    assert not initiative.decision_published
    reopened = initiative.collect_events()[-1]
    assert isinstance(reopened, Initiative.Reopened)
    assert isinstance(reopened.reason, FreeText)  # the initiator's words, sealed
    assert reopened.reason == "De bankjes staan er nog niet."
    # Reopened work can be rated again once it is finished again, not before.
    with pytest.raises(IllegalTransition):
        initiative.rate_outcome(INITIATOR, REOPENED, 4)
    initiative.accept_handoff(NOORD, REOPENED)
    initiative.decide(NOORD, REOPENED, Outcome.HONOURED, "Nu wel.", "opnieuw bekeken")
    initiative.start_execution(NOORD, REOPENED)
    initiative.complete(NOORD, REOPENED + timedelta(days=2))
    initiative.rate_outcome(INITIATOR, REOPENED + timedelta(days=3), 4)
    assert initiative.rating == 4


def test_a_published_refusal_can_be_reopened_too() -> None:
    initiative = refused()
    assert initiative.finished_on == T0  # when the refusal was published
    initiative.reopen(INITIATOR, T0 + timedelta(days=3), "Er is nu wel budget.", 28)
    assert (initiative.status, initiative.outcome) == (Status.ROUTED, None)


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(days=28), True),  # the last moment of the period
        (timedelta(days=28, seconds=1), False),
        (timedelta(days=1), True),
        (timedelta(days=60), False),
    ],
)
def test_reopening_is_possible_within_the_period(after: timedelta, allowed: bool) -> None:
    initiative = completed()
    if allowed:
        initiative.reopen(INITIATOR, FINISHED + after, "Nog niet goed.", 28)
        assert initiative.status is Status.ROUTED
    else:
        with pytest.raises(InvariantViolation):
            initiative.reopen(INITIATOR, FINISHED + after, "Nog niet goed.", 28)
        assert initiative.status is Status.COMPLETED


def test_reopening_needs_a_reason_and_finished_work() -> None:
    with pytest.raises(ReasonRequired):
        completed().reopen(INITIATOR, REOPENED, "  ", 28)
    with pytest.raises(InvariantViolation):
        honoured_decided().reopen(INITIATOR, REOPENED, "Nog niet goed.", 28)
    with pytest.raises(IllegalTransition):
        initiative_in(Status.IN_EXECUTION).reopen(INITIATOR, REOPENED, "Nog niet goed.", 28)


def test_completing_a_refusal_keeps_it_finished_from_the_completion() -> None:
    initiative = refused()
    initiative.complete(NOORD, T0 + timedelta(days=2))
    assert initiative.finished_on == T0 + timedelta(days=2)
    assert initiative.outcome is Outcome.NOT_HONOURED
