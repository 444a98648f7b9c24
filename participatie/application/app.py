"""The Participatie application: one eventsourcing Application holding every aggregate.

One application means one notification log, so projections, the relay and the audit hash chain
all see a single total order of events. Its commands and queries come in parts, one per concern,
that ParticipatieApp is made of: initiatives.py, routing.py, organisation.py and personal_data.py
(core.py says how they are typed); this module sets it up and holds the store helpers they share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
)
from eventsourcing.utils import get_topic

from participatie.application import admission
from participatie.application.agenda import AgendaCommands
from participatie.application.core import Clock, Vault, utcnow
from participatie.application.follows import FollowCommands
from participatie.application.initiatives import SWEEPER, InitiativeCommands, Submission
from participatie.application.organisation import OrganisationCommands
from participatie.application.personal_data import PersonalDataCommands
from participatie.application.routing import RoutingCommands
from participatie.application.themes import ThemeCommands
from participatie.config import Settings
from participatie.domain.errors import ConcurrencyConflict, NotFound
from participatie.domain.initiative import DEFAULT_DECISION_DAYS, Initiative
from participatie.domain.routing import Book
from participatie.infra import transcodings
from participatie.infra.photostore import PhotoStore
from participatie.infra.recorders import (
    NumberedPostgresRecorder,
    NumberedSQLiteRecorder,
    TaggedSnapshots,
)
from participatie.infra.reference import EpochWatch, ReferenceWatch, written
from participatie.infra.sealing import SealedTextAsDict, SealingMapper
from participatie.maps.geo import AreaIndex

__all__ = [
    "SWEEPER",
    "Clock",
    "ParticipatieApp",
    "Submission",
    "Vault",
    "latest_versions",
    "utcnow",
]


def _routine_prefixes() -> tuple[str, ...]:
    """Topic prefixes of the aggregates never read as reference data (`_read`): their events
    need not wake the reference watches. Any other kind counts as reference data."""
    from participatie.domain.follow import AreaFollow
    from participatie.domain.processing import EventsExported, PersonalDataOpened
    from participatie.domain.staff import StaffAccount
    from participatie.domain.support import SupportIndex
    from participatie.domain.tracking import TrackingIndex

    kinds = (
        Initiative,
        TrackingIndex,
        SupportIndex,
        AreaFollow,
        StaffAccount,
        PersonalDataOpened,
        EventsExported,
    )
    return tuple(get_topic(kind) + "." for kind in kinds)


ROUTINE_PREFIXES = _routine_prefixes()


def routine_topic(topic: str) -> bool:
    """Whether an event of `topic` never changes reference data."""
    return topic.startswith(ROUTINE_PREFIXES)


def latest_versions(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, int]:
    """The newest stored version of each aggregate in `ids` (absent: none stored), in one query
    on SQLite and PostgreSQL (one query per aggregate on any other store)."""
    from eventsourcing.postgres import PostgresAggregateRecorder
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    # Rows outside the numbered log (notification id <= 0) are not the aggregate's: see
    # infra/recorders.py.
    if isinstance(recorder, SQLiteAggregateRecorder):
        marks = ",".join("?" * len(ids))
        sql = (
            f"SELECT originator_id, MAX(originator_version) FROM {recorder.events_table_name} "
            f"WHERE rowid > 0 AND originator_id IN ({marks}) GROUP BY originator_id"
        )
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, [i.hex for i in ids])
            return {UUID(str(row[0])): int(row[1]) for row in c.fetchall()}
    if isinstance(recorder, PostgresAggregateRecorder):
        from psycopg.sql import SQL, Identifier

        statement = SQL(
            "SELECT originator_id AS i, MAX(originator_version) AS v FROM {schema}.{table} "
            "WHERE notification_id > 0 AND originator_id = ANY(%s) GROUP BY originator_id"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [list(ids)], prepare=True)
            return {UUID(str(row["i"])): int(row["v"]) for row in curs.fetchall()}
    found = {}
    for aggregate_id in ids:
        newest = recorder.select_events(aggregate_id, desc=True, limit=1)
        if newest:
            found[aggregate_id] = newest[0].originator_version
    return found


def numbered_recorder(env: dict[str, str]) -> str:
    """The topic of the recorder that reads aggregates from the numbered log only."""
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        return get_topic(NumberedPostgresRecorder)
    return get_topic(NumberedSQLiteRecorder)


class ParticipatieApp(
    InitiativeCommands,
    RoutingCommands,
    OrganisationCommands,
    PersonalDataCommands,
    ThemeCommands,
    AgendaCommands,
    FollowCommands,
    Application[UUID],
):
    """Commands for every aggregate, and the few queries the views cannot answer."""

    name = "Participatie"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Initiative: Settings.snapshot_interval
    }

    def __init__(
        self,
        env: dict[str, str],
        vault: Vault,
        snapshot_key: bytes,
        clock: Clock = utcnow,
        snapshot_interval: int = Settings.snapshot_interval,
        decision_days: int = DEFAULT_DECISION_DAYS,
        auto_approve: bool = False,
    ) -> None:
        self.snapshot_key = snapshot_key
        self.vault = vault  # before the mapper is made: it seals free text with the vault
        self.photos_opener: Callable[[], PhotoStore] | None = None  # set by bootstrap
        self._photo_store: PhotoStore | None = None
        super().__init__({**env, "APPLICATION_RECORDER_TOPIC": numbered_recorder(env)})
        self.decision_days = decision_days
        self.auto_approve = auto_approve  # public text without a moderator (see submit)
        # eventsourcing reads the interval through the instance, so each app can have its own.
        self.__dict__["snapshotting_intervals"] = {Initiative: snapshot_interval}
        self.clock = clock
        self._area_indexes: dict[str, AreaIndex] = {}
        self._readonly: dict[UUID, Aggregate] = {}
        self._orders_seen = 0  # the head challenge_orders last read up to
        self._order_ids: list[UUID] = []
        self._book: tuple[Any, Book] | None = None
        # PostgreSQL: where this process's writes are announced to its reference watches, and
        # this app's own watch (infra/reference.py; started by `watch_reference_data`).
        self._reference_store: tuple[str, str] | None = None
        self.reference_watch: ReferenceWatch | EpochWatch | None = None
        # What this app writes says whether it may touch reference data (NOTIFY payload on
        # PostgreSQL, the shared epoch on SQLite).
        if isinstance(self.recorder, NumberedPostgresRecorder | NumberedSQLiteRecorder):
            self.recorder.routine = routine_topic

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """Snapshots tagged with the key under var/: one that does not verify is not used."""
        inner = self.factory.aggregate_recorder(purpose="snapshots")
        return self.factory.event_store(
            mapper=self.mapper, recorder=TaggedSnapshots(inner, self.snapshot_key)
        )

    @property
    def photo_store(self) -> PhotoStore:
        """Where photos are kept (infra/photostore.py), opened on first use."""
        if self._photo_store is None:
            if self.photos_opener is None:
                raise RuntimeError("this application was built without a photo store")
            self._photo_store = self.photos_opener()
        return self._photo_store

    def close(self) -> None:
        if self.reference_watch is not None:
            self.reference_watch.close()
        if self._photo_store is not None:
            self._photo_store.close()
        if isinstance(self.recorder, NumberedSQLiteRecorder | NumberedPostgresRecorder):
            self.recorder.close()
        super().close()

    def announce_writes(self, dsn: str) -> None:
        """On PostgreSQL: tell this process's reference watches at once what this app writes
        (whether an insert may touch reference data the recorder says itself: `routine`)."""
        recorder = self.recorder
        if isinstance(recorder, NumberedPostgresRecorder):
            self._reference_store = (dsn, recorder.reference_channel)

    def watch_reference_data(self, dsn: str | None = None) -> None:
        """Know that kept reference data is current without a query per request: on
        PostgreSQL (`dsn`) from NOTIFY (for long-running processes: one more connection and a
        thread), on a SQLite file from its shared epoch (infra/reference.py)."""
        recorder = self.recorder
        if isinstance(recorder, NumberedSQLiteRecorder) and self.reference_watch is None:
            epoch = recorder.shared_epoch()
            if epoch is not None:
                self.reference_watch = EpochWatch(epoch)
            return
        if dsn is None:
            return
        self.announce_writes(dsn)
        if self._reference_store is not None and self.reference_watch is None:
            self.reference_watch = ReferenceWatch(
                dsn, self._reference_store[1], lambda ids: latest_versions(self.recorder, ids)
            )

    def construct_mapper(self) -> Mapper[UUID]:
        """A mapper that seals free text (FreeText) under its person's key: infra/sealing.py."""
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=SealingMapper
        )
        assert isinstance(mapper, SealingMapper)
        mapper.sealer = self.vault
        return mapper

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register_all(transcoder)
        transcoder.register(SealedTextAsDict())

    # -- saving and loading ----------------------------------------------------------------------

    def _record(self, processing_event: Any) -> Any:
        """Every event this application stores passes here: a check held for this request
        (`admission`, e.g. its rate limit) runs first and may refuse it."""
        admission.admit()
        return super()._record(processing_event)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """eventsourcing's `save`; aggregates alone (what this application saves) are collected
        without the library's runtime-Protocol checks, a fiftieth of a submission's CPU."""
        if kwargs or not all(isinstance(o, Aggregate) for o in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated, but part of what save() does
        return recordings

    def save_all(self, *aggregates: Aggregate) -> None:
        """Save atomically; a concurrent change to any of them raises ConcurrencyConflict."""
        try:
            self.save(*aggregates)
        except IntegrityError:
            first = aggregates[0]
            actual = self._current_version(first.id)
            raise ConcurrencyConflict(first.id, first.version, actual) from None
        if self._reference_store is not None:
            written(*self._reference_store, {a.id: a.version for a in aggregates})

    def _current_version(self, aggregate_id: UUID) -> int | None:
        events = list(self.events.get(aggregate_id, desc=True, limit=1))
        return events[0].originator_version if events else None

    def _get(self, aggregate_id: UUID, kind: type[Any]) -> Any:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{kind.__name__} {aggregate_id} does not exist") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{aggregate_id} is not a {kind.__name__}")
        return aggregate

    def _read(self, aggregate_id: UUID, kind: type[Any]) -> Any:
        """A reference aggregate (area map, rulebook, directory, team, challenge) to read only.

        It is kept in memory and brought up to date by one indexed query asking for events
        newer than the kept version (none, nearly always), instead of being decoded from the
        store on every request and routing job. What this returns must never be changed: a
        command loads its own copy with `_get`.
        """
        cached = self._readonly.get(aggregate_id)
        known = self._known_version(aggregate_id)  # None: the store must be asked
        if cached is not None:
            if known is not None:
                if known <= cached.version:
                    return cached
            elif not self.recorder.select_events(aggregate_id, gt=cached.version, limit=1):
                self._confirm({aggregate_id: cached.version})
                return cached
        elif known == 0:  # the watch has read that none is stored (yet)
            raise NotFound(f"{kind.__name__} {aggregate_id} does not exist")
        try:
            aggregate = self._get(aggregate_id, kind)
        except NotFound:
            self._confirm({aggregate_id: 0})  # none stored (yet): known until the next change
            raise
        self._readonly[aggregate_id] = aggregate
        self._confirm({aggregate_id: aggregate.version})
        return aggregate

    def _known_version(self, aggregate_id: UUID) -> int | None:
        """The newest version the reference watch knows of (None: ask the store)."""
        watch = self.reference_watch
        return None if watch is None else watch.known(aggregate_id)

    def _confirm(self, versions: dict[UUID, int]) -> None:
        """Tell a SQLite epoch watch what the store just said (the NOTIFY watch reads for
        itself)."""
        if isinstance(self.reference_watch, EpochWatch):
            self.reference_watch.confirm(versions)

    def _read_all(self, wanted: Sequence[tuple[UUID, type[Any]]]) -> list[Any]:
        """Several reference aggregates to read only (see `_read`), checked in one query."""
        kept = [i for i, _ in wanted if i in self._readonly]
        latest = {i: v for i in kept if (v := self._known_version(i)) is not None}
        unknown = [i for i in kept if i not in latest]
        if unknown:
            asked = latest_versions(self.recorder, unknown)
            latest.update(asked)
            self._confirm(asked)
        found = []
        for aggregate_id, kind in wanted:
            cached = self._readonly.get(aggregate_id)
            if cached is None or latest.get(aggregate_id) != cached.version:
                cached = self._get(aggregate_id, kind)
                self._readonly[aggregate_id] = cached
                self._confirm({aggregate_id: cached.version})
                if self.reference_watch is not None:
                    self.reference_watch.watch(aggregate_id)
            found.append(cached)
        return found

    # -- reading ---------------------------------------------------------------------------------

    def notifications(self, *event_classes: type[Any], start: int = 1) -> Iterator[Notification]:
        """Every stored notification of these event classes from position `start`, in log order,
        read in pages (rows in the sealed log's gaps left out, as when loading an aggregate)."""
        topics = [get_topic(cls) for cls in event_classes]
        unvouched = getattr(self.recorder, "unvouched", None)
        while True:
            batch = self.recorder.select_notifications(start, 1000, topics=topics)
            refused = set(unvouched([n.id for n in batch])) if unvouched and batch else set()
            yield from (n for n in batch if n.id not in refused)
            if len(batch) < 1000:
                return
            start = batch[-1].id + 1

    def _get_young_initiative(self, initiative_id: UUID) -> Initiative:
        """The initiative, in one query when its history is shorter than the snapshot interval
        (no snapshot can exist then), as a routing job's new initiative's is; else as usual."""
        interval = self.snapshotting_intervals.get(Initiative, 0)
        events = list(self.events.get(initiative_id, limit=interval)) if interval > 0 else []
        if 0 < len(events) < interval:
            initiative = project_aggregate(None, events)
            if isinstance(initiative, Initiative):
                return initiative
        return self.get_initiative(initiative_id)

    def get_initiative(self, initiative_id: UUID) -> Initiative:
        initiative: Initiative = self._get(initiative_id, Initiative)
        return initiative

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether any event of this aggregate is stored (one indexed query)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def history(self, aggregate_id: UUID) -> list[DomainEventProtocol[UUID]]:
        """Return every stored event of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))
