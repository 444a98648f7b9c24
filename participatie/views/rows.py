"""Rows in and out of the view tables: timestamps as text, initiative rows and queue entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from participatie.infra.tables import without_nul as storable
from participatie.views.model import Row, TimelineEntry
from participatie.views.schema import (
    ALL,
    DATETIME_COLUMNS,
    DUE,
    MUNICIPALITY_PREFIX,
    NO_DEADLINE,
    PRIORITY_RANK,
    ROW_COLUMNS,
)


def facets(row: Row) -> list[str]:
    """Each queue entry is stored once unfiltered and once per status, per area above it, per
    theme and (with a deadline) once as 'due', so a queue filtered on any of those is read
    straight from an index, in order. Priority and assignee are checked on the rows."""
    # The municipality (CBS code GM…) holds everything: its facet would repeat ALL.
    areas = (a for a in row.area_chain if not a.startswith(MUNICIPALITY_PREFIX))
    found = [ALL, f"status:{row.status}", *(f"area:{a}" for a in areas)]
    found += [f"theme:{t}" for t in sorted(set(row.themes))]
    if row.deadline is not None:
        found.append(DUE)  # a hand-off or decision deadline runs: the only entries that can be late
    return found


def queue_values(row: Row) -> list[tuple[Any, ...]]:
    """The team queue rows of one initiative: per team that leads or is involved, per facet."""
    teams = row.teams()
    if not teams:
        return []
    shared = (
        row.status,
        PRIORITY_RANK.get(row.priority, 2),
        stamp(row.deadline) or NO_DEADLINE,
        stamp(row.submitted_at),
        stamp(row.last_activity),
        row.area_code,
        row.assignee,
    )
    return [
        tuple(map(storable, (team, facet, row.id, role, *shared)))
        for team, role in teams.items()
        for facet in facets(row)
    ]


def stamp(moment: datetime | None) -> str | None:
    """Timestamps as fixed-width UTC text: sortable and equal on both databases."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def unstamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)  # much faster than strptime


def row_values(row: Row) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        **row.__dict__,
        "consent": int(row.consent),
        "themes": ",".join(row.themes),
        "area_chain": ",".join(row.area_chain),
        "involved_teams": ",".join(row.involved_teams),
        "handoff_pending": int(row.handoff_pending),
        "decision_published": int(row.decision_published),
        "text_erased": int(row.text_erased),
        "photos": ",".join(map(str, row.photos)),
        "public_photos": ",".join(map(str, row.public_photos)),
    }
    for key in DATETIME_COLUMNS:
        values[key] = stamp(values[key])
    return tuple(storable(values[c]) for c in ROW_COLUMNS)


def timeline_values(entry: TimelineEntry) -> tuple[Any, ...]:
    """A timeline entry as its row in the timeline table (TIMELINE_COLUMNS)."""
    values = (
        entry.initiative_id,
        entry.version,
        entry.kind,
        stamp(entry.at),
        entry.text,
        entry.team,
    )
    return tuple(map(storable, values))


def row_from(values: Sequence[Any]) -> Row:
    data = dict(zip(ROW_COLUMNS, values, strict=True))
    for key in ("themes", "area_chain", "involved_teams"):
        data[key] = tuple(x for x in (data[key] or "").split(",") if x)
    for key in ("photos", "public_photos"):
        data[key] = tuple(int(x) for x in (data[key] or "").split(",") if x)
    for key in ("consent", "handoff_pending", "decision_published", "text_erased"):
        data[key] = bool(data[key])
    for key in DATETIME_COLUMNS:
        data[key] = unstamp(data[key])
    return Row(**data)
