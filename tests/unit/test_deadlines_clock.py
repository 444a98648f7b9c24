"""The hand-off and decision clocks (participatie/domain/deadlines.py), with dates worked out by
hand on the 2026 calendar: March 2026 has no holidays; Easter Monday is 6 April, Good Friday
(3 April) is a working day under the Algemene termijnenwet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatie.domain import deadlines
from participatie.domain.deadlines import DECISION, HANDOFF
from participatie.domain.values import Status

S = Status
MON_2_MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam


def utc(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "pending", "since", "days", "due"),
    [
        (S.ROUTED, True, MON_2_MARCH, 5, utc(3, 9)),  # Mon + 5 working days = next Mon
        (S.ROUTED, True, MON_2_MARCH, 1, utc(3, 3)),
        (S.ROUTED, True, utc(3, 6), 1, utc(3, 9)),  # Friday + 1 skips the weekend
        (S.IN_PROGRESS, True, MON_2_MARCH, 5, utc(3, 9)),  # forwarded while in progress
        (S.ROUTED, False, MON_2_MARCH, 5, None),  # answered
        (S.ROUTED, True, None, 5, None),  # never handed off
        (S.WITHDRAWN, True, MON_2_MARCH, 5, None),  # closed: nothing to answer
        (S.MERGED, True, MON_2_MARCH, 5, None),
        (S.COMPLETED, True, MON_2_MARCH, 5, None),
    ],
)
def test_the_handoff_clock(
    status: Status, pending: bool, since: datetime | None, days: int, due: datetime | None
) -> None:
    assert deadlines.handoff_due(status, pending, since, days) == due


@pytest.mark.parametrize(
    ("status", "decided", "paused", "due"),
    [
        (S.SUBMITTED, False, 0, utc(3, 16)),  # Mon 2 March + 10 working days
        (S.ROUTED, False, 0, utc(3, 16)),
        (S.IN_PROGRESS, False, 0, utc(3, 16)),
        (S.IN_PROGRESS, False, 3, utc(3, 19)),  # three paused days move it to Thursday
        (S.WAITING_FOR_INITIATOR, False, 0, None),  # stands still while waiting
        (S.DECIDED, True, 0, None),
        (S.IN_EXECUTION, True, 0, None),
        (S.ROUTED, True, 0, None),  # escalated after a decision: no decision clock again
        (S.COMPLETED, True, 0, None),
        (S.WITHDRAWN, False, 0, None),
    ],
)
def test_the_decision_clock(
    status: Status, decided: bool, paused: int, due: datetime | None
) -> None:
    assert deadlines.decision_due(status, decided, MON_2_MARCH, 10, paused) == due


@pytest.mark.parametrize(
    ("since", "until", "days"),
    [
        (MON_2_MARCH, utc(3, 6), 3),  # Tue, Wed, Thu
        (MON_2_MARCH, utc(3, 3), 0),  # answered the next day: no whole day paused
        (MON_2_MARCH, MON_2_MARCH, 0),
        (utc(3, 6), utc(3, 10), 1),  # Fri → Tue: only Monday counts
        (utc(4, 2), utc(4, 7), 1),  # Thu → Tue over Easter: Good Friday counts, Easter Monday not
    ],
)
def test_paused_working_days(since: datetime, until: datetime, days: int) -> None:
    assert deadlines.paused_days(since, until) == days


def test_the_first_deadline_is_the_earlier_one_with_its_kind() -> None:
    assert deadlines.first(utc(3, 9), utc(3, 16)) == (utc(3, 9), HANDOFF)
    assert deadlines.first(utc(3, 20), utc(3, 16)) == (utc(3, 16), DECISION)
    assert deadlines.first(None, utc(3, 16)) == (utc(3, 16), DECISION)
    assert deadlines.first(utc(3, 9), None) == (utc(3, 9), HANDOFF)
    assert deadlines.first(None, None) is None


def test_a_missed_deadline_is_found_once_it_passed_and_until_it_is_recorded() -> None:
    handoff, decision = utc(3, 9), utc(3, 16)
    assert deadlines.missed(handoff, decision, utc(3, 9, 8), []) == []
    assert deadlines.missed(handoff, decision, utc(3, 9), []) == [(HANDOFF, handoff)]
    both = [(HANDOFF, handoff), (DECISION, decision)]
    assert deadlines.missed(handoff, decision, utc(3, 17), []) == both
    recorded = ["handoff@2026-03-09T09:00:00+00:00"]
    assert deadlines.missed_key(HANDOFF, handoff) == recorded[0]
    assert deadlines.missed(handoff, decision, utc(3, 17), recorded) == [(DECISION, decision)]
    assert deadlines.missed(None, None, utc(12, 31), []) == []
