"""ParticipatieApp's initiatives part: submitting, acting on and supporting an initiative,
correcting its details and recording its missed deadlines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from participatie.application import admission
from participatie.application.core import AppCore
from participatie.domain.commands import Command, Support, execute
from participatie.domain.errors import (
    AlreadySupported,
    ConcurrencyConflict,
    IllegalTransition,
    InvariantViolation,
)
from participatie.domain.initiative import DECISION, HANDOFF, Initiative
from participatie.domain.support import SupportIndex
from participatie.domain.tracking import TrackingIndex, hash_tracking_code, new_tracking_code
from participatie.domain.values import (
    PERSONAL_FIELDS,
    REGIE_TEAM,
    Actor,
    FreeText,
    InitiatorKind,
    Location,
    Moderation,
    PhotoRef,
    Role,
    SealedPersonalData,
)
from participatie.infra.photostore import StoredPhoto
from participatie.media.photos import Photo

SWEEPER = Actor.system("deadline-sweep")


MOVED, ALREADY, CLOSED = "moved", "already", "closed"  # what became of a merged support


@dataclass(frozen=True)
class MovedSupport:
    """One supporter of a merged initiative and what became of their support."""

    subject_id: UUID
    supported: Any  # their Initiative.Supported event
    into: UUID
    outcome: str  # MOVED, ALREADY (they supported it already) or CLOSED (it closed meanwhile)


@dataclass(frozen=True)
class Submission:
    """What a submitter gets back: the initiative's id and the secret tracking code."""

    initiative_id: UUID
    tracking_code: str


if TYPE_CHECKING:
    from participatie.domain.areas import AreaMap
    from participatie.maps.geo import AreaIndex

    class _Uses(AppCore):
        """What this part uses of the organisation part."""

        def _area_map(self, to_change: bool = False) -> AreaMap: ...
        def area_index(self, version: str | None = None, checked: bool = False) -> AreaIndex: ...

else:
    _Uses = AppCore


class InitiativeCommands(_Uses):
    """Submit, act, support, change details, sweep deadlines; find initiatives."""

    def submit(
        self,
        data: dict[str, Any],
        *,
        channel: str = "web",
        actor: Actor | None = None,
        at: datetime | None = None,
        photos: Sequence[Photo] = (),
    ) -> Submission:
        """Store a validated submission (see SubmissionSchema); personal fields are sealed.

        `photos` are read already (media.photos.read_photos): they are sealed under the
        initiator's key and kept in the photo store first, then the events naming them are saved.
        """
        initiative, index, code, kept = self._new_initiative(data, channel, actor, at, photos)
        admission.admit()  # before the photos, which are written first
        if kept:
            self.photo_store.put(initiative.id, kept, self.clock())
        self.save_all(initiative, index)
        return Submission(initiative.id, code)

    def photo(
        self, initiative_id: UUID, position: int, thumbnail: bool = False
    ) -> tuple[str, bytes] | None:
        """(mime type, bytes) of one photo of an initiative, or its thumbnail; None when there is
        no such photo, its initiator was erased, or what is stored is not what the log names."""
        initiative = self.get_initiative(initiative_id)
        named = next((p for p in initiative.photos if p.position == position), None)
        stored = self.photo_store.get(initiative_id, position) if named else None
        if named is None or stored is None or stored.digest != named.digest:
            return None
        opened = self.vault.open_blobs(
            initiative.initiator.subject_id, [stored.thumbnail if thumbnail else stored.photo]
        )
        if opened is None:
            return None
        return stored.mime, opened[0]  # a thumbnail is in the format of its photo

    def new_initiative(
        self,
        data: dict[str, Any],
        *,
        channel: str = "web",
        actor: Actor | None = None,
        at: datetime | None = None,
    ) -> tuple[Initiative, TrackingIndex, str]:
        """Create (but do not save) an initiative and its tracking index; return the code too.

        Its themes must be in the current list and active (UnknownTheme): every entrance
        checks them, and this is where none can be missed."""
        initiative, index, code, _ = self._new_initiative(data, channel, actor, at, ())
        return initiative, index, code

    def _new_initiative(
        self,
        data: dict[str, Any],
        channel: str,
        actor: Actor | None,
        at: datetime | None,
        photos: Sequence[Photo],
    ) -> tuple[Initiative, TrackingIndex, str, list[StoredPhoto]]:
        """`new_initiative`, and its photos sealed as the photo store keeps them."""
        self.check_themes("themes", data["themes"])
        initiator = data["initiator"]
        personal = {k: initiator[k] for k in PERSONAL_FIELDS if initiator.get(k)}
        sealed = self.vault.seal(personal)
        location = data["location"]
        map_version = self._area_map().current_version if location.get("lat") is not None else None
        code = new_tracking_code()
        code_hash = hash_tracking_code(code)
        initiative_id = uuid4()
        kept = self._seal_photos(sealed.subject_id, photos)
        initiative = Initiative._create(
            Initiative.Submitted,
            id=initiative_id,
            title=FreeText(data["title"], sealed.subject_id),
            description=FreeText(data["description"], sealed.subject_id),
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
            requested_support=FreeText.of(data.get("requested_support"), sealed.subject_id),
            tracking_code_hash=code_hash,
            actor=actor or Actor.initiator(sealed.subject_id),
            channel=channel,
            language=data.get("language") or "nl",
            decision_days=self.decision_days,
            moderation=self._moderation_at_submission(bool(data["consent_to_publish"])),
            photos=[
                PhotoRef(n, p.mime, p.width, p.height, s.digest)
                for n, (p, s) in enumerate(zip(photos, kept, strict=True), start=1)
            ],
            timestamp=at or self.clock(),
        )
        index: TrackingIndex = TrackingIndex._create(
            TrackingIndex.Created,
            id=TrackingIndex.create_id(code_hash),
            code_hash=code_hash,
            initiative_id=initiative.id,
        )
        return initiative, index, code, kept

    def _seal_photos(self, subject_id: UUID, photos: Sequence[Photo]) -> list[StoredPhoto]:
        """Each photo and its thumbnail sealed under the initiator's key, as the store keeps."""
        if not photos:
            return []
        blobs = self.vault.seal_blobs(
            subject_id, [b for p in photos for b in (p.data, p.thumbnail)]
        )
        return [
            StoredPhoto(n, p.mime, blobs[2 * n - 2], blobs[2 * n - 1])
            for n, p in enumerate(photos, start=1)
        ]

    def _moderation_at_submission(self, consent: bool) -> Moderation:
        """Nothing to moderate without consent; else a moderator's turn, unless the
        municipality approves public text automatically (PARTICIPATIE_AUTO_APPROVE)."""
        if not consent:
            return Moderation.NONE
        return Moderation.APPROVED if self.auto_approve else Moderation.PENDING

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
            sealed = self.vault.seal(dict(command.supporter))
            return Support(sealed, command.updates, command.language)
        return command

    def supporter_subject(self, initiative_id: UUID, email: str) -> tuple[UUID, UUID]:
        """The support index id and the supporter's subject id of an address."""
        pseudonym = self.vault.pseudonym(f"{initiative_id}:{email.strip().lower()}")
        return (
            SupportIndex.create_id(initiative_id, pseudonym),
            SupportIndex.subject_id(initiative_id, pseudonym),
        )

    def support_request(self, initiative_id: UUID, email: str) -> SealedPersonalData | None:
        """The address sealed for a support link, under the supporter's own key.

        None when this address's support was erased: its key stays gone, and nothing is
        mailed or kept for it again.
        """
        _, subject_id = self.supporter_subject(initiative_id, email)
        initiative = self.get_initiative(initiative_id)
        if subject_id in initiative.erased:
            return None
        return self.vault.seal_as(subject_id, {"email": email.strip()})

    def support_initiative(
        self,
        initiative_id: UUID,
        email: str,
        at: datetime | None = None,
        updates: bool = False,
        language: str = "nl",
        actor: Actor | None = None,
        reason: str | None = None,
    ) -> int:
        """Record one support for a confirmed e-mail address; return the supporter count.

        The address is sealed under the subject of its support links (`support_request`); a
        keyed hash of it makes a second support with the same address impossible
        (AlreadySupported), also when two arrive at once. With `updates` the supporter is mailed
        the decision and the completion, in `language`. The supporter is the actor, unless the
        platform moved their support (`actor`, `reason`: a merge).
        """
        index_id, subject_id = self.supporter_subject(initiative_id, email)
        for _ in range(3):
            if index_id in self.repository:
                raise AlreadySupported(f"{initiative_id} already has this supporter")
            initiative = self.get_initiative(initiative_id)
            sealed = self.vault.seal_as(subject_id, {"email": email.strip()})
            by = actor or Actor(id=f"subject:{subject_id.hex}", role=Role.SUPPORTER)
            initiative.support(by, at or self.clock(), sealed, updates, language, reason)
            index = SupportIndex._create(
                SupportIndex.Created, id=index_id, initiative_id=initiative_id
            )
            try:
                self.save_all(initiative, index)
            except ConcurrencyConflict:
                continue  # someone else acted at the same moment: look again
            return len(initiative.supporters)
        raise ConcurrencyConflict(initiative_id, None, None)

    def move_supporters(self, initiative_id: UUID, version: int) -> list[MovedSupport]:
        """After the initiative was merged (its Merged event is `version`), give the initiative
        it went into the support of each of its supporters; return what became of each.

        The supporter's address is sealed anew under their subject for the other initiative, so
        erasing them there (or as a person) finds it. Someone already supporting the other one
        is not counted twice; an erased supporter is not moved; when the other initiative has
        closed meanwhile nothing can be added to it. Running it again adds nothing.
        """
        merged: Initiative = self.repository.get(initiative_id, version=version)
        into = merged.merged_into
        if into is None:
            return []
        now = self.get_initiative(initiative_id)  # erasures since the merge count too
        actor = Actor.system("merge")
        found: list[MovedSupport] = []
        for event in self.events.get(initiative_id, lte=version):
            if not isinstance(event, Initiative.Supported):
                continue
            subject = event.supporter.subject_id
            address = (self.vault.open(event.supporter) or {}).get("email")
            if subject in now.erased or not address:
                continue
            if self.support_request(into, address) is None:
                continue  # erased at the other initiative: its key stays gone
            try:
                self.support_initiative(
                    into,
                    address,
                    updates=event.updates,
                    language=event.language,
                    actor=actor,
                    reason=f"merged from {initiative_id}",
                )
                outcome = MOVED
            except AlreadySupported:
                outcome = ALREADY
            except IllegalTransition:
                outcome = CLOSED
            found.append(MovedSupport(subject, event, into, outcome))
        return found

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
        self.check_themes("themes", new_themes, kept=initiative.themes)
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

    def initiative_ids(self) -> list[UUID]:
        """Every initiative ever submitted, in submission order (read from the log)."""
        return [UUID(str(n.originator_id)) for n in self.notifications(Initiative.Submitted)]

    def find_by_tracking_code(self, code: str) -> UUID | None:
        try:
            index_id = TrackingIndex.create_id(hash_tracking_code(code))
            index: Aggregate = self.repository.get(index_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(index, TrackingIndex)
        return index.initiative_id
