"""Plain, printable descriptions of stored events: who did what, when, and why."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from participatie.domain.values import Actor, FreeText, SealedPersonalData

BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
WHO_FIELDS = {"actor", "status", "reason"}


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    at: datetime
    event: str
    actor: str
    role: str
    team: str | None
    status: str | None
    reason: str | None
    details: dict[str, Any]
    erased: tuple[str, ...] = ()  # fields whose text was erased with its person (now None)


def describe(event: Any) -> HistoryEntry:
    """Describe one domain event without decrypting anything."""
    actor: Actor | None = getattr(event, "actor", None)
    status = getattr(event, "status", None)
    details = {
        f.name: plain(getattr(event, f.name))
        for f in fields(event)
        if f.name not in BASE_FIELDS | WHO_FIELDS
    }
    reason = getattr(event, "reason", None)
    erased = tuple(
        name
        for name in ("reason", *details)
        if isinstance(value := getattr(event, name, None), FreeText) and value.erased
    )
    return HistoryEntry(
        version=event.originator_version,
        at=event.timestamp,
        event=type(event).__qualname__.split(".")[-1],
        actor=actor.id if actor else "-",
        role=actor.role.value if actor else "-",
        team=actor.team if actor else None,
        status=status.value if isinstance(status, Enum) else None,
        reason=None if "reason" in erased else reason,
        details=details,
        erased=erased,
    )


def plain(value: Any) -> Any:
    """Turn a value into JSON-friendly data; sealed personal data shows only its subject id."""
    if isinstance(value, SealedPersonalData):
        return {"subject_id": str(value.subject_id), "encrypted": True}
    if isinstance(value, FreeText):
        return None if value.erased else str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
