"""Acknowledged = stored = routed exactly once = visible: the check after a soak or fault run.

`check(settings, acknowledged)` reads the event log (the truth) and the views:
- every acknowledged id (a 201 the client received) must be a stored initiative;
- every stored initiative must carry exactly one `Routed` event (reroutes are a separate event
  a person asks for; the soak and fault runs make none);
- the views must hold every stored initiative once, at the version the log has.
Stored but not acknowledged is allowed and reported: the answer was lost (the web process was
killed after the commit), the initiative was not.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.initiative import Initiative
from participatie.views.store import LIVE


@dataclass
class Ledger:
    acknowledged: int = 0
    stored: int = 0
    routed_once: int = 0
    unacknowledged_stored: int = 0
    lost: list[str] = field(default_factory=list)  # acknowledged, not stored
    unrouted: list[str] = field(default_factory=list)
    routed_twice: list[str] = field(default_factory=list)
    not_in_views: list[str] = field(default_factory=list)  # missing or behind the log

    @property
    def ok(self) -> bool:
        return not (self.lost or self.unrouted or self.routed_twice or self.not_in_views)

    def problems(self) -> list[str]:
        """One line per kind of failure found: lost, unrouted, routed twice, not visible."""
        return [
            f"{len(items)} {label}, e.g. {', '.join(items[:3])}"
            for label, items in (
                ("lost (acknowledged, not stored)", self.lost),
                ("unrouted", self.unrouted),
                ("routed twice", self.routed_twice),
                ("not in the views", self.not_in_views),
            )
            if items
        ]

    def summary(self) -> str:
        return (
            f"acknowledged {self.acknowledged}, stored {self.stored} "
            f"({self.unacknowledged_stored} stored without an answer), "
            f"routed once {self.routed_once}, lost {len(self.lost)}, "
            f"unrouted {len(self.unrouted)}, routed twice {len(self.routed_twice)}, "
            f"not (yet) in the views {len(self.not_in_views)}"
        )


def check(settings: Settings, acknowledged: set[str], since: int = 0) -> Ledger:
    """Compare the acknowledged ids with the log and views; only initiatives submitted after
    notification id `since` count (the demo's own are older)."""
    container = build(settings)
    try:
        app = container.app
        submitted_topic = get_topic(Initiative.Submitted)
        routed_topic = get_topic(Initiative.Routed)
        stored: set[str] = set()
        routed: Counter[str] = Counter()
        versions: dict[str, int] = {}
        start = since + 1
        while True:
            batch = app.recorder.select_notifications(start, 1000)
            for n in batch:
                originator = str(n.originator_id)
                if n.topic == submitted_topic:
                    stored.add(originator)
                if originator in stored:
                    versions[originator] = n.originator_version
                    if n.topic == routed_topic:
                        routed[originator] += 1
            if len(batch) < 1000:
                break
            start = batch[-1].id + 1
        in_views = _view_versions(container, stored)
    finally:
        container.close()
    ledger = Ledger(acknowledged=len(acknowledged), stored=len(stored))
    ledger.lost = sorted(acknowledged - stored)
    ledger.unacknowledged_stored = len(stored - acknowledged)
    ledger.routed_once = sum(1 for i in stored if routed[i] == 1)
    ledger.unrouted = sorted(i for i in stored if routed[i] == 0)
    ledger.routed_twice = sorted(i for i in stored if routed[i] > 1)
    ledger.not_in_views = sorted(i for i in stored if in_views.get(i) != versions[i])
    return ledger


def _view_versions(container: object, ids: set[str]) -> dict[str, int]:
    views = container.views  # type: ignore[attr-defined]
    table = views.table(LIVE, "initiatives")
    found: dict[str, int] = {}
    with views.cursor(commit=False) as c:
        c.execute(f"SELECT id, version FROM {table}")  # `id`: the initiative's id
        for initiative_id, version in (tuple(r) for r in c.fetchall()):
            if str(initiative_id) in ids:
                found[str(initiative_id)] = int(version)
    return found


def settle(settings: Settings, acknowledged: set[str], since: int, timeout: float) -> Ledger:
    """Check again every second until the ledger is clean or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        ledger = check(settings, acknowledged, since)
        if ledger.ok or time.monotonic() > deadline:
            return ledger
        time.sleep(1)


def with_demo(settings: Settings) -> int:
    """Load the demo municipality into the fresh store of `settings`; the log's head after it
    (`since`: what a run submits comes later)."""
    from participatie.demo import load_demo

    container = build(settings)
    try:
        load_demo(container.app)
    finally:
        container.close()
    return head(settings)


def head(settings: Settings) -> int:
    """The log's last notification id (take it before the run: `since`)."""
    container = build(settings)
    try:
        return int(container.app.recorder.max_notification_id() or 0)
    finally:
        container.close()


def acknowledged_by(result: Any, label: str) -> set[str]:
    """Say what the load got back (`label: load done: …`); the ids its 201 answers name."""
    print(
        f"{label}: load done: {len(result.answers)} sent, "
        f"answers {dict(sorted(result.statuses.items()))}; settling",
        flush=True,
    )
    return ids_from([a.body for a in result.answers if a.status == 201])


def ids_from(bodies: list[bytes]) -> set[str]:
    """The initiative ids in 201 answers of the API (`{"id": ...}`)."""
    import json

    found = set()
    for body in bodies:
        try:
            found.add(str(UUID(json.loads(body)["id"])))
        except (ValueError, KeyError, TypeError):
            continue
    return found
