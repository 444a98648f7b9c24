"""The mail ledger (MailLog): one row per message key, so exactly one sender claims it and a message
that was sent is never sent again. It holds no recipient address and no content: only the key,
who it was for (an audience such as "initiator" or "team:<code>"), the trigger, state and a short
error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from participatie.infra.tables import Tables, tables_for
from participatie.notifications.transport import ERROR_LENGTH

STALE_SECONDS = 300  # a key "sending" for longer belongs to a sender that crashed
STATES = ("sending", "retry", "sent", "failed")

# -- the ledger ----------------------------------------------------------------------------------

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_mail_log ("
    "key TEXT PRIMARY KEY, audience TEXT NOT NULL, initiative_id TEXT, kind TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS participatie_mail_log_updated"
    " ON participatie_mail_log (updated_at)",
    "CREATE INDEX IF NOT EXISTS participatie_mail_log_state"
    " ON participatie_mail_log (state, updated_at)",
)
COLUMNS = "key, audience, initiative_id, kind, state, attempts, last_error, created_at, updated_at"


def open_mail_tables(settings: Any) -> Tables:
    """The ledger's tables, and beside them the index of confirmed addresses (addresses.py) and
    of who follows which area (followers.py)."""
    from participatie.notifications.addresses import SCHEMA as ADDRESSES
    from participatie.notifications.followers import SCHEMA as FOLLOWERS

    return tables_for(settings, "mail.sqlite", (*SCHEMA, *ADDRESSES, *FOLLOWERS))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """UTC, fixed width: these strings sort as the moments do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class MailEntry:
    key: str
    audience: str
    initiative_id: str | None
    kind: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class MailLog:
    """One row per key: who may send it now, and what became of it."""

    def __init__(
        self,
        tables: Tables,
        clock: Callable[[], datetime] = utcnow,
        stale_seconds: int = STALE_SECONDS,
    ) -> None:
        self.tables = tables
        self.clock = clock
        self.stale_seconds = stale_seconds  # a "sending" older than this: its sender died

    def claim(
        self,
        key: str,
        audience: str,
        kind: str,
        initiative_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """True for the one caller that may send `key` now.

        That is the first caller of a new key, or the caller that takes it back from "retry",
        "failed" or a "sending" older than `stale_seconds`. Each is one statement, so of two
        callers at the same moment (threads or processes) exactly one gets True.
        """
        now = now or self.clock()
        stamp = _stamp(now)
        inserted = self.tables.change(
            f"INSERT INTO participatie_mail_log ({COLUMNS})"
            " VALUES (?, ?, ?, ?, 'sending', 1, NULL, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, audience, initiative_id, kind, stamp, stamp),
        )
        if inserted == 1:
            return True
        taken = self.tables.change(
            "UPDATE participatie_mail_log SET state = 'sending', attempts = attempts + 1,"
            " updated_at = ? WHERE key = ?"
            " AND (state IN ('retry', 'failed') OR (state = 'sending' AND updated_at < ?))",
            (stamp, key, _stamp(now - timedelta(seconds=self.stale_seconds))),
        )
        return taken == 1

    def sent(self, key: str) -> None:
        self._set(key, "sent", None)

    def retry(self, key: str, error: str) -> None:
        self._set(key, "retry", error)

    def failed(self, key: str, error: str) -> None:
        self._set(key, "failed", error)

    def _set(self, key: str, state: str, error: str | None) -> None:
        self.tables.change(
            "UPDATE participatie_mail_log SET state = ?, last_error = ?, updated_at = ?"
            " WHERE key = ?",
            (state, None if error is None else error[:ERROR_LENGTH], _stamp(self.clock()), key),
        )

    def get(self, key: str) -> MailEntry | None:
        rows = self.tables.run(f"SELECT {COLUMNS} FROM participatie_mail_log WHERE key = ?", (key,))
        return _entry(rows[0]) if rows else None

    def entries(self, state: str | None = None, limit: int = 200) -> list[MailEntry]:
        """The most recently changed entries first, all or those in `state`."""
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = self.tables.run(
            f"SELECT {COLUMNS} FROM participatie_mail_log {where}"
            " ORDER BY updated_at DESC, key LIMIT ?",
            (*params, limit),
        )
        return [_entry(row) for row in rows]

    def keys_starting(self, prefix: str) -> list[tuple[str, datetime]]:
        """Every key that starts with `prefix`, with when it was first claimed."""
        rows = self.tables.run(
            "SELECT key, created_at FROM participatie_mail_log WHERE substr(key, 1, ?) = ?"
            " ORDER BY key",
            (len(prefix), prefix),
        )
        return [(str(key), datetime.fromisoformat(str(created))) for key, created in rows]

    def delete_starting(self, prefixes: list[str]) -> int:
        """Delete the entries whose key starts with one of `prefixes` (keys made from an
        address, at its owner's erasure); return how many."""
        return sum(
            self.tables.change(
                "DELETE FROM participatie_mail_log WHERE substr(key, 1, ?) = ?", (len(p), p)
            )
            for p in prefixes
        )

    def counts(self) -> dict[str, int]:
        """Entries per state (every state, 0 when none)."""
        found = dict.fromkeys(STATES, 0)
        for state, count in self.tables.run(
            "SELECT state, COUNT(*) FROM participatie_mail_log GROUP BY state"
        ):
            found[str(state)] = int(count)
        return found

    def close(self) -> None:
        self.tables.close()


def _entry(row: tuple[Any, ...]) -> MailEntry:
    key, audience, initiative_id, kind, state, attempts, error, created, updated = row
    return MailEntry(
        key=key,
        audience=audience,
        initiative_id=initiative_id,
        kind=kind,
        state=state,
        attempts=int(attempts),
        last_error=error,
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(updated),
    )
