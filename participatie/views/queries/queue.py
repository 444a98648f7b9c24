"""The team queue: filters, sort orders, keyset paging (cursors) and the capped count."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from participatie.views.model import OPEN_STATUSES
from participatie.views.store import (
    ALL,
    DUE,
    LIVE,
    MUNICIPALITY_PREFIX,
    NO_DEADLINE,
    PRIORITY_RANK,
    ViewTables,
    stamp,
    unstamp,
)

RANK = "rank"  # the computed sort key of "challenge_order"
SORTS = {
    # name: (columns in order, descending)
    "submitted": (("q.submitted_at", "q.initiative_id"), False),
    "deadline": (("q.deadline", "q.initiative_id"), False),
    "activity": (("q.last_activity", "q.initiative_id"), True),
    "priority": (("q.priority_rank", "q.submitted_at", "q.initiative_id"), False),
    # the place regie gave the initiative's challenge in its area (see `rank_case`)
    "challenge_order": ((RANK, "q.submitted_at", "q.initiative_id"), False),
}
UNRANKED = 999_999  # after every ranked challenge: not in an order, or no challenge


def rank_case(orders: Sequence[tuple[str, Sequence[str]]]) -> tuple[str, list[Any]]:
    """SQL for an initiative's rank in regie's challenge order, with its parameters.

    `orders`: (area, challenge codes first to last) nearest first, i.e. deeper areas before
    the areas above them. The order that counts for an initiative is that of the nearest area
    up its chain with an order (as on its detail page); a challenge it leaves out, or an
    initiative without one, is UNRANKED."""
    if not any(order for _, order in orders):
        return f"CAST({UNRANKED} AS INTEGER)", []  # not a bare number: ORDER BY 2 is a column
    parts, params = ["CASE"], []
    for area, order in orders:
        if not order:
            continue
        parts.append(r"WHEN (',' || i.area_chain || ',') LIKE ? ESCAPE '\' THEN CASE i.challenge")
        params.append(f"%,{_like(area)},%")
        for rank, code in enumerate(order, start=1):
            parts.append(f"WHEN ? THEN {rank}")
            params.append(code)
        parts.append(f"ELSE {UNRANKED} END")
    parts.append(f"ELSE {UNRANKED} END")
    return " ".join(parts), params


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class QueryError(ValueError):
    """A filter or cursor that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class QueueItem:
    initiative_id: str
    title: str
    role: str  # lead or involved
    status: str
    priority: str
    themes: tuple[str, ...]
    area_code: str
    assignee: str | None
    submitted_at: datetime
    last_activity: datetime
    deadline: datetime | None
    overdue: bool
    age_days: int
    version: int
    deadline_kind: str | None = None  # handoff or decision
    challenge: str | None = None  # the challenge its routing chose, if any
    lead_team: str | None = None
    involved_teams: tuple[str, ...] = ()


ROLES = ("lead", "involved")  # the team leads the initiative, or is only involved in it
COUNT_CAP = 100  # counting further costs time on every page; "100+" is enough to know


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None
    total: int  # matching items, counted up to COUNT_CAP
    total_is_exact: bool = True

    @property
    def total_text(self) -> str:
        return f"{self.total}" if self.total_is_exact else f"{COUNT_CAP}+"


def _encode(values: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode(cursor: str, width: int) -> tuple[Any, ...]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise QueryError("cursor", "ongeldige cursor") from None
    if not isinstance(values, list) or len(values) != width:
        raise QueryError("cursor", "ongeldige cursor")
    return tuple(values)


def team_queue(
    views: ViewTables,
    team: str,
    *,
    status: str | None = None,
    theme: str | None = None,
    area: str | None = None,
    priority: str | None = None,
    overdue: bool | None = None,
    assignee: str | None = None,
    challenge: str | None = None,
    role: str | None = None,
    sort: str = "submitted",
    after: str | None = None,
    limit: int = 25,
    now: datetime | None = None,
    orders: Sequence[tuple[str, Sequence[str]]] = (),
) -> QueuePage:
    """One page of a team's queue: open initiatives it leads or is involved in.

    `orders`: regie's challenge orders (see `rank_case`), for the sort "challenge_order".

    Keyset paging: pass the page's `next_cursor` as `after` to get the next page; the order is
    stable under concurrent changes (no skipped or repeated items for unchanged rows).
    """
    if sort not in SORTS:
        raise QueryError("sort", f"kies uit {', '.join(SORTS)}")
    if priority is not None and priority not in PRIORITY_RANK:
        raise QueryError("priority", f"kies uit {', '.join(PRIORITY_RANK)}")
    if status is not None and status not in OPEN_STATUSES:
        raise QueryError("status", f"kies uit {', '.join(OPEN_STATUSES)}")
    if role is not None and role not in ROLES:
        raise QueryError("role", f"kies uit {', '.join(ROLES)}")
    if not 1 <= limit <= 200:
        raise QueryError("limit", "tussen 1 en 200")
    moment = stamp(now or datetime.now(tz=UTC))
    columns, descending = SORTS[sort]
    if sort == "priority" and priority is not None:
        columns = SORTS["submitted"][0]  # one priority only: its order is the submission order
    # Area or theme filters read their own facet of the queue (see store.facets).
    if area is not None and not area.startswith(MUNICIPALITY_PREFIX):
        facet = f"area:{area}"
    elif theme is not None:
        facet = f"theme:{theme}"
    elif overdue is True:
        facet = DUE
    elif status is not None:
        facet = f"status:{status}"
    else:
        facet = ALL
    where = ["q.team = ?", "q.facet = ?"]
    params: list[Any] = [team, facet]
    if status is not None:
        where.append("q.status = ?")
        params.append(status)
    if priority is not None:
        where.append("q.priority_rank = ?")
        params.append(PRIORITY_RANK[priority])
    if assignee is not None:
        where.append("q.assignee = ?")
        params.append(assignee)
    if role is not None:
        where.append("q.role = ?")
        params.append(role)
    if overdue is True:
        # Unless sorting by deadline, keep the planner on the sort's index: the overdue rows
        # come early in any order, while collecting all of them to sort them does not scale.
        where.append("q.deadline < ?" if sort == "deadline" else "q.deadline || '' < ?")
        params.append(moment)
    elif overdue is False:
        where.append("q.deadline >= ?")
        params.append(moment)
    if challenge is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiatives')} c"
            " WHERE c.id = q.initiative_id AND c.challenge = ?)"
        )
        params.append(challenge)
    if theme is not None and area is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiative_themes')} t"
            " WHERE t.initiative_id = q.initiative_id AND t.theme = ?)"
        )
        params.append(theme)
    filters = " AND ".join(where)
    rank, rank_params = rank_case(orders) if sort == "challenge_order" else ("0", [])
    sql_columns = [rank if c == RANK else c for c in columns]
    page_where = filters
    page_params = list(params)
    if after is not None:
        values = _decode(after, len(columns))
        compare = "<" if descending else ">"
        marks = ", ".join("?" * len(columns))
        page_where += f" AND ({', '.join(sql_columns)}) {compare} ({marks})"
        page_params = [*page_params, *(rank_params if RANK in columns else []), *values]
    order = ", ".join(f"{c} {'DESC' if descending else 'ASC'}" for c in sql_columns)
    queue_table = views.table(LIVE, "team_queue")
    statement = (
        f"SELECT q.initiative_id, q.role, q.status, q.deadline, q.submitted_at, q.last_activity,"
        f" q.area_code, q.assignee, q.priority_rank, i.title, i.priority, i.themes, i.version,"
        f" i.deadline_kind, i.challenge, {rank}, i.lead_team, i.involved_teams"
        f" FROM {queue_table} q JOIN {views.table(LIVE, 'initiatives')} i"
        f" ON i.id = q.initiative_id WHERE {page_where} ORDER BY {order} LIMIT ?"
    )
    page_params = [*rank_params, *page_params, *(rank_params if RANK in columns else [])]
    with views.cursor(commit=False) as c:
        c.execute(views.sql(statement), [*page_params, limit + 1])
        found = [tuple(r) for r in c.fetchall()]
        c.execute(
            views.sql(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {queue_table} q WHERE {filters}"
                f" LIMIT {COUNT_CAP + 1}) AS capped"
            ),
            params,
        )
        (total,) = tuple(c.fetchone())
    now_dt = unstamp(moment)
    assert now_dt is not None
    items = [_item(r, now_dt) for r in found[:limit]]
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        keys = {"q.submitted_at": last[4], "q.deadline": last[3], "q.last_activity": last[5]}
        keys |= {"q.initiative_id": last[0], "q.priority_rank": last[8], RANK: last[15]}
        next_cursor = _encode(tuple(keys[c] for c in columns))
    exact = int(total) <= COUNT_CAP
    return QueuePage(items, next_cursor, min(int(total), COUNT_CAP), exact)


def _item(r: tuple[Any, ...], now: datetime) -> QueueItem:
    deadline = None if r[3] == NO_DEADLINE else unstamp(r[3])
    submitted = unstamp(r[4])
    assert submitted is not None
    last = unstamp(r[5])
    assert last is not None
    return QueueItem(
        initiative_id=r[0],
        title=r[9],
        role=r[1],
        status=r[2],
        priority=r[10],
        themes=tuple(t for t in (r[11] or "").split(",") if t),
        area_code=r[6],
        assignee=r[7],
        submitted_at=submitted,
        last_activity=last,
        deadline=deadline,
        overdue=deadline is not None and deadline < now,
        age_days=(now - submitted).days,
        version=int(r[12]),
        deadline_kind=r[13],
        challenge=r[14],
        lead_team=r[16],
        involved_teams=tuple(t for t in (r[17] or "").split(",") if t),
    )
