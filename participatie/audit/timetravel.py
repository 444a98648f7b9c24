"""Time travel: an initiative, a team queue or an area overview as it was at a moment.

Nothing is stored for this: the event log is replayed up to the moment, through the same `apply`
the live views use, into throwaway view tables (a temporary SQLite file), and the same queries
run on them. So "the queue of gebiedsteam Centrum on 1 March" is computed exactly like the live
queue was.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from participatie.audit.history import plain
from participatie.domain.initiative import Initiative
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
    """The initiative's state after the last event recorded at or before `at` (None: not yet).

    The cost hardly grows with the history: the last event at or before `at` is found by a
    binary search over versions (each probe reads one event), and the state at that version is
    rebuilt from the nearest snapshot (one every PARTICIPATIE_SNAPSHOT_INTERVAL events) plus the
    few events after it.
    """
    found = last_event_at_or_before(app, initiative_id, at)
    if found is None:
        return None
    version, timestamp = found
    initiative: Initiative = app.repository.get(initiative_id, version=version)
    state = {name: plain(getattr(initiative, name)) for name in STATE_FIELDS}
    state["area_code"] = initiative.location.area_code
    state["version"] = version
    state["as_of"] = at.isoformat()
    state["last_event_at"] = timestamp.isoformat()
    return state


def last_event_at_or_before(
    app: Any, aggregate_id: UUID, at: datetime
) -> tuple[int, datetime] | None:
    """(version, timestamp) of the aggregate's last event at or before `at`; None if none is.

    Events of one aggregate are recorded in time order, so versions sorted by time are the
    versions sorted by number: a binary search needs about log2(n) single-event reads, and of
    each only the timestamp is decoded. Events never change, so the timestamps looked at are
    kept (a bounded number of them): stepping through one initiative's history reads less and
    less.
    """
    newest = app.recorder.select_events(aggregate_id, desc=True, limit=1)
    if not newest:
        return None
    last = newest[0].originator_version
    if (moment := event_time(app, newest[0])) <= at:
        return last, moment
    low, high, found = 0, last - 1, None  # version `low` is at or before `at` (0: none is)
    while low < high:
        middle = (low + high + 1) // 2
        moment = _time_of(app, aggregate_id, middle)
        if moment <= at:
            low, found = middle, moment
        else:
            high = middle - 1
    if low == 0:
        return None
    return low, found if found is not None else _time_of(app, aggregate_id, low)


TIMES_KEPT = 100_000  # per application: (aggregate id, version) -> timestamp
_times_lock = threading.Lock()


def _kept(app: Any) -> OrderedDict[tuple[UUID, int], datetime]:
    kept: OrderedDict[tuple[UUID, int], datetime] | None = app.__dict__.get("_event_times")
    if kept is None:
        kept = app.__dict__.setdefault("_event_times", OrderedDict())
    return kept


def _time_of(app: Any, aggregate_id: UUID, version: int) -> datetime:
    key, kept = (aggregate_id, version), _kept(app)
    with _times_lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    stored = app.recorder.select_events(aggregate_id, gt=version - 1, lte=version)[0]
    moment = event_time(app, stored)
    with _times_lock:
        kept[key] = moment
        while len(kept) > TIMES_KEPT:
            kept.popitem(last=False)
    return moment


def forget_times(app: Any) -> None:
    """Drop the kept timestamps (the benchmark measures the cold case with this)."""
    with _times_lock:
        _kept(app).clear()


def event_time(app: Any, stored: Any) -> datetime:
    """A stored event's timestamp, without decoding the rest of it where that can be done.

    The JSON transcoder writes `{"timestamp": {"_type_": "datetime_iso", "_data_": ...}, ...}`;
    anything else (another transcoder, compression, encryption) is decoded the long way.
    """
    try:
        stamp = json.loads(stored.state)["timestamp"]
        if stamp["_type_"] == "datetime_iso":
            return datetime.fromisoformat(stamp["_data_"])
    except (ValueError, KeyError, TypeError):
        pass
    moment: datetime = app.mapper.to_domain_event(stored).timestamp
    return moment


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
