"""Queries the web layer and the CLI use; they return plain dataclasses and dicts.

Everything here reads the view tables only (never the event store) and holds no personal data.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
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

SORTS = {
    # name: (columns in order, descending)
    "submitted": (("q.submitted_at", "q.initiative_id"), False),
    "deadline": (("q.deadline", "q.initiative_id"), False),
    "activity": (("q.last_activity", "q.initiative_id"), True),
    "priority": (("q.priority_rank", "q.submitted_at", "q.initiative_id"), False),
}


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
    sort: str = "submitted",
    after: str | None = None,
    limit: int = 25,
    now: datetime | None = None,
) -> QueuePage:
    """One page of a team's queue: open initiatives it leads or is involved in.

    Keyset paging: pass the page's `next_cursor` as `after` to get the next page; the order is
    stable under concurrent changes (no skipped or repeated items for unchanged rows).
    """
    if sort not in SORTS:
        raise QueryError("sort", f"kies uit {', '.join(SORTS)}")
    if priority is not None and priority not in PRIORITY_RANK:
        raise QueryError("priority", f"kies uit {', '.join(PRIORITY_RANK)}")
    if status is not None and status not in OPEN_STATUSES:
        raise QueryError("status", f"kies uit {', '.join(OPEN_STATUSES)}")
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
    if overdue is True:
        # Unless sorting by deadline, keep the planner on the sort's index: the overdue rows
        # come early in any order, while collecting all of them to sort them does not scale.
        where.append("q.deadline < ?" if sort == "deadline" else "q.deadline || '' < ?")
        params.append(moment)
    elif overdue is False:
        where.append("q.deadline >= ?")
        params.append(moment)
    if theme is not None and area is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiative_themes')} t"
            " WHERE t.initiative_id = q.initiative_id AND t.theme = ?)"
        )
        params.append(theme)
    filters = " AND ".join(where)
    page_where = filters
    page_params = list(params)
    if after is not None:
        values = _decode(after, len(columns))
        compare = "<" if descending else ">"
        marks = ", ".join("?" * len(columns))
        page_where += f" AND ({', '.join(columns)}) {compare} ({marks})"
        page_params.extend(values)
    order = ", ".join(f"{c} {'DESC' if descending else 'ASC'}" for c in columns)
    queue_table = views.table(LIVE, "team_queue")
    statement = (
        f"SELECT q.initiative_id, q.role, q.status, q.deadline, q.submitted_at, q.last_activity,"
        f" q.area_code, q.assignee, q.priority_rank, i.title, i.priority, i.themes, i.version,"
        f" i.deadline_kind"
        f" FROM {queue_table} q JOIN {views.table(LIVE, 'initiatives')} i"
        f" ON i.id = q.initiative_id WHERE {page_where} ORDER BY {order} LIMIT ?"
    )
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
        keys |= {"q.initiative_id": last[0], "q.priority_rank": last[8]}
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
    )


# -- area and challenge overviews ----------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeInArea:
    code: str
    name: str
    team: str
    open_work: int


@dataclass(frozen=True)
class AreaOverview:
    area_code: str
    total: int
    open: int
    overdue: int
    by_status: dict[str, int]
    by_theme: dict[str, int]
    median_days_to_decision: float | None
    supporters: int
    sub_areas: dict[str, int]  # child area → open initiatives (roll-up)
    challenges: list[ChallengeInArea] = field(default_factory=list)


@dataclass(frozen=True)
class ChallengeInfo:
    """What the overview needs to know of a challenge (from the organisation)."""

    code: str
    name: str
    team: str
    focus_areas: tuple[str, ...]


def _rows_in_area(views: ViewTables, area: str, columns: str) -> list[tuple[Any, ...]]:
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT {columns} FROM {views.table(LIVE, 'initiatives')} i"
                f" JOIN {views.table(LIVE, 'initiative_areas')} a ON a.initiative_id = i.id"
                " WHERE a.area_code = ?"
            ),
            [area],
        )
        return [tuple(r) for r in c.fetchall()]


def _days(start: str | None, end: str | None) -> float | None:
    a, b = unstamp(start), unstamp(end)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 86400


def area_overview(
    views: ViewTables,
    area: str,
    *,
    children: list[str] | None = None,
    challenges: list[ChallengeInfo] | None = None,
    area_chains: dict[str, tuple[str, ...]] | None = None,
    now: datetime | None = None,
) -> AreaOverview:
    """Counts for an area with everything below it (roll-up), and the challenges landing there.

    `children` are the area's direct sub-areas; `challenges` with `area_chains` (focus area →
    its chain) decide which challenges land in the area.
    """
    moment = stamp(now or datetime.now(tz=UTC))
    rows = _rows_in_area(
        views,
        area,
        "i.status, i.themes, i.submitted_at, i.decided_at, i.supporters,"
        " i.deadline, i.challenge, i.area_chain",
    )
    by_status = Counter(r[0] for r in rows)
    by_theme = Counter(t for r in rows for t in (r[1] or "").split(",") if t)
    open_rows = [r for r in rows if r[0] in OPEN_STATUSES]
    days = [d for r in rows if (d := _days(r[2], r[3])) is not None]
    sub_areas = {child: 0 for child in children or []}
    for r in open_rows:
        for code in (r[7] or "").split(","):
            if code in sub_areas:
                sub_areas[code] += 1
    landing: list[ChallengeInArea] = []
    chains = area_chains or {}
    for challenge in challenges or []:
        if any(area in chains.get(focus, (focus,)) for focus in challenge.focus_areas):
            work = sum(1 for r in open_rows if r[6] == challenge.code)
            landing.append(ChallengeInArea(challenge.code, challenge.name, challenge.team, work))
    landing.sort(key=lambda c: (-c.open_work, c.code))  # where challenges stack up, first
    return AreaOverview(
        area_code=area,
        total=len(rows),
        open=len(open_rows),
        overdue=sum(1 for r in open_rows if r[5] is not None and r[5] < moment),
        by_status=dict(sorted(by_status.items())),
        by_theme=dict(sorted(by_theme.items())),
        median_days_to_decision=round(median(days), 1) if days else None,
        supporters=sum(int(r[4]) for r in rows),
        sub_areas=sub_areas,
        challenges=landing,
    )


def overview_of_area(app: Any, views: ViewTables, code: str) -> AreaOverview:
    """The area overview with sub-areas and challenges taken from the current map and directory."""
    index = app.area_index()
    challenges = [
        ChallengeInfo(ch.code, ch.name, ch.team, tuple(ch.focus_areas)) for ch in app.challenges()
    ]
    chains = {f: tuple(index.ancestors(f)) for ch in challenges for f in ch.focus_areas}
    return area_overview(
        views, code, children=index.children(code), challenges=challenges, area_chains=chains
    )


@dataclass(frozen=True)
class ChallengeOverview:
    code: str
    total: int
    open: int
    by_status: dict[str, int]
    by_area: dict[str, int]  # area (at `level_of` granularity) → open initiatives
    median_days_to_decision: float | None


def challenge_overview(
    views: ViewTables, code: str, *, areas_of_interest: list[str] | None = None
) -> ChallengeOverview:
    """One challenge across all areas: its work by status and by area."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT status, area_chain, submitted_at, decided_at FROM"
                f" {views.table(LIVE, 'initiatives')} WHERE challenge = ?"
            ),
            [code],
        )
        rows = [tuple(r) for r in c.fetchall()]
    open_rows = [r for r in rows if r[0] in OPEN_STATUSES]
    by_area: Counter[str] = Counter()
    wanted = set(areas_of_interest or [])
    for r in open_rows:
        for area in (r[1] or "").split(","):
            if not wanted or area in wanted:
                by_area[area] += 1
    days = [d for r in rows if (d := _days(r[2], r[3])) is not None]
    return ChallengeOverview(
        code=code,
        total=len(rows),
        open=len(open_rows),
        by_status=dict(sorted(Counter(r[0] for r in rows).items())),
        by_area=dict(sorted(by_area.items())),
        median_days_to_decision=round(median(days), 1) if days else None,
    )


# -- public --------------------------------------------------------------------------------------


def public_initiative(views: ViewTables, initiative_id: str) -> dict[str, Any] | None:
    """What anyone may see of one initiative: no personal data, description only with consent."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                "SELECT id, title, description, consent, status, area_code, lead_team, outcome,"
                " decision_published, rationale, supporters, submitted_at, themes FROM"
                f" {views.table(LIVE, 'initiatives')} WHERE id = ?"
            ),
            [initiative_id],
        )
        found = c.fetchone()
        if found is None:
            return None
        r = tuple(found)
        c.execute(
            views.sql(
                f"SELECT at, kind, text, team FROM {views.table(LIVE, 'timeline')}"
                " WHERE initiative_id = ? ORDER BY version, kind"
            ),
            [initiative_id],
        )
        timeline = [
            {"at": unstamp(t[0]), "kind": t[1], "text": t[2], "team": t[3]}
            for t in (tuple(x) for x in c.fetchall())
        ]
    published = bool(r[8])
    return {
        "id": r[0],
        "title": r[1],
        "description": r[2] if r[3] else None,
        "status": r[4],
        "area_code": r[5],
        "lead_team": r[6],
        "outcome": r[7] if published else None,
        "rationale": r[9] if published else None,
        "supporters": int(r[10]),
        "submitted_at": unstamp(r[11]),
        "themes": [t for t in (r[12] or "").split(",") if t],
        "timeline": timeline,
    }


# -- P&C -----------------------------------------------------------------------------------------


def quarter(moment: datetime) -> str:
    return f"{moment.year}-K{(moment.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class QuarterFigures:
    quarter: str
    submitted: int
    decided: dict[str, int]  # outcome → count, by the quarter of the decision
    median_days_to_decision: float | None
    overdue: int  # submitted in the quarter, still open and past the deadline now


def pc_figures(views: ViewTables, area: str, now: datetime | None = None) -> list[QuarterFigures]:
    """Planning & control figures for an area (with sub-areas), per quarter, oldest first."""
    moment = stamp(now or datetime.now(tz=UTC))
    rows = _rows_in_area(
        views, area, "i.status, i.submitted_at, i.decided_at, i.outcome, i.deadline"
    )
    submitted: Counter[str] = Counter()
    decided: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {}
    overdue: Counter[str] = Counter()
    for status, sub, dec, outcome, deadline in rows:
        sub_at = unstamp(sub)
        assert sub_at is not None
        q = quarter(sub_at)
        submitted[q] += 1
        if status in OPEN_STATUSES and deadline is not None and deadline < moment:
            overdue[q] += 1
        dec_at = unstamp(dec)
        if dec_at is not None and outcome:
            dq = quarter(dec_at)
            decided.setdefault(dq, Counter())[outcome] += 1
            durations.setdefault(dq, []).append((dec_at - sub_at).total_seconds() / 86400)
    quarters = sorted(set(submitted) | set(decided))
    return [
        QuarterFigures(
            quarter=q,
            submitted=submitted[q],
            decided=dict(sorted(decided.get(q, Counter()).items())),
            median_days_to_decision=round(median(durations[q]), 1) if q in durations else None,
            overdue=overdue[q],
        )
        for q in quarters
    ]


# -- public pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicItem:
    """One initiative in a public list: only what its initiator agreed to publish."""

    id: str
    title: str
    status: str
    area_code: str
    themes: list[str]
    submitted_at: datetime | None
    supporters: int


def public_initiatives(
    views: ViewTables, area: str | None = None, limit: int = 20
) -> list[PublicItem]:
    """Published initiatives (consent given), newest first; `area` includes everything below."""
    columns = "i.id, i.title, i.status, i.area_code, i.themes, i.submitted_at, i.supporters"
    initiatives = views.table(LIVE, "initiatives")
    with views.cursor(commit=False) as c:
        if area is None:
            c.execute(
                views.sql(
                    f"SELECT {columns} FROM {initiatives} i WHERE i.consent = 1"
                    " ORDER BY i.submitted_at DESC, i.id LIMIT ?"
                ),
                [limit],
            )
        else:
            c.execute(
                views.sql(
                    f"SELECT {columns} FROM {initiatives} i"
                    f" JOIN {views.table(LIVE, 'initiative_areas')} a ON a.initiative_id = i.id"
                    " WHERE a.area_code = ? AND i.consent = 1"
                    " ORDER BY i.submitted_at DESC, i.id LIMIT ?"
                ),
                [area, limit],
            )
        rows = [tuple(r) for r in c.fetchall()]
    return [
        PublicItem(
            id=r[0],
            title=r[1],
            status=r[2],
            area_code=r[3],
            themes=[t for t in (r[4] or "").split(",") if t],
            submitted_at=unstamp(r[5]),
            supporters=int(r[6]),
        )
        for r in rows
    ]


def open_counts(views: ViewTables, codes: list[str]) -> dict[str, int]:
    """Open initiatives in each of `codes`, everything below an area included."""
    if not codes:
        return {}
    marks = ", ".join("?" for _ in codes)
    statuses = ", ".join("?" for _ in OPEN_STATUSES)
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT a.area_code, COUNT(*) FROM {views.table(LIVE, 'initiative_areas')} a"
                f" JOIN {views.table(LIVE, 'initiatives')} i ON i.id = a.initiative_id"
                f" WHERE a.area_code IN ({marks}) AND i.status IN ({statuses})"
                " GROUP BY a.area_code"
            ),
            [*codes, *OPEN_STATUSES],
        )
        found = {str(r[0]): int(r[1]) for r in (tuple(x) for x in c.fetchall())}
    return {code: found.get(code, 0) for code in codes}


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


# -- regie ---------------------------------------------------------------------------------------


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
    moment = stamp(now or datetime.now(tz=UTC))
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
            found.append(RegieItem(r[0], r[1], r[2], r[3], since, unstamp(r[5]), int(r[6]), r[7]))
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
        )
        grouped[kind if kind in grouped else "other"].append(moved)
    return RegieOverview(
        unrouted, grouped["declined"], grouped["escalated"], grouped["other"], expired
    )
