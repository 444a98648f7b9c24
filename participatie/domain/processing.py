"""The processing log (verwerkingenlogging): each time someone opens personal data.

Each record is its own aggregate with one event, so records never conflict, are append-only, and
sit in the one notification log (and so under the audit hash chain) with everything else.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from participatie.domain.values import Actor


class PersonalDataOpened(Aggregate):
    class Recorded(Aggregate.Created):
        actor: Actor
        subject_id: UUID
        initiative_id: UUID | None
        purpose: str
        fields: list[str]

    def __init__(
        self,
        actor: Actor,
        subject_id: UUID,
        initiative_id: UUID | None,
        purpose: str,
        fields: list[str],
    ) -> None:
        self.actor = actor
        self.subject_id = subject_id
        self.initiative_id = initiative_id
        self.purpose = purpose
        self.fields = list(fields)

    @classmethod
    def record(
        cls,
        actor: Actor,
        subject_id: UUID,
        initiative_id: UUID | None,
        purpose: str,
        fields: list[str],
        at: datetime,
    ) -> PersonalDataOpened:
        opened: PersonalDataOpened = cls._create(
            cls.Recorded,
            id=uuid4(),
            actor=actor,
            subject_id=subject_id,
            initiative_id=initiative_id,
            purpose=purpose,
            fields=list(fields),
            timestamp=at,
        )
        return opened


class EventsExported(Aggregate):
    """Someone exported events: who, when, which filters, and whether personal data was in it."""

    class Recorded(Aggregate.Created):
        actor: Actor
        filters: dict[str, str]
        format: str
        count: int
        with_personal_data: bool
        purpose: str | None
        subjects: list[UUID]

    def __init__(
        self,
        actor: Actor,
        filters: dict[str, str],
        format: str,
        count: int,
        with_personal_data: bool,
        purpose: str | None,
        subjects: list[UUID],
    ) -> None:
        self.actor = actor
        self.filters = dict(filters)
        self.format = format
        self.count = count
        self.with_personal_data = with_personal_data
        self.purpose = purpose
        self.subjects = list(subjects)
