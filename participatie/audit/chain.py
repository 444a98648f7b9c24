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
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eventsourcing.persistence import Notification

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
    seed = load_or_create_key("", settings.var_dir / "audit-signing.key", "audit signing key")
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
            if body.get("format") != FORMAT:
                raise ValueError("not a Participatie checkpoint")
            return cls(
                position=int(body["position"]),
                chain=str(body["chain"]),
                sealed=int(body["sealed"]),
                at=str(body["at"]),
                key=str(body["key"]),
                signature=str(body["signature"]),
            )
        except (KeyError, TypeError, ValueError) as error:
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


# -- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    ok: bool
    checked: int  # events whose chain value was compared with its seal
    unsealed: int  # events stored after the last seal (not covered yet)
    position: int | None = None  # the first bad position
    problem: str | None = None
    checkpoint: int | None = None  # the checkpoint position that was confirmed

    def text(self) -> str:
        if self.ok:
            covered = f", checkpoint at {self.checkpoint} confirmed" if self.checkpoint else ""
            return (
                f"OK: {self.checked} events match their seals{covered};"
                f" {self.unsealed} newer events not sealed yet"
            )
        return f"FAILED at position {self.position}: {self.problem}"


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


def verify(
    app: Any,
    tables: Tables,
    public: Ed25519PublicKey,
    checkpoint: Checkpoint | None = None,
) -> Report:
    """Recompute the chain over the stored events and compare it with the seals and a checkpoint.

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
    events = notifications_after(app, 0)
    seals = _seals(tables)
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
        unsealed += 1
        event = next(events, None)
    return Report(True, checked, unsealed, checkpoint=confirmed)


def read_checkpoint(path: Path) -> Checkpoint:
    return Checkpoint.from_json(path.read_text(encoding="utf-8"))
