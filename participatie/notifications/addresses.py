"""Which initiatives and supports belong to an e-mail address ("mijn initiatieven").

A resident asks for a sign-in link by e-mail and then sees every initiative they submitted and
every initiative they support with that address. Addresses are sealed in the events under each
person's own key, so finding them by address needs an index: one row per (address, initiative,
subject), where the address is a keyed hash (`Vault.pseudonym`), never the address itself. Only
addresses that were confirmed are indexed (the initiator followed the check link; a support is
recorded only from its confirmation link), so a typo in an address shows nobody else's work.

The rows are written by the mail job of the event that confirmed the address (EmailConfirmed,
Supported: workers/jobs.notify → messages.deliver), so a crash cannot lose one: the relay
enqueues that job again until it ran. Erasing a person deletes their rows (`forget`); `rebuild`
writes the rows of every confirmed address that can still be read (after an upgrade, or to
repair). The table lives beside the mail ledger (mail.sqlite, or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from participatie.domain.initiative import INITIATOR, SUPPORTER, Initiative
from participatie.infra.tables import SQLiteTables, Tables

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_addresses ("
    "address TEXT NOT NULL, initiative_id TEXT NOT NULL, subject_id TEXT NOT NULL,"
    " role TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (address, initiative_id, subject_id))",
    "CREATE INDEX IF NOT EXISTS participatie_addresses_subject"
    " ON participatie_addresses (subject_id)",
)


def address_key(app: ParticipatieApp, email: str) -> str:
    """The keyed hash an address is indexed under (case and surrounding space do not matter)."""
    return app.vault.pseudonym("address:" + email.strip().lower())


SIGN_IN = "sign-in"  # token purpose of the sign-in link mailed to an address
SIGN_IN_HOURS = 24


def signin_mail_prefix(address: str) -> str:
    """What the key of every sign-in mail to an address starts with (erasure finds them)."""
    return f"signin-{address[:32]}-"


@dataclass(frozen=True)
class Entry:
    initiative_id: UUID
    subject_id: UUID
    role: str  # INITIATOR or SUPPORTER
    since: datetime


class AddressBook:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(
        self, address: str, initiative_id: UUID, subject_id: UUID, role: str, since: datetime
    ) -> None:
        """Index one confirmed address (a second time changes nothing)."""
        self.tables.change(
            "INSERT INTO participatie_addresses (address, initiative_id, subject_id, role, since)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (address, initiative_id, subject_id) DO NOTHING",
            (address, str(initiative_id), subject_id.hex, role, since.isoformat()),
        )

    def of(self, address: str) -> list[Entry]:
        """What belongs to `address`, newest first."""
        rows = self.tables.run(
            "SELECT initiative_id, subject_id, role, since FROM participatie_addresses"
            " WHERE address = ? ORDER BY since DESC, initiative_id",
            (address,),
        )
        return [
            Entry(UUID(i), UUID(hex=s), str(role), datetime.fromisoformat(str(since)))
            for i, s, role, since in rows
        ]

    def forget(self, subject_ids: Iterable[UUID]) -> int:
        """Delete the rows of erased people; on SQLite overwrite them and empty the log file."""
        deleted = sum(
            self.tables.change(
                "DELETE FROM participatie_addresses WHERE subject_id = ?", (subject_id.hex,)
            )
            for subject_id in subject_ids
        )
        if deleted and isinstance(self.tables, SQLiteTables):
            self.tables.run("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def count(self) -> int:
        ((found,),) = self.tables.run("SELECT COUNT(*) FROM participatie_addresses")
        return int(found)


def index_event(app: ParticipatieApp, book: AddressBook, event: Any) -> bool:
    """Index the address an event confirmed (EmailConfirmed, Supported); True when it did."""
    initiative_id = event.originator_id
    if isinstance(event, Initiative.EmailConfirmed):
        sealed = app.get_initiative(initiative_id).initiator
        role = INITIATOR
    elif isinstance(event, Initiative.Supported):
        sealed = event.supporter
        role = SUPPORTER
    else:
        return False
    opened = app.vault.open(sealed)  # None once erased
    email = (opened or {}).get("email")
    if not email:
        return False
    book.add(address_key(app, str(email)), initiative_id, sealed.subject_id, role, event.timestamp)
    return True


def rebuild(app: ParticipatieApp, book: AddressBook) -> int:
    """Index every confirmed address that can still be read; return the rows now there."""
    for initiative_id in app.initiative_ids():
        for event in app.events.get(initiative_id):
            index_event(app, book, event)
    return book.count()
