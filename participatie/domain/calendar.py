"""Working days for hand-off deadlines, counted on the municipal calendar (Europe/Amsterdam).

Weekends are skipped. Dutch public holidays arrive with the deadlines issue (issue 9).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def add_working_days(start: datetime, days: int) -> datetime:
    """Return the moment `days` working days after `start` (same local time of day)."""
    local = start.astimezone(AMSTERDAM)
    moved = 0
    while moved < days:
        local = local + timedelta(days=1)
        if local.weekday() < 5:
            moved += 1
    # Re-attach the zone so a change to or from summer time keeps the local time of day.
    return local.replace(tzinfo=None).replace(tzinfo=AMSTERDAM).astimezone(start.tzinfo)
