"""The views projection, the projector that keeps it current, rebuild and check.

`ViewsProjection` is an eventsourcing `Projection` whose view is a tracking recorder
(`SQLiteViews`/`PostgresViews`). It processes events in batches: one transaction per batch
updates the rows and moves the tracking position (compare-and-set), so an event is counted
exactly once however often it is delivered. Rebuilds use the same `apply` with big batches into
fresh tables and swap them in atomically.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from participatie.domain.initiative import Initiative
from participatie.infra.recorders import notifications_after
from participatie.infra.wakeup import wake_on_stop, wake_up_on_commit
from participatie.views import tallies, words
from participatie.views.model import Row, TimelineEntry, apply
from participatie.views.store import (
    LIVE,
    REBUILD,
    TABLES,
    VIEWS,
    PostgresViews,
    SQLiteViews,
    queue_values,
    row_from,
    row_values,
    timeline_values,
)

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

log = logging.getLogger("participatie.projector")

TOPICS = sorted(
    get_topic(cls)
    for cls in vars(Initiative).values()
    if isinstance(cls, type) and issubclass(cls, Aggregate.Event)
)
ViewStore = SQLiteViews | PostgresViews


class StalePosition(Exception):
    """Someone else moved the views' position first (a duplicate or a rebuild swap)."""


class AreaChains:
    """Area code (on a map version, None: the current map) → the code and every area above it.

    Map versions never change, so answers are kept; the current map is looked up again for
    each batch (`forget_current`), as a new map version may have been imported meanwhile.
    """

    def __init__(self, app: ParticipatieApp) -> None:
        self.app = app
        self.known: dict[tuple[str, str | None], tuple[str, ...]] = {}

    def forget_current(self) -> None:
        self.known = {k: v for k, v in self.known.items() if k[1] is not None}

    def __call__(self, code: str, version: str | None) -> tuple[str, ...]:
        key = (code, version)
        if key not in self.known:
            try:
                found = tuple(self.app.area_index(version).ancestors(code))
            except Exception:  # no map, or an unknown version: the code alone
                found = ()
            self.known[key] = found or (code,)
        return self.known[key]


class ViewsProjection(Projection[ViewStore]):
    name = VIEWS
    topics = tuple(TOPICS)

    def __init__(self, view: ViewStore, app: ParticipatieApp) -> None:
        super().__init__(view)
        self.app = app
        self.chains = AreaChains(app)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Process one event (the Projection interface); the projector uses batches."""
        expected = self.position()
        self.process_batch([domain_event], expected, tracking.notification_id)

    def position(self) -> int | None:
        with self.view.cursor(commit=False) as c:
            return self.view.position(c)

    def decode(self, notifications: Sequence[Notification]) -> list[Any]:
        return [self.app.mapper.to_domain_event(n) for n in notifications]

    def process_batch(
        self,
        events: Sequence[Any],
        expected: int | None,
        reached: int,
        prefix: str = LIVE,
        track: bool = True,
    ) -> None:
        """Apply `events` and move the position `expected` → `reached`, in one transaction."""
        self.chains.forget_current()
        with self.view.cursor(commit=True) as c:
            if isinstance(self.view, PostgresViews):
                # The views are derived from the log, and their position is written in the same
                # transaction: a crash may lose the last batches, never tear one, and the
                # projector applies them again from the position that was kept. So the commit
                # need not wait for its WAL flush (it is visible to readers at once either way).
                c.execute("SET LOCAL synchronous_commit TO OFF")
                lock_in_schema_order(self.view, c, prefix)
            if track and self.view.position(c) != expected:
                raise StalePosition
            ids = {str(e.originator_id) for e in events}
            stored: dict[str, Row | None] = dict(self.view.load_rows(c, prefix, ids))
            rows = dict(stored)
            changed: dict[str, Row] = {}
            timeline: list[TimelineEntry] = []
            for event in events:
                key = str(event.originator_id)
                change = apply(rows.get(key), event, self.chains)
                if change.row is not None and change.row is not rows.get(key):
                    rows[key] = change.row
                    changed[key] = change.row
                timeline.extend(change.timeline)
            self.view.write_rows(c, prefix, list(changed.values()), timeline, stored)
            if track and not self.view.move_position(c, expected, reached):
                raise StalePosition
        if any(isinstance(e, Initiative.PersonalDataErased) for e in events):
            self.view.scrub()


def lock_in_schema_order(view: PostgresViews, c: Any, prefix: str) -> None:
    """Take the batch's write locks on every view table at once, in the schema's order.

    Each process that opens the views runs `CREATE INDEX IF NOT EXISTS` per table, which takes
    a SHARE lock on the table even when the index exists, table by table in `TABLES` order. A
    batch that wrote the tables in another order (initiative_areas before initiatives) could
    deadlock with a starting process; locking them all first, in the same order, cannot.
    """
    tables = ", ".join(view.table(prefix, name) for name in TABLES)
    c.execute(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE")


def read_after(
    app: ParticipatieApp, after: int, limit: int, stop: int | None = None
) -> tuple[Sequence[Notification], int]:
    """Notifications of initiative events after `after`, and the position they reach."""
    batch, head = notifications_after(app.recorder, after, limit, TOPICS, stop)
    if head <= after:
        return [], after
    return batch, (batch[-1].id if len(batch) == limit else head)


@dataclass
class Projector:
    """Keeps the views current: poll (SQLite) or wait for NOTIFY (PostgreSQL), then a batch."""

    projection: ViewsProjection
    listen_dsn: str | None = None  # PostgreSQL: LISTEN for new events on this connection
    local: str | None = None  # SQLite: the local socket a committing process nudges
    listen_timeout: float = 5.0  # with LISTEN, look anyway this often (a missed NOTIFY)
    batch: int = 1000
    processed: int = 0
    failures: int = 0
    last_error: str | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    # The position this projector last wrote, so that a batch need not read it first (the
    # batch's own transaction still checks it); None: read it.
    written: int | None = None

    def run_once(self) -> int:
        expected = self.written if self.written is not None else self.projection.position()
        notifications, reached = read_after(self.projection.app, expected or 0, self.batch)
        if reached == (expected or 0):
            return 0
        events = self.projection.decode(notifications)
        try:
            self.projection.process_batch(events, expected, reached)
        except StalePosition:
            self.written = None  # another writer moved on (or a rebuild swapped in): read again
            return 0
        except BaseException:
            self.written = None
            raise
        self.written = reached
        self.processed += len(events)
        return len(events)

    def lag(self) -> int:
        head = self.projection.app.recorder.max_notification_id() or 0
        return max(0, head - (self.projection.position() or 0))

    def run(self, stop: threading.Event, poll: float = 0.2) -> None:
        """Project until `stop` is set; a failed batch is retried with backoff, never skipped."""

        wake_on_stop(stop, self.wake)
        channel = getattr(self.projection.app.recorder, "channel_name", None)
        listener = wake_up_on_commit(
            channel, self.listen_dsn, self.local, self.wake, stop, "projector"
        )
        backoff = poll
        while not stop.is_set():
            try:
                count = self.run_once()
            except Exception as error:  # restart the projection after any failure
                self.failures += 1
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("projector: batch failed; retrying in %.1f s", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = poll
            if count < self.batch:
                self.wake.wait(poll if listener is None else self.listen_timeout)
                self.wake.clear()
        if listener is not None:
            listener.join(timeout=5)


# -- rebuild and check ---------------------------------------------------------------------------


def rebuild(
    projection: ViewsProjection,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild every view from position 0 into fresh tables, then swap them in; return the head."""
    view = projection.view
    app = projection.app
    view.drop_views(REBUILD)
    view.create_views(REBUILD, indexes=False)  # indexes once at the end: cheaper than per row
    head = app.recorder.max_notification_id() or 0
    rows, timeline = replay(projection, head, progress)
    # Each row is written once, however many events it took (many rows per transaction).
    with view.cursor(commit=True) as c:
        view.write_fresh(c, REBUILD, list(rows.values()), timeline)
    view.create_views(REBUILD)
    view.swap_in(head)
    return head


def replay(
    projection: ViewsProjection,
    until: int,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 5000,
    as_of: datetime | None = None,
) -> tuple[dict[str, Row], list[TimelineEntry]]:
    """Apply the log up to position `until` to empty views, in memory.

    With `as_of`, events recorded after that moment are left out: the views as they were then.
    """
    projection.chains.forget_current()
    rows: dict[str, Row] = {}
    timeline: list[TimelineEntry] = []
    position = 0
    while position < until:
        notifications, reached = read_after(projection.app, position, batch, stop=until)
        for event in projection.decode(notifications):
            if as_of is not None and event.timestamp > as_of:
                continue
            key = str(event.originator_id)
            change = apply(rows.get(key), event, projection.chains)
            if change.row is not None:
                rows[key] = change.row
            timeline.extend(change.timeline)
        if progress is not None:
            progress(reached - position, until)
        position = reached
    return rows, timeline


@dataclass
class Difference:
    table: str
    key: str
    live: Any
    rebuilt: Any


def check(projection: ViewsProjection, batch: int = 5000) -> tuple[int, list[Difference]]:
    """Replay the log up to the live position in memory and compare with the live views."""
    view = projection.view
    with view.cursor(commit=False) as c:
        if isinstance(view, PostgresViews):
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        position = view.position(c) or 0
        live_rows = _select(c, view, "initiatives")
        live_queue = _select(c, view, "team_queue")
        live_timeline = _select(c, view, "timeline")
        live_tallies = {name: _select(c, view, name) for name in TALLY_TABLES}
        live_words = _select(c, view, "initiative_words")
        live_stems = _select(c, view, "initiative_stems")
    rows, timeline = replay(projection, position)
    expected_queue = {
        f"{q[0]}/{q[1]}/{q[2]}": tuple(q[3:]) for r in rows.values() for q in queue_values(r)
    }
    expected_timeline = {
        f"{e.initiative_id}/{e.version}/{e.kind}": timeline_values(e)[3:] for e in timeline
    }
    # Compared as stored: a view keeps U+FFFD where the log has NUL (views.rows.storable).
    stored = {key: row_from(row_values(row)) for key, row in rows.items()}
    differences = (
        _compare("initiatives", {r[0]: row_from(r) for r in live_rows}, stored)
        + _compare(
            "team_queue",
            {f"{q[0]}/{q[1]}/{q[2]}": tuple(q[3:]) for q in live_queue},
            expected_queue,
        )
        + _compare(
            "timeline",
            {f"{t[0]}/{int(t[1])}/{t[2]}": tuple(t[3:]) for t in live_timeline},
            expected_timeline,
        )
        + _compare_tallies(live_tallies, list(stored.values()))
        + _compare(
            "initiative_words",
            {f"{w[0]}/{w[1]}": () for w in live_words},
            {f"{i}/{w}": () for r in stored.values() for i, w in words.word_entries(r.id, r.title)},
        )
        + _compare(
            "initiative_stems",
            {"/".join(s): () for s in live_stems},
            {"/".join(e): () for r in stored.values() for e in words.stem_entries(r)},
        )
    )
    return position, differences


TALLY_TABLES = ("area_counts", "area_open", "area_decisions")


def _compare_tallies(live: dict[str, list[tuple[Any, ...]]], rows: list[Row]) -> list[Difference]:
    """The area tallies (views.tallies) as stored against what the replayed rows make."""

    def keyed(entries: Sequence[tuple[Any, ...]], width: int) -> dict[str, Any]:
        return {"/".join(map(str, e[:width])): tuple(e[width:]) for e in entries}

    expected = {
        "area_counts": tallies.totals(rows),
        "area_open": [e for r in rows for e in tallies.open_entries(r)],
        "area_decisions": [e for r in rows for e in tallies.decision_entries(r)],
    }
    widths = {"area_counts": 3, "area_open": 2, "area_decisions": 2}
    return [
        difference
        for name in TALLY_TABLES
        for difference in _compare(
            name, keyed(live[name], widths[name]), keyed(expected[name], widths[name])
        )
    ]


def _compare(table: str, live: dict[str, Any], rebuilt: dict[str, Any]) -> list[Difference]:
    return [
        Difference(table, key, live.get(key), rebuilt.get(key))
        for key in sorted(set(live) | set(rebuilt))
        if live.get(key) != rebuilt.get(key)
    ]


def _select(c: Any, view: ViewStore, table: str) -> list[tuple[Any, ...]]:
    c.execute(f"SELECT * FROM {view.table(LIVE, table)}")
    return [tuple(r) for r in c.fetchall()]


def wait_for(projector: Projector, position: int, timeout: float = 10.0) -> bool:
    """Block until the views have reached `position` (tests, benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (projector.projection.position() or 0) >= position:
            return True
        time.sleep(0.02)
    return False
