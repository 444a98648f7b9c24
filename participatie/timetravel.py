"""Time travel: an initiative, a team queue or an area overview as it was at a moment.

Nothing is stored for this: the event log is replayed up to the moment, through the same `apply`
the live views use, into throwaway view tables (a temporary SQLite file), and the same queries
run on them. So "the queue of gebiedsteam Centrum on 1 March" is computed exactly like the live
queue was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from participatie.domain.initiative import Initiative
from participatie.history import plain
from participatie.views.projector import ViewsProjection, replay
from participatie.views.store import LIVE, SQLiteViews

STATE_FIELDS = (
    "title",
    "status",
    "themes",
    "lead_team",
    "involved_teams",
    "handoff_pending",
    "priority",
    "assignee",
    "outcome",
    "rationale",
    "decision_published",
    "merged_into",
    "email_confirmed",
)


def initiative_as_of(app: Any, initiative_id: UUID, at: datetime) -> dict[str, Any] | None:
    """The initiative's state after the last event recorded at or before `at` (None: not yet)."""
    events = [e for e in app.history(initiative_id) if e.timestamp <= at]
    if not events:
        return None
    version = events[-1].originator_version
    initiative: Initiative = app.repository.get(initiative_id, version=version)
    state = {name: plain(getattr(initiative, name)) for name in STATE_FIELDS}
    state["area_code"] = initiative.location.area_code
    state["version"] = version
    state["as_of"] = at.isoformat()
    state["last_event_at"] = events[-1].timestamp.isoformat()
    return state


@contextmanager
def views_as_of(app: Any, at: datetime) -> Iterator[SQLiteViews]:
    """View tables holding the state of every initiative at `at` (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="participatie-asof-") as folder:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(folder) / "views.sqlite"),
        }
        factory = InfrastructureFactory.construct(Environment("AsOf", env))
        views = factory.tracking_recorder(SQLiteViews)
        assert isinstance(views, SQLiteViews)
        try:
            views.create_views(LIVE, indexes=False)
            head = app.recorder.max_notification_id() or 0
            rows, timeline = replay(ViewsProjection(views, app), head, as_of=at)
            with views.cursor(commit=True) as c:
                views.write_fresh(c, LIVE, list(rows.values()), timeline)
            views.create_views(LIVE)
            yield views
        finally:
            views.datastore.close()
