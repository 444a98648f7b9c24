"""Hand-off deadlines in working days (weekends skipped, Amsterdam local time kept)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatie.domain.calendar import AMSTERDAM, add_working_days
from participatie.domain.values import Status
from tests.unit.factories import NOORD, initiative_in


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (datetime(2026, 11, 20, 10, tzinfo=AMSTERDAM), 5, datetime(2026, 11, 27, 10)),  # Fri
        (datetime(2026, 11, 19, 10, tzinfo=AMSTERDAM), 2, datetime(2026, 11, 23, 10)),  # Thu→Mon
        (datetime(2026, 11, 21, 10, tzinfo=AMSTERDAM), 1, datetime(2026, 11, 23, 10)),  # Sat→Mon
        (datetime(2026, 11, 23, 10, tzinfo=AMSTERDAM), 0, datetime(2026, 11, 23, 10)),
        # Across the end of summer time (25 October 2026): still 09:00 local.
        (datetime(2026, 10, 23, 9, tzinfo=AMSTERDAM), 1, datetime(2026, 10, 26, 9)),
    ],
)
def test_working_days_skip_weekends(start: datetime, days: int, due: datetime) -> None:
    result = add_working_days(start.astimezone(UTC), days)
    assert result.tzinfo is UTC
    assert result.astimezone(AMSTERDAM).replace(tzinfo=None) == due


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # King's Day 2026 is Monday 27 April: Friday + 1 working day is Tuesday.
        (datetime(2026, 4, 24, 10, tzinfo=AMSTERDAM), 1, datetime(2026, 4, 28, 10)),
        # Christmas 2026 on Friday and Saturday: Thursday 24 December + 1 is Monday 28.
        (datetime(2026, 12, 24, 16, tzinfo=AMSTERDAM), 1, datetime(2026, 12, 28, 16)),
        # Easter 2027: Easter Monday 29 March is skipped; Good Friday 26 March is not a holiday
        # under the Algemene termijnenwet, so it is a working day.
        (datetime(2027, 3, 25, 9, tzinfo=AMSTERDAM), 1, datetime(2027, 3, 26, 9)),
        (datetime(2027, 3, 26, 9, tzinfo=AMSTERDAM), 1, datetime(2027, 3, 30, 9)),
        # Liberation Day counts every year for time limits (2026: a Tuesday).
        (datetime(2026, 5, 4, 9, tzinfo=AMSTERDAM), 1, datetime(2026, 5, 6, 9)),
        # Ascension Day 14 May and Whit Monday 25 May 2026, and the weekends between.
        (datetime(2026, 5, 13, 9, tzinfo=AMSTERDAM), 8, datetime(2026, 5, 27, 9)),
        # New Year: Wednesday 31 December 2025 + 1 is Friday 2 January 2026.
        (datetime(2025, 12, 31, 9, tzinfo=AMSTERDAM), 1, datetime(2026, 1, 2, 9)),
    ],
)
def test_working_days_skip_dutch_public_holidays(start: datetime, days: int, due: datetime) -> None:
    result = add_working_days(start.astimezone(UTC), days)
    assert result.astimezone(AMSTERDAM).replace(tzinfo=None) == due


def test_routed_initiative_has_a_handoff_deadline_until_accepted() -> None:
    initiative = initiative_in(Status.ROUTED)
    assert initiative.handoff_pending
    assert initiative.handoff_since is not None
    due = initiative.handoff_due
    assert due == add_working_days(initiative.handoff_since, initiative.handoff_days)
    assert due is not None and due > initiative.handoff_since
    initiative.accept_handoff(NOORD, initiative.handoff_since)
    assert initiative.handoff_due is None


def test_a_decline_starts_a_new_handoff_to_regie_with_its_own_deadline() -> None:
    initiative = initiative_in(Status.ROUTED)
    first = initiative.handoff_due
    assert initiative.handoff_since is not None
    later = add_working_days(initiative.handoff_since, 1)
    initiative.decline_handoff(NOORD, later, "niet van ons")
    assert initiative.lead_team == "regie"
    assert initiative.handoff_since == later
    assert first is not None and initiative.handoff_due is not None
    assert initiative.handoff_due > first
