"""What needs attention: the regie team's overview, and the deadline sweep's due initiatives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from participatie.domain.calendar import AMSTERDAM
from participatie.views.store import ALL, DUE, LIVE, ViewTables, stamp, unstamp


def due_initiatives(views: ViewTables, moment: datetime) -> list[str]:
    """Open initiatives with a deadline at or before `moment` (the sweep checks each)."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT id FROM {views.table(LIVE, 'initiatives')}"
                " WHERE deadline IS NOT NULL AND deadline <= ? ORDER BY deadline"
            ),
            [stamp(moment)],
        )
        return [str(r[0]) for r in c.fetchall()]


@dataclass(frozen=True)
class RegieItem:
    initiative_id: str
    title: str
    status: str
    lead_team: str | None
    since: datetime  # submitted (unrouted), handed to regie, or hand-off started (expired)
    deadline: datetime | None
    version: int
    deadline_kind: str | None = None
    overdue: bool = False  # its deadline had passed when the overview was read


@dataclass(frozen=True)
class RegieOverview:
    unrouted: list[RegieItem]
    declined: list[RegieItem]
    escalated: list[RegieItem]
    other: list[RegieItem]  # routed to regie by the rulebook (no rule matched), or forwarded
    expired: list[RegieItem]  # hand-offs not answered and decisions not taken in time, anywhere


HANDOFF_KINDS = ("routed", "rerouted", "forwarded", "declined", "escalated")


def regie_overview(
    views: ViewTables, regie_team: str, now: datetime | None = None, limit: int = 100
) -> RegieOverview:
    """What needs the regie team: unrouted, declined, escalated and expired hand-offs."""
    current = now or datetime.now(tz=UTC)
    moment = stamp(current)
    initiatives = views.table(LIVE, "initiatives")
    queue = views.table(LIVE, "team_queue")
    timeline = views.table(LIVE, "timeline")
    select = (
        "SELECT i.id, i.title, i.status, i.lead_team, {since}, i.deadline, i.version,"
        " i.deadline_kind"
    )

    def items(rows: list[Any]) -> list[RegieItem]:
        found = []
        for r in (tuple(x) for x in rows):
            since = unstamp(r[4])
            assert since is not None
            due = unstamp(r[5])
            late = due is not None and due < current
            found.append(RegieItem(r[0], r[1], r[2], r[3], since, due, int(r[6]), r[7], late))
        return found

    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                select.format(since="i.submitted_at") + f" FROM {initiatives} i"
                " WHERE i.status = ? ORDER BY i.submitted_at LIMIT ?"
            ),
            ["submitted", limit],
        )
        unrouted = items(c.fetchall())
        c.execute(
            views.sql(
                select.format(since="COALESCE(i.routed_at, i.submitted_at)")
                + f" FROM {queue} q JOIN {initiatives} i"
                " ON i.id = q.initiative_id WHERE q.team = ? AND q.facet = ? AND q.role = ?"
                " ORDER BY q.submitted_at LIMIT ?"
            ),
            [regie_team, ALL, "lead", limit],
        )
        regie = items(c.fetchall())
        kinds: dict[str, tuple[str, datetime | None]] = {}
        if regie:
            marks = ", ".join("?" * len(regie))
            kind_marks = ", ".join("?" * len(HANDOFF_KINDS))
            c.execute(
                views.sql(
                    f"SELECT initiative_id, version, kind, at FROM {timeline}"
                    f" WHERE initiative_id IN ({marks}) AND kind IN ({kind_marks})"
                    " ORDER BY initiative_id, version"
                ),
                [*(r.initiative_id for r in regie), *HANDOFF_KINDS],
            )
            for t in (tuple(x) for x in c.fetchall()):
                kinds[t[0]] = (t[2], unstamp(t[3]))  # the latest hand-off wins
        c.execute(
            views.sql(
                select.format(since="i.last_activity") + f" FROM {queue} q JOIN {initiatives} i"
                " ON i.id = q.initiative_id WHERE q.facet = ? AND q.role = ? AND q.deadline < ?"
                " ORDER BY q.deadline LIMIT ?"
            ),
            [DUE, "lead", moment, limit],
        )
        expired = items(c.fetchall())
    grouped: dict[str, list[RegieItem]] = {"declined": [], "escalated": [], "other": []}
    for item in regie:
        kind, at = kinds.get(item.initiative_id, ("other", None))
        moved = RegieItem(
            item.initiative_id,
            item.title,
            item.status,
            item.lead_team,
            at or item.since,
            item.deadline,
            item.version,
            item.deadline_kind,
            item.overdue,
        )
        grouped[kind if kind in grouped else "other"].append(moved)
    return RegieOverview(
        unrouted, grouped["declined"], grouped["escalated"], grouped["other"], expired
    )


@dataclass(frozen=True)
class HandoffWeek:
    """How many hand-offs were declined to regie and escalated to it in one week."""

    week: str  # ISO week on the municipal calendar, e.g. "2026-W48"
    declined: int
    escalated: int


TREND_KINDS = ("declined", "escalated")


def handoff_trend(views: ViewTables, now: datetime, weeks: int = 8) -> list[HandoffWeek]:
    """Declined and escalated hand-offs per calendar week (Monday to Sunday, Amsterdam time),
    the last `weeks` weeks with this one last: whether hand-offs stall more or less."""
    local = now.astimezone(AMSTERDAM)
    this_monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    mondays = [this_monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    counts: dict[tuple[int, str], int] = {}
    marks = ", ".join("?" for _ in TREND_KINDS)
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT kind, at FROM {views.table(LIVE, 'timeline')}"
                f" WHERE kind IN ({marks}) AND at >= ? AND at <= ?"
            ),
            [*TREND_KINDS, stamp(mondays[0]), stamp(now)],
        )
        for kind, at in (tuple(r) for r in c.fetchall()):
            moment = unstamp(at)
            assert moment is not None
            index = sum(1 for monday in mondays if monday <= moment) - 1
            counts[(index, kind)] = counts.get((index, kind), 0) + 1
    found = []
    for index, monday in enumerate(mondays):
        year, week, _ = monday.isocalendar()
        found.append(
            HandoffWeek(
                f"{year}-W{week:02d}",
                counts.get((index, "declined"), 0),
                counts.get((index, "escalated"), 0),
            )
        )
    return found
