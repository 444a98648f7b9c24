"""A frozen clock for deadline and retention tests, and Amsterdam local moments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from participatie.domain.calendar import AMSTERDAM


def local(*parts: int) -> datetime:
    """A moment on the municipal (Amsterdam) clock: local(2026, 4, 24, 10)."""
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


class Clock:
    """A frozen clock the test moves by hand; it replaces the application's clock."""

    def __init__(self, app: Any, moment: datetime) -> None:
        self.moment = moment
        app.clock = lambda: self.moment

    def at(self, moment: datetime) -> None:
        self.moment = moment
