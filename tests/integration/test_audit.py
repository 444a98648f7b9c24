"""The audit hash chain against real tampering, on SQLite and PostgreSQL.

Each kind of tampering (byte flip, delete, insert, swap, truncate) is done straight in the
database, 50 times at random positions; `verify` must fail and name the exact position each time,
and pass again once the log is restored. Forged checkpoints are rejected.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from participatie.audit.chain import (
    Checkpoint,
    CheckpointInvalid,
    canonical,
    make_checkpoint,
    signing_key,
    verify,
)
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.domain.values import Actor, TeamKind

TRIALS = 50
# Each tampering trial verifies the whole demo log again: 20 of each of the five kinds, at
# random positions, name every position they must (50 took 45 s on PostgreSQL for no more).
TAMPER_TRIALS = 20
ACTOR = Actor.system("test")
Row = tuple[int, str, int, str, bytes]


class RawLog:
    """Direct access to the stored events table, as an intruder with database access has."""

    def __init__(self, settings: Settings) -> None:
        self.postgres = settings.uses_postgres
        if self.postgres:
            import psycopg

            self.db: Any = psycopg.connect(settings.postgres_dsn(), autocommit=True)
            self.table, self.key = "participatie_events", "notification_id"
        else:
            self.db = sqlite3.connect(settings.event_store_path, isolation_level=None)
            self.table, self.key = "stored_events", "rowid"

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        text = statement.replace("?", "%s") if self.postgres else statement
        cursor = self.db.execute(text, params)
        try:
            return [tuple(r) for r in cursor.fetchall()]
        except Exception:  # statements without rows
            return []

    def rows(self) -> list[Row]:
        found = self.sql(
            f"SELECT {self.key}, originator_id, originator_version, topic, state"
            f" FROM {self.table} ORDER BY {self.key}"
        )
        return [(int(r[0]), str(r[1]), int(r[2]), str(r[3]), bytes(r[4])) for r in found]

    def put(self, row: Row) -> None:
        self.sql(
            f"INSERT INTO {self.table} ({self.key}, originator_id, originator_version, topic,"
            " state) VALUES (?, ?, ?, ?, ?)",
            row,
        )

    def set_state(self, position: int, state: bytes) -> None:
        self.sql(f"UPDATE {self.table} SET state = ? WHERE {self.key} = ?", (state, position))

    def delete_from(self, position: int, until: int | None = None) -> None:
        if until is None:
            self.sql(f"DELETE FROM {self.table} WHERE {self.key} >= ?", (position,))
        else:
            self.sql(
                f"DELETE FROM {self.table} WHERE {self.key} >= ? AND {self.key} <= ?",
                (position, until),
            )

    def move(self, old: int, new: int) -> None:
        self.sql(f"UPDATE {self.table} SET {self.key} = ? WHERE {self.key} = ?", (new, old))

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def sealed(settings: Settings) -> Iterator[tuple[Container, RawLog]]:
    container = build(settings)
    load_demo(container.app)
    sealer = container.sealer()
    assert sealer.seal() > 200
    assert sealer.checkpoint() is not None
    raw = RawLog(settings)
    try:
        yield container, raw
    finally:
        raw.close()
        container.close()


def check(container: Container) -> Any:
    return verify(
        container.app, container.audit_tables, signing_key(container.settings).public_key()
    )


def test_an_untouched_log_verifies_and_new_events_are_reported_unsealed(
    sealed: tuple[Container, RawLog],
) -> None:
    container, raw = sealed
    report = check(container)
    assert report.ok and report.checked == len(raw.rows()) and report.unsealed == 0
    container.app.register_team("nieuw-team", "Nieuw team", TeamKind.LINE, [], None, ACTOR)
    later = check(container)
    assert later.ok and later.unsealed == 2  # the team and the directory
    assert container.sealer().seal() == 2
    assert check(container).checked == report.checked + 2


def test_leaves_cover_every_stored_byte(sealed: tuple[Container, RawLog]) -> None:
    container, _ = sealed
    (first,) = container.app.recorder.select_notifications(1, 1)
    data = canonical(first)
    assert bytes(first.state) in data and first.topic.encode() in data
    assert first.originator_id.bytes in data


def run_trials(container: Container, raw: RawLog, tamper: Any, kind: str, seed: int) -> list[str]:
    """Tamper TAMPER_TRIALS times; return a line per trial where verify did not name the
    position."""
    rng = random.Random(seed)
    original = raw.rows()
    positions = [r[0] for r in original]
    misses = []
    for trial in range(TAMPER_TRIALS):
        expected = tamper(rng, positions, original)
        report = check(container)
        if report.ok or report.position != expected:
            misses.append(f"{kind} #{trial}: expected {expected}, got {report.text()}")
        # Every kind changes only positions >= expected: put those back exactly as they were.
        raw.delete_from(expected)
        for row in original:
            if row[0] >= expected:
                raw.put(row)
        assert raw.rows() == original
    assert check(container).ok
    return misses


def test_every_kind_of_tampering_is_found_at_its_position(
    sealed: tuple[Container, RawLog],
) -> None:
    container, raw = sealed
    by_position = {r[0]: r for r in raw.rows()}

    def flip(rng: random.Random, positions: list[int], rows: list[Row]) -> int:
        p = rng.choice(positions)
        state = bytearray(by_position[p][4])
        at = rng.randrange(len(state))
        state[at] ^= 1 << rng.randrange(8)
        raw.set_state(p, bytes(state))
        return p

    def delete(rng: random.Random, positions: list[int], rows: list[Row]) -> int:
        p = rng.choice(positions)
        raw.delete_from(p, p)
        return p

    def insert(rng: random.Random, positions: list[int], rows: list[Row]) -> int:
        p = rng.choice(positions)
        for q in reversed([q for q in positions if q >= p]):
            raw.move(q, q + 1)
        forged = (p, str(uuid4()), 1, by_position[p][3], b'{"forged":true}')
        raw.put(forged)
        return p

    def swap(rng: random.Random, positions: list[int], rows: list[Row]) -> int:
        i = rng.randrange(len(positions) - 1)
        p, q = positions[i], positions[i + 1]
        raw.delete_from(p, q)
        a, b = by_position[p], by_position[q]
        raw.put((p, *b[1:]))
        raw.put((q, *a[1:]))
        return p

    def truncate(rng: random.Random, positions: list[int], rows: list[Row]) -> int:
        p = rng.choice(positions)
        raw.delete_from(p)
        return p

    misses = []
    for seed, (kind, tamper) in enumerate(
        {
            "flip": flip,
            "delete": delete,
            "insert": insert,
            "swap": swap,
            "truncate": truncate,
        }.items()
    ):
        misses += run_trials(container, raw, tamper, kind, seed)
    assert misses == []


def test_forged_checkpoints_are_rejected(sealed: tuple[Container, RawLog], tmp_path: Any) -> None:
    container, _ = sealed
    real = container.sealer().last_checkpoint()
    assert real is not None
    public = signing_key(container.settings).public_key()
    rng = random.Random(7)
    for _ in range(TRIALS):
        body = json.loads(real.to_json())
        field = rng.choice(["position", "chain", "sealed", "at", "signature", "key"])
        if field == "position":
            body["position"] = body["position"] - rng.randint(1, 50)
        elif field == "chain" or field == "signature":
            raw_bytes = bytearray(
                bytes.fromhex(body["chain"])
                if field == "chain"
                else base64.b64decode(body["signature"])
            )
            raw_bytes[rng.randrange(len(raw_bytes))] ^= 1
            body[field] = (
                raw_bytes.hex() if field == "chain" else base64.b64encode(raw_bytes).decode()
            )
        elif field == "sealed":
            body["sealed"] += 1
        elif field == "at":
            body["at"] = "2020-01-01T00:00:00+00:00"
        else:  # a checkpoint signed by someone else's key
            other = make_checkpoint(
                Ed25519PrivateKey.generate(),
                real.position,
                bytes.fromhex(real.chain),
                real.sealed,
                datetime.now(tz=UTC),
            )
            body = json.loads(other.to_json())
        forged = Checkpoint.from_json(json.dumps(body))
        with pytest.raises(CheckpointInvalid):
            verify(container.app, container.audit_tables, public, forged)
    assert verify(container.app, container.audit_tables, public, real).ok


def test_rewriting_events_and_seals_together_is_caught_by_a_kept_checkpoint(
    sealed: tuple[Container, RawLog],
) -> None:
    container, raw = sealed
    kept = container.sealer().last_checkpoint()
    assert kept is not None
    rows = raw.rows()
    p = rows[len(rows) // 2][0]
    raw.set_state(p, rows[len(rows) // 2][4].replace(b'"', b"'", 1))
    # The intruder also rewrites the seals from p on, so they match the altered log ...
    container.audit_tables.change("DELETE FROM participatie_audit_seals WHERE position >= ?", (p,))
    container.audit_tables.change("DELETE FROM participatie_audit_checkpoints")
    container.sealer().seal()
    assert check(container).ok  # without a kept checkpoint the rewrite looks consistent ...
    # ... but the checkpoint kept outside the system exposes it.
    report = verify(
        container.app,
        container.audit_tables,
        signing_key(container.settings).public_key(),
        kept,
    )
    assert not report.ok and report.position == kept.position
    assert "checkpoint" in (report.problem or "")
