"""Subject access (AVG art. 15): everything the platform holds about one person, as JSON.

The export holds the person's own personal data (opened; or that it was erased, and when), the
initiative they submitted or supported with every event of it as the history shows it (sealed
fields as subject ids only, so nobody else's data is opened), the areas followed by e-mail with
the same address (each follow's every event, also of rounds that stopped), and every recorded
opening of their data. The request is recorded in the processing log before anything is opened.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from participatie.audit.history import describe, plain
from participatie.domain.errors import InvariantViolation, NotFound
from participatie.domain.follow import AreaFollow
from participatie.domain.initiative import Initiative
from participatie.domain.processing import PersonalDataOpened
from participatie.domain.values import Actor

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

ACCESS_PURPOSE = "inzageverzoek (art. 15 AVG)"


def access_export(
    app: ParticipatieApp, subject_id: UUID, actor: Actor, purpose: str
) -> dict[str, Any]:
    """Open and gather one subject's data for an access request, recording it first."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvariantViolation("purpose", "an access request needs a purpose")
    initiative_id = app.find_subject(subject_id)
    if initiative_id is None:
        raise NotFound(f"no initiator or supporter with subject id {subject_id}")
    initiative = app.get_initiative(initiative_id)
    history = app.history(initiative_id)
    sealed = app.sealed_data(initiative_id, subject_id)
    opened = app.vault.open(sealed) if sealed is not None else None
    record = PersonalDataOpened.record(
        actor,
        subject_id,
        initiative_id,
        f"{ACCESS_PURPOSE}: {purpose}",
        sorted(opened or {}),
        app.clock(),
    )
    app.save_all(record)  # no record, no data
    return {
        "subject_id": str(subject_id),
        "subject": initiative.subjects()[subject_id],
        "exported_at": record.created_on.isoformat(),
        "exported_by": actor.id,
        "purpose": record.purpose,
        "initiative": {
            "id": str(initiative_id),
            "title": initiative.title,
            "status": initiative.status.value,
            "submitted_at": initiative.created_on.isoformat(),
        },
        "personal_data": opened if opened is not None else _erased(history, subject_id),
        "events": [plain(asdict(describe(event))) for event in history],
        "area_follows": _area_follows(app, str((opened or {}).get("email") or "")),
        "processing_log": [_opening(r) for r in app.processing_log(subject_id)],
    }


def _erased(history: list[Any], subject_id: UUID) -> dict[str, Any]:
    """What is left of erased data: that it was erased, when, and why."""
    for event in history:
        if isinstance(event, Initiative.PersonalDataErased) and event.subject_id == subject_id:
            return {
                "erased": True,
                "erased_at": event.timestamp.isoformat(),
                "reason": event.reason,
            }
    return {"erased": True, "erased_at": None, "reason": None}  # the key went without a record


def _area_follows(app: ParticipatieApp, email: str) -> list[dict[str, Any]]:
    """The follows of `email` (one per area and address: its id is derived from both), stopped
    ones too, found as an erasure finds them: only while the address can be read. Every area
    ever followed by anyone is tried, so a follow of an area no longer on the map is found."""
    if not email.strip():
        return []
    areas: set[str] = {
        getattr(app.mapper.to_domain_event(n), "area_code", "")
        for n in app.notifications(AreaFollow.Requested)
    }
    found = []
    for area_code in sorted(areas):
        follow_id = app.follow_id(area_code, email)
        events = app.history(follow_id)
        if not events:
            continue
        follow = app.get_follow(follow_id)
        found.append(
            {
                "follow_id": str(follow.id),
                "area_code": area_code,
                "state": follow.state,
                "round": follow.round,
                "events": [plain(asdict(describe(event))) for event in events],
            }
        )
    return found


def _opening(record: PersonalDataOpened) -> dict[str, Any]:
    return {
        "at": record.created_on.isoformat(),
        "actor": record.actor.id,
        "role": record.actor.role.value,
        "team": record.actor.team,
        "initiative_id": str(record.initiative_id) if record.initiative_id else None,
        "purpose": record.purpose,
        "fields": list(record.fields),
    }
