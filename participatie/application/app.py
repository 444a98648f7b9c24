"""The Participatie application: one eventsourcing Application holding every aggregate.

One application means one notification log, so projections, the relay and the audit hash chain
all see a single total order of events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification
from eventsourcing.utils import get_topic

from participatie.config import Settings
from participatie.domain import workflow
from participatie.domain.areas import Area, AreaMap
from participatie.domain.commands import Command, Support, execute
from participatie.domain.errors import (
    AlreadySupported,
    ConcurrencyConflict,
    InvariantViolation,
    NotFound,
)
from participatie.domain.initiative import DECISION, DEFAULT_DECISION_DAYS, HANDOFF, Initiative
from participatie.domain.organisation import Challenge, Directory, Team
from participatie.domain.processing import PersonalDataOpened
from participatie.domain.routing import Book, ChallengeFacts, RoutingFacts, book_from, route
from participatie.domain.rulebook import RuleBook
from participatie.domain.rulecheck import RuleBookInvalid, check_book
from participatie.domain.support import SupportIndex
from participatie.domain.tracking import TrackingIndex, hash_tracking_code, new_tracking_code
from participatie.domain.values import (
    PERSONAL_FIELDS,
    REGIE_TEAM,
    THEMES,
    Actor,
    InitiatorKind,
    Location,
    Role,
    RoutingDecision,
    SealedPersonalData,
    Status,
    TeamKind,
)
from participatie.infra import transcodings
from participatie.maps.geo import AreaIndex

Clock = Callable[[], datetime]


SWEEPER = Actor.system("deadline-sweep")


def utcnow() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class Submission:
    """What a submitter gets back: the initiative's id and the secret tracking code."""

    initiative_id: UUID
    tracking_code: str


def latest_versions(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, int]:
    """The newest stored version of each aggregate in `ids` (absent: none stored), in one query
    on SQLite and PostgreSQL (one query per aggregate on any other store)."""
    from eventsourcing.postgres import PostgresAggregateRecorder
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        marks = ",".join("?" * len(ids))
        sql = (
            f"SELECT originator_id, MAX(originator_version) FROM {recorder.events_table_name} "
            f"WHERE originator_id IN ({marks}) GROUP BY originator_id"
        )
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, [i.hex for i in ids])
            return {UUID(str(row[0])): int(row[1]) for row in c.fetchall()}
    if isinstance(recorder, PostgresAggregateRecorder):
        from psycopg.sql import SQL, Identifier

        statement = SQL(
            "SELECT originator_id AS i, MAX(originator_version) AS v FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
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


class Vault(Protocol):
    """Seals personal data per person (privacy.keys.PersonalDataVault, given by bootstrap)."""

    def seal(self, fields: dict[str, Any], subject_id: UUID | None = None) -> SealedPersonalData:
        """Encrypt `fields` under a new random key for a new (or given) subject."""

    def open(self, sealed: SealedPersonalData) -> dict[str, Any] | None:
        """Decrypt; None when the subject's key was erased."""

    def shred(self, subject_id: UUID) -> bool:
        """Delete the subject's key; return whether there was one."""

    def pseudonym(self, text: str) -> str:
        """A keyed hash of `text`: equal texts give equal pseudonyms."""


class ParticipatieApp(Application[UUID]):
    """Commands for every aggregate, and the few queries the views cannot answer."""

    name = "Participatie"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Initiative: Settings.snapshot_interval
    }

    def __init__(
        self,
        env: dict[str, str],
        vault: Vault,
        clock: Clock = utcnow,
        snapshot_interval: int = Settings.snapshot_interval,
        decision_days: int = DEFAULT_DECISION_DAYS,
    ) -> None:
        super().__init__(env)
        self.decision_days = decision_days
        # eventsourcing reads the interval through the instance, so each app can have its own.
        self.__dict__["snapshotting_intervals"] = {Initiative: snapshot_interval}
        self.vault = vault
        self.clock = clock
        self._area_indexes: dict[str, AreaIndex] = {}
        self._readonly: dict[UUID, Aggregate] = {}
        self._book: tuple[Any, Book] | None = None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register_all(transcoder)

    # -- saving ----------------------------------------------------------------------------------

    def save_all(self, *aggregates: Aggregate) -> None:
        """Save atomically; a concurrent change to any of them raises ConcurrencyConflict."""
        try:
            self.save(*aggregates)
        except IntegrityError:
            first = aggregates[0]
            actual = self._current_version(first.id)
            raise ConcurrencyConflict(first.id, first.version, actual) from None

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
        if cached is not None and not self.recorder.select_events(
            aggregate_id, gt=cached.version, limit=1
        ):
            return cached
        aggregate = self._get(aggregate_id, kind)
        self._readonly[aggregate_id] = aggregate
        return aggregate

    def _read_all(self, wanted: Sequence[tuple[UUID, type[Any]]]) -> list[Any]:
        """Several reference aggregates to read only (see `_read`), checked in one query."""
        kept = [i for i, _ in wanted if i in self._readonly]
        latest = latest_versions(self.recorder, kept) if kept else {}
        found = []
        for aggregate_id, kind in wanted:
            cached = self._readonly.get(aggregate_id)
            if cached is None or latest.get(aggregate_id) != cached.version:
                cached = self._get(aggregate_id, kind)
                self._readonly[aggregate_id] = cached
            found.append(cached)
        return found

    # -- initiatives -----------------------------------------------------------------------------

    def submit(
        self,
        data: dict[str, Any],
        *,
        channel: str = "web",
        actor: Actor | None = None,
        at: datetime | None = None,
    ) -> Submission:
        """Store a validated submission (see SubmissionSchema); personal fields are sealed."""
        initiative, index, code = self.new_initiative(data, channel=channel, actor=actor, at=at)
        self.save_all(initiative, index)
        return Submission(initiative.id, code)

    def new_initiative(
        self,
        data: dict[str, Any],
        *,
        channel: str = "web",
        actor: Actor | None = None,
        at: datetime | None = None,
    ) -> tuple[Initiative, TrackingIndex, str]:
        """Create (but do not save) an initiative and its tracking index; return the code too."""
        initiator = data["initiator"]
        personal = {k: initiator[k] for k in PERSONAL_FIELDS if initiator.get(k)}
        sealed = self.vault.seal(personal)
        location = data["location"]
        map_version = self._area_map().current_version if location.get("lat") is not None else None
        code = new_tracking_code()
        code_hash = hash_tracking_code(code)
        initiative = Initiative._create(
            Initiative.Submitted,
            id=uuid4(),
            title=data["title"],
            description=data["description"],
            themes=list(data["themes"]),
            location=Location(
                area_code=location["area_code"],
                lat=location.get("lat"),
                lon=location.get("lon"),
                map_version=map_version,
            ),
            initiator_kind=InitiatorKind(initiator["kind"]),
            initiator=sealed,
            consent_to_publish=bool(data["consent_to_publish"]),
            requested_support=data.get("requested_support"),
            tracking_code_hash=code_hash,
            actor=actor or Actor.initiator(sealed.subject_id),
            channel=channel,
            language=data.get("language") or "nl",
            decision_days=self.decision_days,
            timestamp=at or self.clock(),
        )
        index: TrackingIndex = TrackingIndex._create(
            TrackingIndex.Created,
            id=TrackingIndex.create_id(code_hash),
            code_hash=code_hash,
            initiative_id=initiative.id,
        )
        return initiative, index, code

    def act(
        self,
        initiative_id: UUID,
        command: Command,
        *,
        actor: Actor,
        expected_version: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Run one workflow command on an initiative and save it; return the new version.

        `expected_version` is the version the user saw; if the initiative changed since, nothing
        is stored and ConcurrencyConflict says so.
        """
        initiative = self.get_initiative(initiative_id)
        if expected_version is not None and initiative.version != expected_version:
            raise ConcurrencyConflict(initiative_id, expected_version, initiative.version)
        execute(initiative, self.sealed(command), actor, at or self.clock())
        self.save_all(initiative)
        return int(initiative.version)

    def sealed(self, command: Command) -> Command:
        """`command` with the personal data it carries sealed (a supporter's contact details)."""
        if isinstance(command, Support) and not isinstance(command.supporter, SealedPersonalData):
            return Support(self.vault.seal(dict(command.supporter)))
        return command

    def support_initiative(
        self, initiative_id: UUID, email: str, at: datetime | None = None
    ) -> int:
        """Record one support for a confirmed e-mail address; return the supporter count.

        The address is sealed like an initiator's; a keyed hash of it makes a second support
        with the same address impossible (AlreadySupported), also when two arrive at once.
        """
        pseudonym = self.vault.pseudonym(f"{initiative_id}:{email.strip().lower()}")
        index_id = SupportIndex.create_id(initiative_id, pseudonym)
        for _ in range(3):
            if index_id in self.repository:
                raise AlreadySupported(f"{initiative_id} already has this supporter")
            initiative = self.get_initiative(initiative_id)
            sealed = self.vault.seal({"email": email.strip()})
            actor = Actor(id=f"subject:{sealed.subject_id.hex}", role=Role.SUPPORTER)
            initiative.support(actor=actor, at=at or self.clock(), supporter=sealed)
            index = SupportIndex._create(
                SupportIndex.Created, id=index_id, initiative_id=initiative_id
            )
            try:
                self.save_all(initiative, index)
            except ConcurrencyConflict:
                self.vault.shred(sealed.subject_id)  # nothing was stored under this key
                continue  # someone else acted at the same moment: look again
            return len(initiative.supporters)
        raise ConcurrencyConflict(initiative_id, None, None)

    # -- personal data ---------------------------------------------------------------------------

    def find_subject(self, subject_id: UUID) -> UUID | None:
        """The initiative whose initiator or supporter `subject_id` is (None: no such subject)."""
        needle = subject_id.hex.encode()
        for n in self.notifications(Initiative.Submitted, Initiative.Supported):
            if needle in n.state:  # cheap test first; the event itself decides
                initiative_id = UUID(str(n.originator_id))
                if subject_id in self.get_initiative(initiative_id).subjects():
                    return initiative_id
        return None

    def sealed_data(self, initiative_id: UUID, subject_id: UUID) -> SealedPersonalData | None:
        """The sealed fields of one subject of an initiative, as its events hold them."""
        for event in self.history(initiative_id):
            for sealed in (getattr(event, "initiator", None), getattr(event, "supporter", None)):
                if isinstance(sealed, SealedPersonalData) and sealed.subject_id == subject_id:
                    return sealed
        return None

    def erase_subjects(
        self,
        initiative_id: UUID,
        subject_ids: Iterable[UUID],
        actor: Actor,
        reason: str,
        at: datetime | None = None,
    ) -> list[UUID]:
        """Erase these subjects of one initiative: record it, then delete their keys.

        The events say only which subject and why. A subject recorded as erased whose key is
        somehow still there (a crash between the two steps) loses the key on the next call.
        Returns the subjects erased now (not those erased before).
        """
        initiative = self.get_initiative(initiative_id)
        wanted = list(dict.fromkeys(subject_ids))
        fresh = [s for s in wanted if s not in initiative.erased]
        for subject_id in fresh:
            initiative.erase_personal_data(actor, at or self.clock(), subject_id, reason)
        if fresh:
            self.save_all(initiative)
        for subject_id in wanted:
            self.vault.shred(subject_id)
        return fresh

    def sweep_deadlines(
        self,
        initiative_id: UUID,
        escalate: Iterable[str] = (HANDOFF,),
        at: datetime | None = None,
    ) -> list[str]:
        """Record each deadline of the initiative that passed unrecorded; return their kinds.

        A missed deadline whose kind is in `escalate` also sends the initiative to regie
        (unless regie has it already). Running the sweep twice records nothing the second time.
        """
        now = at or self.clock()
        initiative = self.get_initiative(initiative_id)
        missed = initiative.missed_deadlines(now)
        for kind, due in missed:
            initiative.record_missed_deadline(SWEEPER, now, kind, due)
        to_regie = [kind for kind, _ in missed if kind in set(escalate)]
        if to_regie and initiative.lead_team != REGIE_TEAM and initiative.is_open:
            labels = {HANDOFF: "acceptatietermijn", DECISION: "beslistermijn"}
            names = " en ".join(labels[k] for k in to_regie)
            initiative.escalate(SWEEPER, now, f"Automatisch naar regie: {names} verstreken.")
        if missed:
            self.save_all(initiative)
        return [kind for kind, _ in missed]

    def routing_facts(self, initiative: Initiative, checked: bool = False) -> RoutingFacts:
        """Return the facts routing may use, resolved on the initiative's map version
        (`checked`: the kept area map was brought up to date just now)."""
        index = self.area_index(initiative.location.map_version, checked)
        code = initiative.location.area_code
        return RoutingFacts(
            area_code=code,
            area_chain=tuple(index.ancestors(code)),
            themes=tuple(initiative.themes),
            initiator_kind=initiative.initiator_kind.value,
            map_version=index.version,
        )

    def current_book(self) -> Book:
        """Return the published rulebook version with the current challenges.

        One query checks the rulebook, the directory and the challenges kept in memory (and the
        area map, when one is kept: routing needs it next); the compiled book is kept for as
        long as none of them changes.
        """
        directory_id = Directory.create_id()
        kept: Any = self._readonly.get(directory_id)
        known = [Challenge.create_id(c) for c in kept.challenges] if kept is not None else []
        area_map = [(AreaMap.create_id(), AreaMap)] if AreaMap.create_id() in self._readonly else []
        try:
            rulebook, directory, *checked = self._read_all(
                [(RuleBook.create_id(), RuleBook), (directory_id, Directory)]
                + [(i, Challenge) for i in known]
                + area_map
            )
            if area_map:
                checked.pop()
        except NotFound:
            raise NotFound("no rulebook has been published") from None
        if rulebook.current_version is None:
            raise NotFound("no rulebook has been published")
        if directory is kept:  # unchanged: its challenges were checked in the same query
            challenges = checked
        else:
            challenges = self._read_all(
                [(Challenge.create_id(c), Challenge) for c in directory.challenges]
            )
        key = (rulebook.version, tuple((c.id, c.version) for c in challenges))
        if self._book is None or self._book[0] != key:
            facts = [
                ChallengeFacts(c.code, c.team, tuple(c.themes), tuple(c.focus_areas))
                for c in challenges
            ]
            label = rulebook.current_version
            self._book = (key, book_from(label, rulebook.versions[label], facts))
        return self._book[1]

    def route_initiative(
        self, initiative_id: UUID, actor: Actor, at: datetime | None = None
    ) -> bool:
        """Route a submitted initiative; return False (and change nothing) if already routed."""
        initiative = self._get_young_initiative(initiative_id)
        if initiative.status is not Status.SUBMITTED:
            return False
        book = self.current_book()  # also brings the kept area map up to date
        decision = route(self.routing_facts(initiative, checked=True), book)
        initiative.route(decision, actor, at or self.clock())
        self.save_all(initiative)
        return True

    def current_facts(self, initiative: Initiative) -> RoutingFacts:
        """Return the facts as they are now: a point is placed again on the current map."""
        location = self.locate_on_current_map(initiative.location)
        index = self.area_index(location.map_version)
        return RoutingFacts(
            area_code=location.area_code,
            area_chain=tuple(index.ancestors(location.area_code)),
            themes=tuple(initiative.themes),
            initiator_kind=initiative.initiator_kind.value,
            map_version=index.version,
        )

    def locate_on_current_map(self, location: Location) -> Location:
        """Place a location on the current map version (keep it where that cannot be done)."""
        index = self.area_index()
        if location.is_point:
            assert location.lat is not None and location.lon is not None
            code = index.locate(location.lat, location.lon)
            if code is not None:
                return Location(code, location.lat, location.lon, index.version)
        elif location.area_code in index:
            return Location(location.area_code, None, None, index.version)
        return location

    def change_details(
        self,
        initiative_id: UUID,
        *,
        actor: Actor,
        reason: str,
        themes: list[str] | None = None,
        location: dict[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Correct themes and/or location (a point or an area code); routing stays as it was."""
        initiative = self.get_initiative(initiative_id)
        if expected_version is not None and initiative.version != expected_version:
            raise ConcurrencyConflict(initiative_id, expected_version, initiative.version)
        new_themes = list(themes) if themes is not None else list(initiative.themes)
        unknown = [t for t in new_themes if t not in THEMES]
        if unknown:
            raise InvariantViolation("themes", f"unknown theme(s): {', '.join(unknown)}")
        new_location = initiative.location
        if location is not None:
            new_location = self._place(location)
        initiative.change_details(actor, self.clock(), reason, new_themes, new_location)
        self.save_all(initiative)
        return int(initiative.version)

    def _place(self, location: dict[str, Any]) -> Location:
        index = self.area_index()
        if location.get("lat") is not None and location.get("lon") is not None:
            lat, lon = float(location["lat"]), float(location["lon"])
            code = index.locate(lat, lon)
            if code is None:
                raise InvariantViolation("location.lat", "this point lies outside the municipality")
            return Location(code, lat, lon, index.version)
        code = location.get("area_code")
        if not code or code not in index:
            raise InvariantViolation("location.area_code", f"unknown area code: {code}")
        return Location(code, None, None, None)

    def reroute_initiative(
        self,
        initiative_id: UUID,
        *,
        actor: Actor,
        reason: str,
        expected_version: int | None = None,
        dry_run: bool = False,
    ) -> RoutingDecision | None:
        """Route an open initiative again on today's facts, map and rulebook; record why.

        Returns the new decision, or None (and records nothing) when the lead and involved teams
        would stay the same. With `dry_run` nothing is recorded either way.
        """
        initiative = self.get_initiative(initiative_id)
        if expected_version is not None and initiative.version != expected_version:
            raise ConcurrencyConflict(initiative_id, expected_version, initiative.version)
        workflow.next_status("reroute", initiative.status)
        decision = route(self.current_facts(initiative), self.current_book())
        if decision.lead_team == initiative.lead_team and sorted(decision.involved_teams) == sorted(
            initiative.involved_teams
        ):
            return None
        if dry_run:
            return decision
        initiative.reroute(decision, actor, self.clock(), reason)
        self.save_all(initiative)
        return decision

    def initiative_ids(self) -> list[UUID]:
        """Every initiative ever submitted, in submission order (read from the log)."""
        return [UUID(str(n.originator_id)) for n in self.notifications(Initiative.Submitted)]

    def notifications(self, *event_classes: type[Any]) -> Iterator[Notification]:
        """Every stored notification of these event classes, in log order, read in pages."""
        topics = [get_topic(cls) for cls in event_classes]
        start = 1
        while True:
            batch = self.recorder.select_notifications(start, 1000, topics=topics)
            yield from batch
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

    def find_by_tracking_code(self, code: str) -> UUID | None:
        try:
            index_id = TrackingIndex.create_id(hash_tracking_code(code))
            index: Aggregate = self.repository.get(index_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(index, TrackingIndex)
        return index.initiative_id

    def history(self, aggregate_id: UUID) -> list[DomainEventProtocol[UUID]]:
        """Return every stored event of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))

    def personal_data(self, initiative_id: UUID) -> dict[str, Any] | None:
        """Decrypt the initiator's personal fields (None once erased)."""
        return self.vault.open(self.get_initiative(initiative_id).initiator)

    def open_personal_data(
        self, initiative_id: UUID, actor: Actor, purpose: str
    ) -> dict[str, Any] | None:
        """Decrypt the initiator's personal fields for a person, recording that they did.

        The record (who, when, which subject, why, which fields) is stored before anything is
        shown: no record, no data.
        """
        initiative = self.get_initiative(initiative_id)
        found = self.vault.open(initiative.initiator)
        record = PersonalDataOpened.record(
            actor,
            initiative.initiator.subject_id,
            initiative_id,
            purpose,
            sorted(found or {}),
            self.clock(),
        )
        self.save_all(record)
        return found

    def processing_log(self, subject_id: UUID | None = None) -> list[PersonalDataOpened]:
        """Every recorded opening of personal data (of one subject), oldest first."""
        records: list[PersonalDataOpened] = [
            self.repository.get(UUID(str(n.originator_id)))
            for n in self.notifications(PersonalDataOpened.Recorded)
        ]
        return [r for r in records if subject_id is None or r.subject_id == subject_id]

    # -- areas -----------------------------------------------------------------------------------

    def import_area_map(self, label: str, areas: list[Area], source: str, actor: Actor) -> None:
        root = next((a for a in areas if a.parent is None), None)
        if root is None:
            raise InvariantViolation("areas", "the map has no municipality")
        try:
            area_map = self._area_map(to_change=True)
        except NotFound:
            area_map = AreaMap._create(
                AreaMap.Created,
                id=AreaMap.create_id(),
                municipality_code=root.code,
                municipality_name=root.name,
                timestamp=self.clock(),
            )
        area_map.import_version(label, areas, source, actor, self.clock())
        self.save_all(area_map)

    def _area_map(self, to_change: bool = False) -> AreaMap:
        load = self._get if to_change else self._read
        area_map: AreaMap = load(AreaMap.create_id(), AreaMap)
        return area_map

    def area_map_version(self) -> str | None:
        """Return the current map version label, or None before the first import."""
        return self._area_map().current_version if self.has_area_map() else None

    def municipality(self) -> tuple[str, str]:
        """Return the municipality's code and name (from the area map)."""
        area_map = self._area_map()
        return area_map.municipality_code, area_map.municipality_name

    def has_area_map(self) -> bool:
        map_id = AreaMap.create_id()
        return map_id in self._readonly or map_id in self.repository  # maps are never removed

    def area_index(self, version: str | None = None, checked: bool = False) -> AreaIndex:
        """Return the index of map `version` (default: current); cached, versions never change.

        `checked`: the kept area map was brought up to date just now (by `current_book`)."""
        if version is not None and version in self._area_indexes:
            return self._area_indexes[version]
        kept = self._readonly.get(AreaMap.create_id()) if checked else None
        area_map = kept if isinstance(kept, AreaMap) else self._area_map()
        label = version or area_map.current_version
        assert label is not None
        if label not in self._area_indexes:
            self._area_indexes[label] = AreaIndex(area_map.areas(label), version=label)
        return self._area_indexes[label]

    # -- teams and challenges --------------------------------------------------------------------

    def register_team(
        self,
        code: str,
        name: str,
        kind: TeamKind,
        areas: Iterable[str],
        email: str | None,
        actor: Actor,
    ) -> bool:
        """Create or change a team; return whether anything was recorded."""
        team_id = Team.create_id(code)
        if team_id in self.repository:
            team: Team = self._get(team_id, Team)
            if team.kind is not kind:
                raise InvariantViolation("kind", f"team '{code}' is a {team.kind.value} team")
            changed = team.change(name, list(areas), email, actor, self.clock())
            if changed:
                self.save_all(team)
            return changed
        directory = self._directory(to_change=True)
        new_team = Team._create(
            Team.Registered,
            id=team_id,
            code=code,
            name=name,
            kind=kind,
            areas=list(areas),
            email=email,
            actor=actor,
            timestamp=self.clock(),
        )
        directory.list_team(code, self.clock())
        self.save_all(new_team, directory)
        return True

    def define_challenge(
        self,
        code: str,
        name: str,
        themes: Iterable[str],
        team: str,
        focus_areas: Iterable[str],
        actor: Actor,
    ) -> bool:
        """Create or change a challenge; return whether anything was recorded."""
        challenge_id = Challenge.create_id(code)
        if challenge_id in self.repository:
            challenge: Challenge = self._get(challenge_id, Challenge)
            changed = challenge.change(
                name, list(themes), team, list(focus_areas), actor, self.clock()
            )
            if changed:
                self.save_all(challenge)
            return changed
        directory = self._directory(to_change=True)
        new = Challenge._create(
            Challenge.Defined,
            id=challenge_id,
            code=code,
            name=name,
            themes=list(themes),
            team=team,
            focus_areas=list(focus_areas),
            actor=actor,
            timestamp=self.clock(),
        )
        directory.list_challenge(code, self.clock())
        self.save_all(new, directory)
        return True

    def _directory(self, to_change: bool = False) -> Directory:
        load = self._get if to_change else self._read
        try:
            directory: Directory = load(Directory.create_id(), Directory)
        except NotFound:
            directory = Directory._create(
                Directory.Created, id=Directory.create_id(), timestamp=self.clock()
            )
        return directory

    def teams(self) -> list[Team]:
        teams: list[Team] = self._listed("teams", Team)
        return teams

    def challenges(self) -> list[Challenge]:
        challenges: list[Challenge] = self._listed("challenges", Challenge)
        return challenges

    def _listed(self, attribute: str, kind: Any) -> list[Any]:
        """The directory's teams or challenges, to read only; usually checked in one query."""
        directory_id = Directory.create_id()
        kept = self._readonly.get(directory_id)
        known = [(kind.create_id(c), kind) for c in getattr(kept, attribute)] if kept else []
        try:
            directory, *checked = self._read_all([(directory_id, Directory), *known])
        except NotFound:
            return []
        if directory is kept:  # unchanged: its members were checked in the same query
            return checked
        return self._read_all([(kind.create_id(c), kind) for c in getattr(directory, attribute)])

    # -- rulebook --------------------------------------------------------------------------------

    def candidate_book(
        self, label: str, default_acceptance_days: int, rules: list[dict[str, Any]]
    ) -> Book:
        """Build a rulebook that is not published yet and refuse it if anything is wrong.

        Raises RuleBookInvalid naming each rule and field (unknown team, area, theme or
        challenge; equally specific rules of equal priority with different outcomes).
        """
        challenges = [
            ChallengeFacts(c.code, c.team, tuple(c.themes), tuple(c.focus_areas))
            for c in self.challenges()
        ]
        book = book_from(
            label, {"default_acceptance_days": default_acceptance_days, "rules": rules}, challenges
        )
        index = self.area_index() if self.has_area_map() else None
        problems = check_book(
            book,
            teams=[t.code for t in self.teams()],
            areas=index.areas if index else (),
            themes=THEMES,
            chains=index.chains() if index else (),
        )
        if problems:
            raise RuleBookInvalid(problems)
        return book

    def publish_rulebook(
        self,
        label: str,
        description: str,
        default_acceptance_days: int,
        rules: list[dict[str, Any]],
        actor: Actor,
    ) -> None:
        """Validate and publish a new rulebook version; open work is not moved."""
        self.candidate_book(label, default_acceptance_days, rules)
        try:
            rulebook: RuleBook = self._get(RuleBook.create_id(), RuleBook)
        except NotFound:
            rulebook = RuleBook._create(
                RuleBook.Created, id=RuleBook.create_id(), timestamp=self.clock()
            )
        rulebook.publish(label, description, default_acceptance_days, rules, actor, self.clock())
        self.save_all(rulebook)

    def rulebook(self) -> RuleBook | None:
        try:
            rulebook: RuleBook = self._read(RuleBook.create_id(), RuleBook)
        except NotFound:
            return None
        return rulebook
