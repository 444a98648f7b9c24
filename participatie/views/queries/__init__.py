"""Queries the web layer and the CLI use; they return plain dataclasses and dicts.

Everything here reads the view tables only (never the event store) and holds no personal data.
One module per family: `queue` (team queues: filters, sorting, keyset paging, QueryError),
`area` (area overviews), `challenge`, `public` (public pages and lists), `pc` (P&C figures) and
`regie` (the regie overview, the deadline sweep), `capacity` (a team's load against its
capacity); `common` holds what they share. Every public
name is importable from here, as it was when this was a single module.
"""

from __future__ import annotations

from participatie.views.model import OPEN_STATUSES
from participatie.views.queries.area import (
    AreaOverview,
    ChallengeInArea,
    ChallengeInfo,
    area_overview,
    overview_of_area,
)
from participatie.views.queries.capacity import (
    LOAD_WEIGHTS,
    TeamLoad,
    WeekPoint,
    WorkShare,
    loads_of_teams,
    team_loads,
)
from participatie.views.queries.challenge import ChallengeOverview, challenge_overview
from participatie.views.queries.pc import QuarterFigures, pc_figures, quarter
from participatie.views.queries.public import (
    PUBLISHED,
    PublicItem,
    open_counts,
    public_initiative,
    public_initiatives,
    published_initiative,
)
from participatie.views.queries.queue import (
    COUNT_CAP,
    SORTS,
    QueryError,
    QueueItem,
    QueuePage,
    team_queue,
)
from participatie.views.queries.regie import (
    HANDOFF_KINDS,
    HandoffWeek,
    RegieItem,
    RegieOverview,
    due_initiatives,
    handoff_trend,
    regie_overview,
)
from participatie.views.queries.stacking import (
    MatrixCell,
    StackedChallenge,
    StackingMatrix,
    stacked_challenges,
    stacking_matrix,
)
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

__all__ = [
    "ALL",
    "COUNT_CAP",
    "DUE",
    "HANDOFF_KINDS",
    "LIVE",
    "LOAD_WEIGHTS",
    "MUNICIPALITY_PREFIX",
    "NO_DEADLINE",
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "PUBLISHED",
    "SORTS",
    "AreaOverview",
    "ChallengeInArea",
    "ChallengeInfo",
    "ChallengeOverview",
    "HandoffWeek",
    "MatrixCell",
    "PublicItem",
    "QuarterFigures",
    "QueryError",
    "QueueItem",
    "QueuePage",
    "RegieItem",
    "RegieOverview",
    "StackedChallenge",
    "StackingMatrix",
    "TeamLoad",
    "ViewTables",
    "WeekPoint",
    "WorkShare",
    "area_overview",
    "challenge_overview",
    "due_initiatives",
    "handoff_trend",
    "loads_of_teams",
    "open_counts",
    "overview_of_area",
    "pc_figures",
    "public_initiative",
    "public_initiatives",
    "published_initiative",
    "quarter",
    "regie_overview",
    "stacked_challenges",
    "stacking_matrix",
    "stamp",
    "team_loads",
    "team_queue",
    "unstamp",
]
