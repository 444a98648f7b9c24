"""Snapshots checked against the events they summarise.

A snapshot is not in the hash chain (it is written next to the log, for speed), so it is vouched
for by its content: the aggregate is rebuilt from its stored events up to the snapshot's version
and its state compared with the snapshot's. Each aggregate's events are read once, however many
snapshots it has, and the snapshots are read in batches.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import StoredEvent

from participatie.infra.recorders import TAG, TaggedSnapshots

BATCH = 1000


def check_snapshots(app: Any, batch: int = BATCH) -> tuple[int, str | None, str | None]:
    """(snapshots that match their events, the first that does not, what is wrong with it)."""
    store = app.snapshots
    if store is None:
        return 0, None, None
    recorder = store.recorder
    assert isinstance(recorder, TaggedSnapshots)
    matched = 0
    rows = recorder.all_rows(batch)
    for originator_id, kept in itertools.groupby(rows, key=lambda r: r.originator_id):
        for snapshot, problem in _compare(app, recorder, originator_id, list(kept)):
            if problem is not None:
                subject = f"snapshot of {originator_id} at version {snapshot.originator_version}"
                return matched, subject, problem
            matched += 1
    return matched, None, None


def _compare(
    app: Any, recorder: TaggedSnapshots, originator_id: Any, kept: list[StoredEvent]
) -> Iterator[tuple[StoredEvent, str | None]]:
    """Each snapshot of one aggregate, with what is wrong with it (None: it matches)."""
    aggregate: Any = None
    events = iter(app.events.get(originator_id, lte=kept[-1].originator_version))
    for row in kept:
        snapshot = _decoded(app, recorder, row)
        if snapshot is None:
            yield row, "unreadable: not a snapshot this application wrote"
            return
        while aggregate is None or aggregate.version < row.originator_version:
            event = next(events, None)
            if event is None:
                yield row, "it summarises events that are not in the log"
                return
            aggregate = event.mutate(aggregate)
        taken = type(aggregate).Snapshot.take(aggregate)
        if taken.topic != snapshot.topic or _plain(app, taken.state) != _plain(app, snapshot.state):
            yield row, "its state differs from the events it summarises (changed)"
            return
        yield row, None


def _decoded(app: Any, recorder: TaggedSnapshots, row: StoredEvent) -> Any:
    """The snapshot as written: its tag removed, or (written before tags) as it is."""
    tagged = recorder.untagged(row)
    candidates = [tagged] if tagged is not None else [row, _without_tag(row)]
    for candidate in candidates:
        try:
            return app.mapper.to_domain_event(candidate)
        except Exception:  # edited bytes can fail to decode in any way
            continue
    return None


def _without_tag(row: StoredEvent) -> StoredEvent:
    return StoredEvent(row.originator_id, row.originator_version, row.topic, row.state[:-TAG])


def _plain(app: Any, state: dict[str, Any]) -> Any:
    """The state as JSON values (tuples and lists, key order and value types made alike)."""
    return json.loads(app.mapper.transcoder.encode(state))
