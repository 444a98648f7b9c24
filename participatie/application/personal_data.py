"""ParticipatieApp's personal data part: finding, opening and erasing the sealed personal data
of an initiative's subjects, and the log of who opened it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from participatie.application.core import AppCore
from participatie.domain.initiative import Initiative
from participatie.domain.processing import PersonalDataOpened
from participatie.domain.values import Actor, SealedPersonalData
from participatie.infra.recorders import TaggedSnapshots


class PersonalDataCommands(AppCore):
    """Sealed personal data: find a subject, open (recorded), erase, the processing log."""

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
        The key store is scrubbed every time, so no deleted key stays in its files either.
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
        self.vault.scrub()
        if initiative.initiator.subject_id in wanted:
            self.forget_snapshots(initiative_id)
            if initiative.photos:
                self.photo_store.forget(initiative_id)
        return fresh

    def forget_snapshots(self, initiative_id: UUID) -> None:
        """Delete an initiative's snapshots: one written before free text was sealed holds its
        title and description in clear (infra/sealing.py); the next load takes a new one."""
        if self.snapshots is not None:
            recorder = self.snapshots.recorder
            assert isinstance(recorder, TaggedSnapshots)
            recorder.forget(initiative_id)

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
        self.record_opening(
            actor, initiative.initiator.subject_id, initiative_id, purpose, sorted(found or {})
        )
        return found

    def record_opening(
        self,
        actor: Actor,
        subject_id: UUID,
        initiative_id: UUID | None,
        purpose: str,
        fields: list[str],
    ) -> None:
        """Record that `actor` is about to see `fields` of one subject's personal data."""
        self.save_all(
            PersonalDataOpened.record(
                actor, subject_id, initiative_id, purpose, fields, self.clock()
            )
        )

    def processing_log(self, subject_id: UUID | None = None) -> list[PersonalDataOpened]:
        """Every recorded opening of personal data (of one subject), oldest first."""
        records: list[PersonalDataOpened] = [
            self.repository.get(UUID(str(n.originator_id)))
            for n in self.notifications(PersonalDataOpened.Recorded)
        ]
        return [r for r in records if subject_id is None or r.subject_id == subject_id]
