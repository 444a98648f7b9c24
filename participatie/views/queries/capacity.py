"""A team's load against its capacity: open work weighted by status, its age, its trend.

The load is the open work a team *leads*, each initiative weighted by how much of the team it
takes in its status (LOAD_WEIGHTS). Work a team is only involved in is counted apart
(`involved`) and not in the load: the lead team carries the case, and counting it for every
involved team too would show one case as the load of several teams.

A capacity is given in open cases, in hours a week, or both (`Team.set_capacity`);
`Capacity.in_cases` says what the load is held against (hours count only without cases, turned
into cases at the setting PARTICIPATIE_CAPACITY_HOURS_PER_CASE). A team is overloaded when its
load is above that capacity.

The trend is rebuilt from the timeline the views keep: every hand-off (routed, rerouted,
forwarded, declined to regie, escalated) names the team that leads from then on, and a closed
initiative's row keeps when it closed. So the open lead work at any past moment is known without
storing a figure per week.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from participatie.domain.calendar import AMSTERDAM
from participatie.domain.organisation import DEFAULT_HOURS_PER_CASE, Capacity
from participatie.views.queries.regie import HANDOFF_KINDS
from participatie.views.store import ALL, LIVE, ViewTables, stamp, unstamp

# How much of a team an initiative it leads takes, by status (1.0: a case at full weight).
LOAD_WEIGHTS: dict[str, float] = {
    "routed": 0.5,  # handed to the team, not yet accepted: read, judged, accepted or declined
    "in_progress": 1.0,  # the team works on it
    "waiting_for_initiator": 0.5,  # paused for the initiator's answer, still followed up
    "decided": 0.5,  # decided: the decision published, the execution prepared
    "in_execution": 1.0,  # being carried out
}
TREND_WEEKS = 8


@dataclass(frozen=True)
class WorkShare:
    """Part of a team's open lead work: how many initiatives, and their weighted load."""

    open: int
    load: float


@dataclass(frozen=True)
class WeekPoint:
    """The open work a team led at one moment of the trend."""

    week: str  # the ISO week of the moment on the municipal calendar, e.g. "2026-W48"
    at: datetime
    open_lead: int


@dataclass(frozen=True)
class TeamLoad:
    team: str
    capacity_cases: int | None  # as set; None: not given
    capacity_hours_per_week: int | None
    capacity: float | None  # in cases at full weight; None: no capacity set
    load: float  # the open lead work weighted by LOAD_WEIGHTS
    ratio: float | None  # load / capacity; None without a capacity above 0
    overloaded: bool  # load > capacity
    open_lead: int
    by_status: dict[str, int]  # open lead work per status
    involved: int  # open work the team is involved in but does not lead (not in the load)
    agenda: WorkShare  # open lead work linked to the area agenda's priorities
    on_top: WorkShare  # the rest: "on top of regular work"
    oldest_days: int | None  # days since the oldest open lead work was submitted
    overdue: int  # open lead work past its hand-off or decision deadline
    trend: tuple[WeekPoint, ...]  # open lead work a week apart, the last one now


def team_loads(
    views: ViewTables,
    capacities: Mapping[str, Capacity | None],
    *,
    agenda: Collection[Any] = frozenset(),
    hours_per_case: int = DEFAULT_HOURS_PER_CASE,
    now: datetime | None = None,
) -> list[TeamLoad]:
    """The load of each team in `capacities` (team code → its capacity, None: none set), in
    code order.

    `agenda`: the ids of the initiatives linked to a priority of an area agenda; the rest of the
    open lead work is "on top of regular work" (with none given, all of it).
    """
    moment = now or datetime.now(tz=UTC)
    linked = {str(i) for i in agenda}
    trends = _trends(views, moment)
    loads = []
    for team in sorted(capacities):
        capacity = capacities[team]
        limit = capacity.in_cases(hours_per_case) if capacity is not None else None
        lead, involved = _open_work(views, team)
        load = _weighted(lead)
        mine = [w for w in lead if w[0] in linked]
        others = [w for w in lead if w[0] not in linked]
        ages = [(moment - submitted).days for _, _, _, submitted in lead]
        loads.append(
            TeamLoad(
                team=team,
                capacity_cases=capacity.cases if capacity is not None else None,
                capacity_hours_per_week=capacity.hours_per_week if capacity is not None else None,
                capacity=limit,
                load=load,
                ratio=round(load / limit, 2) if limit else None,
                overloaded=limit is not None and load > limit,
                open_lead=len(lead),
                by_status=dict(sorted(Counter(status for _, status, _, _ in lead).items())),
                involved=involved,
                agenda=WorkShare(len(mine), _weighted(mine)),
                on_top=WorkShare(len(others), _weighted(others)),
                oldest_days=max(ages) if ages else None,
                overdue=sum(1 for _, _, due, _ in lead if due is not None and due < moment),
                trend=tuple(WeekPoint(_week(at), at, counts.get(team, 0)) for at, counts in trends),
            )
        )
    return loads


Work = tuple[str, str, datetime | None, datetime]  # initiative id, status, deadline, submitted


def _open_work(views: ViewTables, team: str) -> tuple[list[Work], int]:
    """The team's open lead work, and how many open initiatives it is only involved in."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                "SELECT q.initiative_id, q.role, q.status, i.deadline, q.submitted_at"
                f" FROM {views.table(LIVE, 'team_queue')} q"
                f" JOIN {views.table(LIVE, 'initiatives')} i ON i.id = q.initiative_id"
                " WHERE q.team = ? AND q.facet = ?"
            ),
            [team, ALL],
        )
        rows = [tuple(r) for r in c.fetchall()]
    lead: list[Work] = []
    for initiative_id, role, status, deadline, submitted in rows:
        if role == "lead":
            submitted_at = unstamp(submitted)
            assert submitted_at is not None
            lead.append((str(initiative_id), str(status), unstamp(deadline), submitted_at))
    return lead, len(rows) - len(lead)


def _weighted(work: list[Work]) -> float:
    return round(sum((LOAD_WEIGHTS[status] for _, status, _, _ in work), 0.0), 2)


def _trends(views: ViewTables, now: datetime) -> list[tuple[datetime, dict[str, int]]]:
    """Per moment of the trend (TREND_WEEKS moments a week apart, the last `now`), the open
    work each team led then: the team of the latest hand-off at or before the moment, for
    initiatives not closed by then."""
    moments = [now - timedelta(weeks=k) for k in range(TREND_WEEKS - 1, -1, -1)]
    kinds = ", ".join("?" * len(HANDOFF_KINDS))
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                "SELECT t.initiative_id, t.team, t.at, i.closed_at"
                f" FROM {views.table(LIVE, 'timeline')} t"
                f" JOIN {views.table(LIVE, 'initiatives')} i ON i.id = t.initiative_id"
                f" WHERE t.kind IN ({kinds}) AND t.at <= ?"
                " AND (i.closed_at IS NULL OR i.closed_at > ?)"
                " ORDER BY t.initiative_id, t.version"
            ),
            [*HANDOFF_KINDS, stamp(now), stamp(moments[0])],
        )
        rows = [tuple(r) for r in c.fetchall()]
    handoffs: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    closed: dict[str, datetime | None] = {}
    for initiative_id, team, at, closed_at in rows:
        moved_at = unstamp(at)
        assert moved_at is not None
        handoffs[initiative_id].append((moved_at, team))
        closed[initiative_id] = unstamp(closed_at)
    found = []
    for moment in moments:
        counts: Counter[str] = Counter()
        for initiative_id, moves in handoffs.items():
            ended = closed[initiative_id]
            if ended is not None and ended <= moment:
                continue
            leading = [team for at, team in moves if at <= moment]
            if leading:
                counts[leading[-1]] += 1
        found.append((moment, dict(counts)))
    return found


def _week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(AMSTERDAM).isocalendar()
    return f"{year}-W{week:02d}"


def loads_of_teams(
    app: Any,
    views: ViewTables,
    code: str | None = None,
    *,
    agenda: Collection[Any] = frozenset(),
    hours_per_case: int = DEFAULT_HOURS_PER_CASE,
    now: datetime | None = None,
) -> list[TeamLoad]:
    """The load of every team in the directory (or only team `code`), with its capacity."""
    capacities = {t.code: t.capacity for t in app.teams() if code is None or t.code == code}
    return team_loads(views, capacities, agenda=agenda, hours_per_case=hours_per_case, now=now)
