"""Where the photos of initiatives are kept: beside the event log in the same database
(PostgreSQL: a table of the event store's schema, so more machines need no file store; SQLite:
var/photos.sqlite), each photo and its thumbnail sealed under the initiator's key.

The log records which photos came (domain.values.PhotoRef, with the checksum of what is stored
here); the bytes stay out of it, so loading an initiative never decodes a photo. Rows are written
before the events that name them: a crash in between leaves rows no event names, which
`forget_orphans` deletes once they are an hour old (the daily retention run calls it). Erasure
deletes an initiative's rows (and the key makes any copy unreadable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from participatie.infra.tables import SQLiteTables, Tables, tables_for

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS participatie_photos ("
    "initiative_id TEXT NOT NULL, position INTEGER NOT NULL, mime TEXT NOT NULL,"
    " photo BLOB NOT NULL, thumbnail BLOB NOT NULL, stored_at TEXT NOT NULL,"
    " PRIMARY KEY (initiative_id, position))",
]
POSTGRES_SCHEMA = [SCHEMA[0].replace("BLOB", "BYTEA")]


@dataclass(frozen=True)
class StoredPhoto:
    position: int
    mime: str
    photo: bytes  # sealed
    thumbnail: bytes  # sealed

    @property
    def digest(self) -> str:
        return digest_of(self.photo)


def digest_of(sealed: bytes) -> str:
    return hashlib.sha256(sealed).hexdigest()


class PhotoStore:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def put(self, initiative_id: UUID, photos: list[StoredPhoto], at: datetime) -> None:
        """Keep the sealed photos of one initiative (before its events are saved)."""
        if photos:
            self.tables.many(
                "INSERT INTO participatie_photos (initiative_id, position, mime, photo,"
                " thumbnail, stored_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (str(initiative_id), p.position, p.mime, p.photo, p.thumbnail, at.isoformat())
                    for p in photos
                ],
            )

    def get(self, initiative_id: UUID, position: int) -> StoredPhoto | None:
        rows = self.tables.run(
            "SELECT position, mime, photo, thumbnail FROM participatie_photos"
            " WHERE initiative_id = ? AND position = ?",
            (str(initiative_id), position),
        )
        if not rows:
            return None
        found, mime, photo, thumbnail = rows[0]
        return StoredPhoto(int(found), str(mime), bytes(photo), bytes(thumbnail))

    def forget(self, initiative_id: UUID) -> int:
        """Delete an initiative's photos; on SQLite overwrite them and empty the write-ahead log."""
        deleted = self.tables.change(
            "DELETE FROM participatie_photos WHERE initiative_id = ?", (str(initiative_id),)
        )
        if isinstance(self.tables, SQLiteTables):
            self.tables.run("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def forget_orphans(self, known: Callable[[str], bool], before: datetime) -> int:
        """Delete the photos stored before `before` of initiatives `known` says do not exist
        (their events were never saved); return how many initiatives lost their photos."""
        rows = self.tables.run(
            "SELECT DISTINCT initiative_id FROM participatie_photos WHERE stored_at < ?",
            (before.isoformat(),),
        )
        orphans = [str(r[0]) for r in rows if not known(str(r[0]))]
        for initiative_id in orphans:
            self.forget(UUID(initiative_id))
        return len(orphans)

    def initiatives(self) -> set[str]:
        """The ids of the initiatives that have photos here."""
        rows = self.tables.run("SELECT DISTINCT initiative_id FROM participatie_photos")
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        self.tables.close()


def open_photo_store(settings: object) -> PhotoStore:
    uses_postgres = bool(getattr(settings, "uses_postgres", False))
    return PhotoStore(
        tables_for(settings, "photos.sqlite", POSTGRES_SCHEMA if uses_postgres else SCHEMA)
    )
