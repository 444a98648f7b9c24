"""Working days for deadlines, counted on the municipal calendar (Europe/Amsterdam).

A working day is a weekday that is not a generally recognised holiday in the sense of the
Algemene termijnenwet: New Year's Day, Good Friday, Easter Monday, King's Day, Liberation Day
(5 May, every year for time limits), Ascension Day, Whit Monday and both Christmas days. The
dates come from the `holidays` package (its NL calendar, which moves King's Day off a Sunday),
plus 5 May in the years that calendar leaves it out.
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
    found = set(holidays.country_holidays("NL", years=year))
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
