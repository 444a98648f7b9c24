"""Following the notification log from a durably tracked position.

The log is the outbox: whoever must react to events (the relay, later the projector) reads it
after its own tracked position, acts, and only then records the new position. A crash between
acting and recording means acting again on restart, so every reaction must be idempotent.

The position lives in the event store's tracking table (eventsourcing's tracking recorder), one
row per follower name, so it survives restarts and is as durable as the events themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from eventsourcing.persistence import Notification, Tracking, TrackingRecorder

from participatie.infra.recorders import notifications_after

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp


# The relay's followers (workers/relay.py): new submissions and mail-worthy events, and the two
# reconcilers that re-enqueue what a lost job left undone.
RELAY = "relay"
RECONCILER = "relay-reconciler"
MAIL_RECONCILER = "relay-mail-reconciler"
RELAY_FOLLOWERS = (RELAY, RECONCILER, MAIL_RECONCILER)


def mark_handled(app: ParticipatieApp, names: Sequence[str] = RELAY_FOLLOWERS) -> int:
    """Record the whole log up to its head as handled by `names`; return the head.

    For history that happened elsewhere (the demo's fictional past): routing it again is a
    no-op, but mailing it would send a burst of messages about events long gone."""
    head = int(app.recorder.max_notification_id() or 0)
    for name in names:
        LogFollower(app, name).commit(head)
    return head


class LogFollower:
    """Reads notifications of some topics after a tracked position, in log order."""

    def __init__(self, app: ParticipatieApp, name: str, topics: Sequence[str] = ()) -> None:
        self.app = app
        self.name = name
        self.topics = list(topics)
        self.tracking: TrackingRecorder = app.factory.tracking_recorder()

    def position(self) -> int:
        """Return the last position recorded as handled (0: nothing handled yet)."""
        return self.tracking.max_tracking_id(self.name) or 0

    def read(self, after: int, limit: int = 500) -> tuple[Sequence[Notification], int]:
        """Return up to `limit` notifications after `after`, and the position they reach.

        The position may lie beyond the last notification returned: when fewer than `limit`
        notifications of our topics exist up to the head of the log, the whole stretch up to the
        head has been read. (PostgreSQL inserts take a table lock, so ids become visible in
        order and nothing below the head can still appear.)
        """
        batch, head = notifications_after(self.app.recorder, after, limit, self.topics)
        if head <= after:
            return [], after
        if len(batch) == limit:
            return batch, batch[-1].id
        return batch, head

    def commit(self, position: int, known: int | None = None) -> None:
        """Record that everything up to `position` has been handled (never moves back).

        `known`: the position the caller knows is recorded (it recorded it itself), which saves
        reading it again; the recorded position is the highest ever written either way."""
        if position > (self.position() if known is None else known):
            self.tracking.insert_tracking(Tracking(self.name, position))

    def lag(self) -> int:
        """Notifications in the log after the recorded position."""
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position())
