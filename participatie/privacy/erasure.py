"""Erasing a person's data (AVG art. 17): crypto-shredding plus what the platform kept beside it.

The events stay as they are (the audit chain and the views need them); the person's key is
deleted, so their sealed fields can never be read again, and an erasure event records who
erased which subject and why, without any personal data. The embedded outbox's copies of mail
to that person go too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from participatie.domain.errors import NotFound
from participatie.domain.initiative import INITIATOR
from participatie.domain.values import Actor
from participatie.notifications.messages import TO_INITIATOR

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.bootstrap import Container


@dataclass(frozen=True)
class Erasure:
    initiative_id: UUID
    erased: list[UUID] = field(default_factory=list)  # subjects erased now
    already: list[UUID] = field(default_factory=list)  # subjects erased before
    mails_removed: int = 0


def erase_subject(
    container: Container, subject_id: UUID, actor: Actor, reason: str, at: datetime | None = None
) -> Erasure:
    """Erase one person (an initiator or a supporter), found by their subject id."""
    initiative_id = container.app.find_subject(subject_id)
    if initiative_id is None:
        raise NotFound(f"no initiator or supporter with subject id {subject_id}")
    return _erase(container, initiative_id, [subject_id], actor, reason, at)


def erase_initiative(
    container: Container,
    initiative_id: UUID,
    actor: Actor,
    reason: str,
    at: datetime | None = None,
) -> Erasure:
    """Erase every person of an initiative: the initiator and all supporters."""
    subjects = list(container.app.get_initiative(initiative_id).subjects())
    return _erase(container, initiative_id, subjects, actor, reason, at)


def _erase(
    container: Container,
    initiative_id: UUID,
    subject_ids: list[UUID],
    actor: Actor,
    reason: str,
    at: datetime | None,
) -> Erasure:
    app = container.app
    initiative = app.get_initiative(initiative_id)
    kinds = initiative.subjects()
    prefixes: list[str] = []
    for subject_id in subject_ids:
        if kinds.get(subject_id) == INITIATOR:
            # Mail keys are '<kind>-<initiative>-v<version>-initiator'.
            prefixes.extend(f"{kind}-{initiative_id}-" for kind in TO_INITIATOR.values())
        else:
            sealed = app.sealed_data(initiative_id, subject_id)
            found = app.vault.open(sealed) if sealed else None
            if found and found.get("email"):
                pseudonym = app.vault.pseudonym(f"{initiative_id}:{found['email'].lower()}")
                prefixes.append(f"support-{pseudonym[:16]}-")
    erased = app.erase_subjects(initiative_id, subject_ids, actor, reason, at)
    removed = container.mailer.forget(prefixes)
    already = [s for s in subject_ids if s not in erased]
    return Erasure(initiative_id, erased, already, removed)
