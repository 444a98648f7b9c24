"""Who follows which area (domain/follow.py), to find them when something happens there.

One row per follow, beside the mail ledger: its id, the area, the keyed hash of the address
(`addresses.address_key`: erasing a person finds their follows by it) and whether it was
confirmed. No address is kept here: the mail job opens the sealed one from the follow's events.
The rows are written by the mail job of each follow event (`sync`), so a crash cannot lose one:
the relay enqueues that job again until it ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from participatie.domain.follow import CONFIRMED, STOPPED, AreaFollow
from participatie.infra.tables import SQLiteTables, Tables

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_followers ("
    "follow_id TEXT PRIMARY KEY, area_code TEXT NOT NULL, address TEXT NOT NULL,"
    " confirmed INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS participatie_followers_area"
    " ON participatie_followers (area_code, confirmed)",
    "CREATE INDEX IF NOT EXISTS participatie_followers_address ON participatie_followers (address)",
)
FOLLOW_PREFIX = "follow-"
FOLLOW_LINK = "follow"  # token purpose of the confirmation link
FOLLOW_LINK_DAYS = 7
UNFOLLOW = "unfollow"  # token purpose of the link in every mail that stops it
UNFOLLOW_DAYS = 365


def follow_mail_prefix(follow_id: UUID) -> str:
    """What the key of every mail to a follower starts with (stopping removes them)."""
    return f"{FOLLOW_PREFIX}{follow_id}-"


class FollowerBook:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def sync(self, app: ParticipatieApp, follow_id: UUID) -> None:
        """Bring the follow's row in line with its events (again: no change)."""
        from participatie.notifications.addresses import address_key

        follow: AreaFollow = app.get_follow(follow_id)
        email = (app.vault.open(follow.follower) or {}).get("email")
        if follow.state == STOPPED or not email:
            self.forget([follow_id])
            return
        self.tables.change(
            "INSERT INTO participatie_followers (follow_id, area_code, address, confirmed)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (follow_id) DO UPDATE SET"
            " address = excluded.address, confirmed = excluded.confirmed",
            (
                str(follow_id),
                follow.area_code,
                address_key(app, str(email)),
                1 if follow.state == CONFIRMED else 0,
            ),
        )

    def confirmed_in(self, area_codes: list[str]) -> list[UUID]:
        """The confirmed follows of any of these areas."""
        if not area_codes:
            return []
        marks = ", ".join("?" for _ in area_codes)
        rows = self.tables.run(
            f"SELECT follow_id FROM participatie_followers WHERE area_code IN ({marks})"
            " AND confirmed = 1 ORDER BY follow_id",
            tuple(area_codes),
        )
        return [UUID(str(r[0])) for r in rows]

    def of_address(self, address: str) -> list[UUID]:
        rows = self.tables.run(
            "SELECT follow_id FROM participatie_followers WHERE address = ?", (address,)
        )
        return [UUID(str(r[0])) for r in rows]

    def forget(self, follow_ids: list[UUID]) -> int:
        deleted = sum(
            self.tables.change(
                "DELETE FROM participatie_followers WHERE follow_id = ?", (str(follow_id),)
            )
            for follow_id in follow_ids
        )
        if deleted and isinstance(self.tables, SQLiteTables):
            self.tables.run("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def count(self) -> int:
        ((found,),) = self.tables.run("SELECT COUNT(*) FROM participatie_followers")
        return int(found)


def rebuild(app: ParticipatieApp, book: FollowerBook) -> int:
    """Bring every follow's row in line with its events; return the rows now there."""
    from participatie.domain.follow import AreaFollow

    for n in app.notifications(AreaFollow.Requested):
        book.sync(app, UUID(str(n.originator_id)))
    return book.count()


def stop_following(container: Any, follow_id: UUID, reason: str) -> bool:
    """Stop a follow and erase everything of its address: the key, the row, the mail copies.
    True when it stopped just now (a second time only finishes what a crash left)."""
    stopped = bool(container.app.stop_follow(follow_id, reason))
    container.followers.forget([follow_id])
    prefix = follow_mail_prefix(follow_id)
    container.mailer.forget([prefix])
    container.mailer.log.delete_starting([prefix])
    return stopped
