"""Tamper evidence for the event log: a hash chain over every stored event, kept current by a
sealer, with Ed25519-signed checkpoints.

    leaf_i  = SHA-256(0x00 ‖ canonical bytes of stored event i)
    c_i     = SHA-256(0x01 ‖ c_(i-1) ‖ leaf_i),   c_0 = 32 zero bytes

The canonical bytes are the stored record exactly as the database holds it: notification id,
originator id, version, topic and state (the JSON with the personal-data ciphertext), each
length-prefixed. The seals table keeps c_i per position, so `verify` names the first position
where the log and the seals part ways; a checkpoint signed with the platform's audit key (kept
under var/, public key exportable) protects the seals themselves: whoever rewrites events and
seals together still cannot produce a checkpoint that verifies.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eventsourcing.persistence import Notification

from participatie.audit.snapshots import check_snapshots
from participatie.infra.secrets_store import load_or_create_key
from participatie.infra.tables import Tables, tables_for

GENESIS = bytes(32)
FORMAT = "participatie-checkpoint/1"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_audit_seals ("
    "position BIGINT PRIMARY KEY, chain TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS participatie_audit_checkpoints ("
    "position BIGINT PRIMARY KEY, document TEXT NOT NULL)",
)
BATCH = 5000


def canonical(notification: Notification) -> bytes:
    """The stored record as bytes, every field length-prefixed (no two records share them)."""
    topic = notification.topic.encode("utf-8")
    state = bytes(notification.state)
    return b"".join(
        (
            int(notification.id).to_bytes(8, "big"),
            UUID(str(notification.originator_id)).bytes,
            int(notification.originator_version).to_bytes(8, "big", signed=True),
            len(topic).to_bytes(4, "big"),
            topic,
            len(state).to_bytes(8, "big"),
            state,
        )
    )


def leaf(notification: Notification) -> bytes:
    return hashlib.sha256(b"\x00" + canonical(notification)).digest()


def link(previous: bytes, leaf_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + previous + leaf_hash).digest()


def open_audit_tables(settings: Any) -> Tables:
    return tables_for(settings, "audit.sqlite", SCHEMA)


def signing_key(settings: Any) -> Ed25519PrivateKey:
    """The platform's audit key (an Ed25519 seed generated under var/ on first use)."""
    seed = load_or_create_key(
        settings.audit_signing_key,
        settings.var_dir / "audit-signing.key",
        "PARTICIPATIE_AUDIT_SIGNING_KEY",
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_from(text: str) -> Ed25519PublicKey:
    """Read a public key as exported by `participatie audit public-key` (base64 of 32 bytes)."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip()))


# -- checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    position: int
    chain: str  # hex
    sealed: int  # events sealed up to and including position
    at: str
    key: str  # base64 of the public key that signed it (informative: trust your own copy)
    signature: str

    def signed_part(self) -> bytes:
        body = {
            "format": FORMAT,
            "position": self.position,
            "chain": self.chain,
            "sealed": self.sealed,
            "at": self.at,
            "key": self.key,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        body = json.loads(self.signed_part())
        body["signature"] = self.signature
        return json.dumps(body, sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            body = json.loads(text)
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise ValueError("not a Participatie checkpoint")
            return cls(
                position=int(body["position"]),
                chain=str(body["chain"]),
                sealed=int(body["sealed"]),
                at=str(body["at"]),
                key=str(body["key"]),
                signature=str(body["signature"]),
            )
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise CheckpointInvalid(f"unreadable checkpoint: {error}") from None

    def is_signed_by(self, public: Ed25519PublicKey) -> bool:
        try:
            public.verify(base64.b64decode(self.signature), self.signed_part())
        except (InvalidSignature, ValueError):
            return False
        return True


class CheckpointInvalid(ValueError):
    """A checkpoint that cannot be read or whose signature does not verify."""


def make_checkpoint(
    key: Ed25519PrivateKey, position: int, chain: bytes, sealed: int, at: datetime
) -> Checkpoint:
    unsigned = Checkpoint(
        position=position,
        chain=chain.hex(),
        sealed=sealed,
        at=at.astimezone(UTC).isoformat(),
        key=base64.b64encode(public_key_bytes(key)).decode(),
        signature="",
    )
    signature = base64.b64encode(key.sign(unsigned.signed_part())).decode()
    return Checkpoint(**{**unsigned.__dict__, "signature": signature})


# -- the sealer ----------------------------------------------------------------------------------


def notifications_after(app: Any, position: int, batch: int = BATCH) -> Iterator[Notification]:
    """Every stored event after `position`, in log order, read in batches."""
    start = position + 1
    while True:
        found = app.recorder.select_notifications(start, batch)
        yield from found
        if len(found) < batch:
            return
        start = found[-1].id + 1


class Sealer:
    """Extends the chain over new events and writes a signed checkpoint every so often."""

    def __init__(
        self,
        app: Any,
        tables: Tables,
        key: Ed25519PrivateKey,
        *,
        every_events: int = 1000,
        every_seconds: float = 300.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = app
        self.tables = tables
        self.key = key
        self.every_events = every_events
        self.every_seconds = every_seconds
        self.clock = clock or (lambda: datetime.now(tz=UTC))

    def head(self) -> tuple[int, bytes, int]:
        """(last sealed position, its chain value, number of seals)."""
        rows = self.tables.run(
            "SELECT position, chain FROM participatie_audit_seals ORDER BY position DESC LIMIT 1"
        )
        if not rows:
            return 0, GENESIS, 0
        (count,) = self.tables.run("SELECT COUNT(*) FROM participatie_audit_seals")[0]
        return int(rows[0][0]), bytes.fromhex(rows[0][1]), int(count)

    def last_checkpoint(self) -> Checkpoint | None:
        rows = self.tables.run(
            "SELECT document FROM participatie_audit_checkpoints ORDER BY position DESC LIMIT 1"
        )
        return Checkpoint.from_json(rows[0][0]) if rows else None

    def checkpoints(self) -> list[Checkpoint]:
        rows = self.tables.run(
            "SELECT document FROM participatie_audit_checkpoints ORDER BY position"
        )
        return [Checkpoint.from_json(r[0]) for r in rows]

    def seal(self, limit: int | None = None) -> int:
        """Seal the events stored since the last run (at most `limit`); return how many."""
        position, chain, count = self.head()
        sealed = 0
        rows: list[tuple[int, str]] = []
        for notification in notifications_after(self.app, position):
            chain = link(chain, leaf(notification))
            rows.append((int(notification.id), chain.hex()))
            sealed += 1
            if len(rows) >= BATCH:
                self._write(rows)
                rows = []
            if limit is not None and sealed >= limit:
                break
        if rows:
            self._write(rows)
        if sealed:
            self._maybe_checkpoint(count + sealed)
        return sealed

    def _write(self, rows: list[tuple[int, str]]) -> None:
        self.tables.many(
            "INSERT INTO participatie_audit_seals (position, chain) VALUES (?, ?)"
            " ON CONFLICT (position) DO NOTHING",
            rows,
        )

    def _maybe_checkpoint(self, count: int) -> None:
        last = self.last_checkpoint()
        if last is not None:
            age = (self.clock() - datetime.fromisoformat(last.at)).total_seconds()
            if count - last.sealed < self.every_events and age < self.every_seconds:
                return
        self.checkpoint()

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current head and keep the checkpoint; None when nothing is sealed yet."""
        position, chain, count = self.head()
        if count == 0:
            return None
        made = make_checkpoint(self.key, position, chain, count, self.clock())
        self.tables.change(
            "INSERT INTO participatie_audit_checkpoints (position, document) VALUES (?, ?)"
            " ON CONFLICT (position) DO NOTHING",
            (position, made.to_json()),
        )
        return made


# -- what the application may use ----------------------------------------------------------------


class SealedGaps:
    """Which notification ids the sealer passed without finding a row there (the sealed log's
    gaps: on PostgreSQL a failed insert leaves one). A row stored there later was never sealed:
    the application does not use it (infra/recorders.py asks this). The gaps are derived from
    the seals, which the chain protects, and kept in memory; they are read again only when a
    row beyond the last seal known here is about to be used (one query, and only while the
    sealer has not caught up with that row)."""

    def __init__(self, tables: Callable[[], Tables]) -> None:
        self.tables = tables
        self.head = 0  # the last sealed position known here
        self.starts: list[int] = []  # gap i is starts[i] .. ends[i], both included
        self.ends: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, ids: Sequence[int]) -> set[int]:
        if max(ids) > self.head:
            self._refresh()
        return {i for i in ids if i <= self.head and self._in_gap(i)}

    def _in_gap(self, position: int) -> bool:
        at = bisect.bisect_right(self.starts, position) - 1
        return at >= 0 and position <= self.ends[at]

    def _refresh(self) -> None:
        with self._lock:
            tables = self.tables()
            (newest,) = tables.run("SELECT MAX(position) FROM participatie_audit_seals")[0]
            if newest is None or int(newest) <= self.head:
                return
            found = tables.run(
                "SELECT prev + 1, position - 1 FROM (SELECT position,"
                " LAG(position, 1, CAST(? AS BIGINT)) OVER (ORDER BY position) AS prev"
                " FROM participatie_audit_seals WHERE position > ? AND position <= ?) AS s"
                " WHERE position > prev + 1 ORDER BY position",
                (self.head, self.head, int(newest)),
            )
            for start, end in found:
                self.starts.append(int(start))
                self.ends.append(int(end))
            self.head = int(newest)


# -- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    ok: bool
    checked: int  # events whose chain value was compared with its seal
    unsealed: int  # events stored after the last seal (not covered yet)
    position: int | None = None  # the first bad position
    problem: str | None = None
    checkpoint: int | None = None  # the checkpoint position that was confirmed
    snapshots: int = 0  # snapshots whose state was rebuilt from the events and matched
    subject: str | None = None  # what is bad when it has no position (a snapshot, the table)

    def text(self) -> str:
        if self.ok:
            covered = f", checkpoint at {self.checkpoint} confirmed" if self.checkpoint else ""
            return (
                f"OK: {self.checked} events match their seals{covered};"
                f" {self.snapshots} snapshots match the events they summarise;"
                f" {self.unsealed} newer events not sealed yet"
            )
        where = self.subject if self.subject is not None else f"position {self.position}"
        return f"FAILED at {where}: {self.problem}"


def _seals(tables: Tables) -> Iterator[tuple[int, str]]:
    position = 0
    while True:
        rows = tables.run(
            "SELECT position, chain FROM participatie_audit_seals WHERE position > ?"
            " ORDER BY position LIMIT ?",
            (position, BATCH),
        )
        for row in rows:
            yield int(row[0]), str(row[1])
        if len(rows) < BATCH:
            return
        position = int(rows[-1][0])


class _Versions:
    """Each aggregate's versions follow one another in log order (1, 2, 3 ...), as the
    application writes them. An unsealed row out of that order was not written by it; sealed
    rows are vouched for by the chain and the checkpoint, and only tell where each aggregate
    stands."""

    def __init__(self) -> None:
        self.last: dict[UUID, int] = {}

    def problem(self, event: Notification) -> str | None:
        originator = UUID(str(event.originator_id))
        previous = self.last.get(originator, 0)
        self.last[originator] = max(previous, int(event.originator_version))
        if int(event.originator_version) == previous + 1:
            return None
        return (
            f"version {event.originator_version} of {originator} follows version {previous}"
            " in the log (not written by the application: forged or moved)"
        )


def verify(
    app: Any,
    tables: Tables,
    public: Ed25519PublicKey,
    checkpoint: Checkpoint | None = None,
) -> Report:
    """Account for every stored event row and snapshot: recompute the chain over the numbered
    log and compare it with the seals and a checkpoint, refuse rows outside the numbered log or
    out of their aggregate's order, and rebuild each snapshot's state from the events.

    Without `checkpoint` the latest stored one is used (its signature checked too). A checkpoint
    whose signature does not verify with `public` raises CheckpointInvalid.
    """
    if checkpoint is None:
        rows = tables.run(
            "SELECT document FROM participatie_audit_checkpoints ORDER BY position DESC LIMIT 1"
        )
        checkpoint = Checkpoint.from_json(rows[0][0]) if rows else None
    if checkpoint is not None and not checkpoint.is_signed_by(public):
        raise CheckpointInvalid("the checkpoint's signature does not verify with this public key")
    outside = app.recorder.select_notifications(None, 1, stop=0)
    if outside:
        return Report(
            False,
            0,
            0,
            int(outside[0].id),
            "event stored outside the numbered log (notification id 0 or below): the chain"
            " never covers it",
        )
    events = notifications_after(app, 0)
    seals = _seals(tables)
    versions = _Versions()
    chain = GENESIS
    checked = 0
    last_position = 0
    confirmed: int | None = None
    event = next(events, None)
    seal = next(seals, None)

    def failed(position: int, problem: str) -> Report:
        return Report(False, checked, 0, position, problem)

    while seal is not None:
        if event is None:
            return failed(seal[0], "event missing (deleted, or the log was truncated)")
        if event.id < seal[0]:
            return failed(int(event.id), "event not in the sealed log (inserted)")
        if event.id > seal[0]:
            return failed(seal[0], "event missing (deleted)")
        chain = link(chain, leaf(event))
        if chain.hex() != seal[1]:
            return failed(int(event.id), "event differs from the sealed one (changed or moved)")
        versions.problem(event)  # sealed: the chain and the checkpoint vouch for it
        checked += 1
        last_position = int(event.id)
        if checkpoint is not None and last_position == checkpoint.position:
            if chain.hex() != checkpoint.chain:
                return failed(
                    last_position,
                    "the chain does not match the signed checkpoint (events and seals"
                    " were rewritten at or before this position)",
                )
            confirmed = last_position
        event = next(events, None)
        seal = next(seals, None)
    if checkpoint is not None and confirmed is None:
        return failed(
            last_position + 1,
            f"the log ends before the signed checkpoint at position {checkpoint.position}"
            " (truncated)",
        )
    unsealed = 0
    while event is not None:
        if (out_of_order := versions.problem(event)) is not None:
            return failed(int(event.id), out_of_order + "; not sealed yet")
        unsealed += 1
        event = next(events, None)
    stored = app.recorder.count_rows()
    if stored != checked + unsealed:
        return Report(
            False,
            checked,
            unsealed,
            problem=f"the events table holds {stored} rows, the numbered log"
            f" {checked + unsealed}: rows outside the log",
            subject="the events table",
        )
    snapshots, subject, problem = check_snapshots(app)
    if problem is not None:
        return Report(False, checked, unsealed, None, problem, confirmed, snapshots, subject)
    return Report(True, checked, unsealed, checkpoint=confirmed, snapshots=snapshots)


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointInvalid(f"unreadable checkpoint: not UTF-8 ({error.reason})") from None
    return Checkpoint.from_json(text)
