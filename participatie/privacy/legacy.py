"""Free text stored in clear before it was sealed per person (infra/sealing.py).

Such rows cannot be rewritten: the audit chain vouches for every stored byte. They are read as
legacy FreeText; once the person they belong to is erased they are read as erased (hidden),
but their bytes stay in the event store. A staff question or note names no person in its
event, so it cannot be hidden by whose it is. This report lists them all, so a privacy officer
knows what an erasure can and cannot reach in an upgraded store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from participatie.domain.initiative import Initiative
from participatie.domain.values import FreeText

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

# Every event field that holds free text, by event class.
FREE_TEXT_FIELDS: dict[type[Initiative.Event], tuple[str, ...]] = {
    Initiative.Submitted: ("title", "description", "requested_support"),
    Initiative.InformationRequested: ("question",),
    Initiative.InformationProvided: ("answer",),
    Initiative.InternalNoteAdded: ("note",),
    Initiative.Withdrawn: ("reason",),
}


@dataclass(frozen=True)
class LegacyText:
    initiative_id: UUID
    version: int
    event: str
    field: str
    subject_id: UUID | None  # whose it is (None: not known from the event)
    hidden: bool  # its person was erased: read as erased, though still stored


def legacy_texts(app: ParticipatieApp) -> Iterator[LegacyText]:
    """Every free text field stored in clear, in log order."""
    for notification in app.notifications(*FREE_TEXT_FIELDS):
        event: Any = app.mapper.to_domain_event(notification)
        for name in FREE_TEXT_FIELDS[type(event)]:
            value = getattr(event, name, None)
            if isinstance(value, FreeText) and value.legacy:
                yield LegacyText(
                    initiative_id=UUID(str(event.originator_id)),
                    version=event.originator_version,
                    event=type(event).__name__,
                    field=name,
                    subject_id=value.subject_id,
                    hidden=value.erased,
                )
