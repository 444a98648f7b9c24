"""Exports of the event log for auditors and the P&C cycle: JSON Lines or CSV.

Without a grant an export holds no personal data: sealed fields appear as their subject id only
(`{"subject_id": ..., "encrypted": true}`). With `personal_data=True` (which needs a purpose) the
sealed fields are opened, and every subject whose data was opened is recorded in the processing
log. Every export, with or without personal data, is recorded as an `EventsExported` event.
A CSV cell never starts a formula (`infra/csvcells.py`): reasons and names are typed by people.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from participatie.audit.chain import notifications_after
from participatie.audit.history import describe, plain
from participatie.domain.errors import InvariantViolation
from participatie.domain.initiative import Initiative
from participatie.domain.processing import EventsExported, PersonalDataOpened
from participatie.domain.values import REGIE_TEAM, Actor, SealedPersonalData
from participatie.infra.csvcells import SafeCsv

COLUMNS = (
    "position",
    "at",
    "aggregate",
    "aggregate_id",
    "version",
    "event",
    "actor",
    "role",
    "team",
    "status",
    "reason",
    "details",
    "erased",  # the fields whose text was erased with its person
)


@dataclass(frozen=True)
class ExportFilter:
    start: datetime | None = None
    end: datetime | None = None
    area: str | None = None
    team: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else str(v))
            for k, v in asdict(self).items()
            if v
        }


@dataclass
class ExportResult:
    count: int = 0
    subjects: list[UUID] = field(default_factory=list)


def _teams_of(event: Any) -> set[str]:
    if isinstance(event, Initiative.Routed):
        return {event.decision.lead_team, *event.decision.involved_teams}
    if isinstance(event, Initiative.Forwarded):
        return {event.to_team, *event.involved_teams}
    if isinstance(event, Initiative.HandoffDeclined | Initiative.Escalated):
        return {REGIE_TEAM}
    return set()


def _events(app: Any) -> Iterator[tuple[int, Any]]:
    for notification in notifications_after(app, 0):
        yield int(notification.id), app.mapper.to_domain_event(notification)


def _selected(app: Any, flt: ExportFilter) -> Iterator[tuple[int, Any]]:
    """The events that match the filter, in log order."""
    wanted: set[str] | None = None
    if flt.area is not None or flt.team is not None:
        wanted = set()
        index = app.area_index() if flt.area is not None else None
        for _, event in _events(app):
            if not isinstance(event, Initiative.Event):
                continue
            key = str(event.originator_id)
            if flt.team is not None and flt.team in _teams_of(event):
                wanted.add(key)
            location = getattr(event, "location", None)
            if flt.area is not None and location is not None and index is not None:
                chain = index.ancestors(location.area_code) if location.area_code in index else []
                if flt.area == location.area_code or flt.area in chain:
                    wanted.add(key)
    for position, event in _events(app):
        if flt.start is not None and event.timestamp < flt.start:
            continue
        if flt.end is not None and event.timestamp > flt.end:
            continue
        if wanted is not None and str(event.originator_id) not in wanted:
            continue
        yield position, event


def _record(position: int, event: Any, opened: dict[str, Any] | None) -> dict[str, Any]:
    entry = describe(event)
    details = entry.details
    if opened:
        details = {
            k: (opened.get(k, v) if isinstance(getattr(event, k, None), SealedPersonalData) else v)
            for k, v in details.items()
        }
    return {
        "position": position,
        "at": entry.at.isoformat(),
        "aggregate": type(event).__qualname__.split(".")[0],
        "aggregate_id": str(event.originator_id),
        "version": entry.version,
        "event": entry.event,
        "actor": entry.actor,
        "role": entry.role,
        "team": entry.team,
        "status": entry.status,
        "reason": entry.reason,
        "details": plain(details),
        "erased": list(entry.erased),
    }


def export_events(
    app: Any,
    flt: ExportFilter,
    out: io.TextIOBase | Any,
    *,
    format: str,
    actor: Actor,
    personal_data: bool = False,
    purpose: str | None = None,
) -> ExportResult:
    """Write the matching events to `out`; record the export (and each opened subject)."""
    if format not in ("jsonl", "csv"):
        raise InvariantViolation("format", "choose jsonl or csv")
    if personal_data and not (purpose or "").strip():
        raise InvariantViolation("purpose", "an export with personal data needs a purpose")
    result = ExportResult()
    writer = SafeCsv(out, COLUMNS) if format == "csv" else None
    if writer is not None:
        writer.writeheader()
    opened_records = []
    for position, event in _selected(app, flt):
        opened: dict[str, Any] | None = None
        if personal_data:
            opened = {}
            for name in sealed_fields(event):
                sealed: SealedPersonalData = getattr(event, name)
                opened[name] = app.vault.open(sealed) or {"erased": True}
                result.subjects.append(sealed.subject_id)
                opened_records.append(
                    PersonalDataOpened.record(
                        actor,
                        sealed.subject_id,
                        event.originator_id if isinstance(event, Initiative.Event) else None,
                        f"export: {purpose}",
                        sorted(opened[name]),
                        app.clock(),
                    )
                )
        record = _record(position, event, opened)
        if writer is not None:
            record["details"] = json.dumps(record["details"], ensure_ascii=False, sort_keys=True)
            record["erased"] = " ".join(record["erased"])
            writer.writerow(record)
        else:
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        result.count += 1
    exported: EventsExported = EventsExported._create(
        EventsExported.Recorded,
        id=uuid4(),
        actor=actor,
        filters=flt.as_dict(),
        format=format,
        count=result.count,
        with_personal_data=personal_data,
        purpose=(purpose or "").strip() or None,
        subjects=sorted(set(result.subjects), key=str),
        timestamp=app.clock(),
    )
    app.save_all(exported, *opened_records)
    return result


def sealed_fields(event: Any) -> Iterable[str]:
    """The names of the event's sealed personal-data fields."""
    return [name for name, value in vars(event).items() if isinstance(value, SealedPersonalData)]
