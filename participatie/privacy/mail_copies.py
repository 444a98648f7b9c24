"""Whose personal data a copy in the embedded outbox holds.

A message to a resident (the initiator, or a supporter) carries their address and text written
for them: whoever opens it opens that person's personal data, which is recorded like any other
opening. The key a message is kept under says which initiative and which person it was for;
messages to a team's mailbox are about work, not about a resident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from participatie.domain.errors import NotFound
from participatie.notifications.messages import TO_INITIATOR, TO_TEAM

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

SUFFIX = ".eml"
# kind-<initiative id>-rest: the shape of every key of a message about one initiative.
KEYED = re.compile(
    r"(?P<kind>[a-z_]+)-(?P<initiative>[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})-"
)
SUPPORTER = re.compile(r"(?P<subject>[0-9a-f]{32})-")


@dataclass(frozen=True)
class MailRecipient:
    """Who a kept message was for: a team, a known resident, or a resident nobody can name."""

    resident: bool
    initiative_id: UUID | None = None
    subject_id: UUID | None = None


TEAM = MailRecipient(resident=False)
UNKNOWN = MailRecipient(resident=True)  # treated as personal data, and no one to record it of


def recipient_of(app: ParticipatieApp, name: str) -> MailRecipient:
    """Who the outbox file `name` was for, from the key it was kept under."""
    key = name.removesuffix(SUFFIX)
    found = KEYED.match(key)
    if found is None:
        return UNKNOWN
    kind, initiative_id = found["kind"], UUID(found["initiative"])
    if kind in TO_TEAM.values():
        return TEAM
    if kind == "support":
        supporter = SUPPORTER.match(key, found.end())
        if supporter is None:  # kept before support keys named the supporter
            return UNKNOWN
        return MailRecipient(True, initiative_id, UUID(supporter["subject"]))
    if kind in TO_INITIATOR.values():
        try:
            initiative = app.get_initiative(initiative_id)
        except NotFound:
            return UNKNOWN
        return MailRecipient(True, initiative_id, initiative.initiator.subject_id)
    return UNKNOWN
