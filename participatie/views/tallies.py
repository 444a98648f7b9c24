"""What one initiative row adds to the area figures, so an area page reads a handful of rows
however many initiatives the area holds.

Three kinds of entries, each per area of the row's chain (the area and everything above it):

- **counts** (`area_counts`): how many initiatives per status, theme, challenge, quarter of
  submission and quarter + outcome of the decision, and the supporters. The projector keeps them
  by adding what a row adds now and taking away what its stored version added (`deltas`), so one
  event changes a few counter rows.
- **open work** (`area_open`): one entry per open initiative with its challenge, submission and
  deadline. What depends on the moment the page is read (overdue, age of the oldest work) is
  counted from these through an index on (area, deadline) and (area, challenge, submitted).
- **decisions** (`area_decisions`): one entry per decided initiative with the days it took,
  indexed by (area, days) and (area, quarter, days): a median is read at the middle position.

The kinds of counts are the names in `COUNT_KINDS`; `key` says which status, theme, … (empty
for a plain number). A decision's key is `quarter/outcome`, a rating's `quarter/team/score`.

One more area, `EVERYWHERE`, holds what a challenge page needs across the municipality: every
initiative by challenge and status (`challenge/status`), and its decisions once (an initiative's
chain holds several areas, so a median over the chain's entries would count it several times).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from participatie.views.model import Row
from participatie.views.rows import stamp, storable

TOTAL, OPEN, SUPPORTERS = "total", "open", "supporters"
STATUS, THEME, CHALLENGE, CHALLENGE_OPEN = "status", "theme", "challenge", "challenge_open"
SUBMITTED, DECIDED, RATED = "submitted", "decided", "rated"
CHALLENGE_STATUS = "challenge_status"
EVERYWHERE = "*"  # not an area code: every initiative, wherever it lies
COUNT_KINDS = (
    TOTAL,
    OPEN,
    SUPPORTERS,
    STATUS,
    THEME,
    CHALLENGE,
    CHALLENGE_OPEN,
    SUBMITTED,
    DECIDED,
    CHALLENGE_STATUS,
    RATED,
)
NO_CHALLENGE = ""  # the open work entry of an initiative routed for no challenge

CountKey = tuple[str, str, str]  # area, kind, key


def quarter(moment: datetime) -> str:
    """The quarter of a moment as the P&C figures name it, e.g. '2026-K4' (by its UTC date)."""
    return f"{moment.year}-K{(moment.month - 1) // 3 + 1}"


def decided_key(when: str, outcome: str) -> str:
    return f"{when}/{outcome}"


def rated_key(when: str, team: str, score: int) -> str:
    """The key of a rating: the quarter it was given, the lead team then, the score."""
    return f"{when}/{team}/{score}"


def counts(row: Row) -> Counter[CountKey]:
    """What `row` adds to the counts of every area of its chain."""
    own: Counter[tuple[str, str]] = Counter()
    own[(TOTAL, "")] += 1
    own[(STATUS, row.status)] += 1
    own[(SUPPORTERS, "")] += row.supporters
    own[(SUBMITTED, quarter(row.submitted_at))] += 1
    for theme in set(row.themes):
        own[(THEME, theme)] += 1
    if row.challenge:
        own[(CHALLENGE, row.challenge)] += 1
    if row.is_open:
        own[(OPEN, "")] += 1
        if row.challenge:
            own[(CHALLENGE_OPEN, row.challenge)] += 1
    if row.decided_at is not None and row.outcome:
        own[(DECIDED, decided_key(quarter(row.decided_at), row.outcome))] += 1
    if row.rating is not None and row.rated_at is not None:
        own[(RATED, rated_key(quarter(row.rated_at), row.lead_team or "", row.rating))] += 1
    found: Counter[CountKey] = Counter()
    for area in set(row.area_chain):
        for (kind, key), n in own.items():
            if n:
                found[(area, kind, key)] += n
    if row.challenge:
        found[(EVERYWHERE, CHALLENGE_STATUS, f"{row.challenge}/{row.status}")] += 1
    return found


def deltas(rows: Iterable[Row], before: dict[str, Row | None]) -> list[tuple[str, str, str, int]]:
    """The changes to the counts when `rows` replace their stored versions `before`, in key
    order (so concurrent writers lock counter rows in the same order), zeros left out."""
    change: dict[CountKey, int] = {}
    for row in rows:
        for key, n in counts(row).items():
            change[key] = change.get(key, 0) + n
        old = before.get(row.id)
        if old is not None:
            for key, n in counts(old).items():
                change[key] = change.get(key, 0) - n
    return [(*key, n) for key, n in sorted(change.items()) if n]


def totals(rows: Iterable[Row]) -> list[tuple[str, str, str, int]]:
    """The counts of `rows` together (a rebuild), zeros left out."""
    found: Counter[CountKey] = Counter()
    for row in rows:
        found.update(counts(row))
    return [(*key, n) for key, n in sorted(found.items()) if n]


def open_entries(row: Row) -> list[tuple[Any, ...]]:
    """The open work entries of `row` (none once it is closed)."""
    if not row.is_open:
        return []
    shared = (
        row.challenge or NO_CHALLENGE,
        stamp(row.submitted_at),
        stamp(row.deadline),
        quarter(row.submitted_at),
    )
    return [tuple(map(storable, (row.id, area, *shared))) for area in sorted(set(row.area_chain))]


def decision_entries(row: Row) -> list[tuple[Any, ...]]:
    """The decision entries of `row` (none before a decision)."""
    if row.decided_at is None or not row.outcome:
        return []
    days = (row.decided_at - (row.decision_from or row.submitted_at)).total_seconds() / 86400
    shared = (quarter(row.decided_at), days, row.outcome, row.challenge or NO_CHALLENGE)
    areas = [EVERYWHERE, *sorted(set(row.area_chain))]
    return [tuple(map(storable, (row.id, area, *shared))) for area in areas]
