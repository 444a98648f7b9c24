"""Working days for deadlines, counted on the municipal calendar (Europe/Amsterdam).

A working day is a weekday that is not a generally recognised holiday in the sense of the
Algemene termijnenwet (art. 3): New Year's Day, Easter Monday, Ascension Day, Whit Monday, both
Christmas days, King's Day and 5 May (every year for time limits). Good Friday is not one of
them. The dates come from the `holidays` package (its NL calendar, which moves King's Day off a
Sunday) without Good Friday, plus 5 May in the years that calendar leaves it out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The generally recognised holidays of `year` (weekend days among them do not matter)."""
    calendar = holidays.country_holidays("NL", years=year, language="en_US")
    found = set(calendar) - set(calendar.get_named("Good Friday", lookup="exact"))
    found.add(date(year, 5, 5))  # Bevrijdingsdag counts every year under the Algemene termijnenwet
    return frozenset(found)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """Return the moment `days` working days after `start` (same local time of day)."""
    local = start.astimezone(AMSTERDAM)
    moved = 0
    while moved < days:
        local = local + timedelta(days=1)
        if is_working_day(local.date()):
            moved += 1
    # Re-attach the zone so a change to or from summer time keeps the local time of day.
    return local.replace(tzinfo=None).replace(tzinfo=AMSTERDAM).astimezone(start.tzinfo)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after `start`'s day and before `end`'s day (local dates).

    A paused deadline is suspended from the day after the pause began until the day it ended
    (as Awb 4:15 suspends a decision term from the day after the request for more information
    until the day the answer arrives), so those are the days the deadline moves by.
    """
    first = start.astimezone(AMSTERDAM).date() + timedelta(days=1)
    last = end.astimezone(AMSTERDAM).date()
    count = 0
    day = first
    while day < last:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count
