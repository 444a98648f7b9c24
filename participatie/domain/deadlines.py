"""The two clocks of an initiative, in one place: the hand-off's and the decision's.

The aggregate (`Initiative`) and the read model (`views.model`) both ask these functions, so a
queue's deadline and the sweep's deadline cannot drift apart.

- **Hand-off**: the lead team accepts or declines within its rule's acceptance days, counted in
  working days from the latest hand-off (routing, forward, decline to regie, escalation); only
  while the initiative is open and the hand-off unanswered.
- **Decision**: the decision days (default 40 working days, 8 weeks) count from submission, in
  working days, until a decision is made; the clock stands still while the team waits for the
  initiator's answer (as Awb 4:15 suspends a decision term), and every working day of such a
  pause moves the date on by a day.
"""

from __future__ import annotations

from datetime import datetime

from participatie.domain.calendar import add_working_days, working_days_between
from participatie.domain.values import Status
from participatie.domain.workflow import CLOCKED

DEFAULT_ACCEPTANCE_DAYS = 5
DEFAULT_DECISION_DAYS = 40  # 8 weeks of working days
HANDOFF, DECISION = "handoff", "decision"  # the deadlines an initiative can miss


def handoff_runs(status: Status, pending: bool) -> bool:
    """Does the hand-off clock run: an open initiative whose lead team has not answered yet?"""
    return pending and status.is_open


def handoff_due(
    status: Status, pending: bool, since: datetime | None, days: int
) -> datetime | None:
    """When the lead team must have answered the hand-off (None: no open hand-off)."""
    if not handoff_runs(status, pending) or since is None:
        return None
    return add_working_days(since, days)


def decision_runs(status: Status, decided: bool) -> bool:
    """Does the decision clock run: not yet decided, and not waiting for the initiator?"""
    return status in CLOCKED and not decided


def decision_due(
    status: Status, decided: bool, submitted: datetime, days: int, paused_days: int
) -> datetime | None:
    """When the decision is due (None: decided, closed, or paused for the initiator)."""
    if not decision_runs(status, decided):
        return None
    return add_working_days(submitted, days + paused_days)


def paused_days(since: datetime, until: datetime) -> int:
    """The working days a pause from `since` to `until` moves the decision date by."""
    return working_days_between(since, until)


def first(handoff: datetime | None, decision: datetime | None) -> tuple[datetime, str] | None:
    """The first running deadline and its kind (HANDOFF or DECISION), if any."""
    found = [(due, kind) for due, kind in ((handoff, HANDOFF), (decision, DECISION)) if due]
    return min(found) if found else None


def missed_key(kind: str, due: datetime) -> str:
    """How a recorded miss is remembered: the same deadline is recorded once."""
    return f"{kind}@{due.isoformat()}"


def missed(
    handoff: datetime | None, decision: datetime | None, now: datetime, recorded: list[str]
) -> list[tuple[str, datetime]]:
    """The deadlines that passed by `now` and are not in `recorded` yet, hand-off first."""
    found = []
    for kind, due in ((HANDOFF, handoff), (DECISION, decision)):
        if due is not None and due <= now and missed_key(kind, due) not in recorded:
            found.append((kind, due))
    return found
