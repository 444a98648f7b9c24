"""Oracles for the audit hash chain, written from its documented format, not from its code.

The leaf is SHA-256(0x00 ‖ record), the record being the notification id (8 bytes), the
originator id (16), the version (8, signed), the topic (4-byte length, UTF-8) and the state
(8-byte length, bytes), all big-endian; c_i = SHA-256(0x01 ‖ c_(i-1) ‖ leaf_i), c_0 = 32 zero
bytes. On top: tampering with each stored column, truncation below a kept checkpoint, and when
the sealer signs checkpoints, with hand-computed expectations. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import Notification

from participatie.application.schemas import SubmissionSchema
from participatie.audit.chain import (
    GENESIS,
    Report,
    Sealer,
    canonical,
    leaf,
    link,
    read_checkpoint,
    signing_key,
    verify,
)
from participatie.bootstrap import Container
from participatie.cli import main
from tests.conftest import submission
from tests.integration.test_audit import RawLog, Row

COLUMNS = ("notification_id", "originator_id", "originator_version", "topic", "state")
KNOWN = Notification(
    id=7,
    originator_id=UUID("00112233-4455-6677-8899-aabbccddeeff"),
    originator_version=3,
    topic="m:E",
    state=b'{"a":1}',
)
# The record of KNOWN, byte by byte as documented.
KNOWN_RECORD = (
    bytes.fromhex("0000000000000007")  # notification id
    + bytes.fromhex("00112233445566778899aabbccddeeff")  # originator id
    + bytes.fromhex("0000000000000003")  # originator version
    + bytes.fromhex("00000003")  # topic length
    + b"m:E"
    + bytes.fromhex("0000000000000007")  # state length
    + b'{"a":1}'
)
KNOWN_LEAF = "f59fa9b20e81146df4234ccfb78608a1b9fee53b96f60b605234c61c5985011e"


def hand_leaf(
    position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The documented leaf, written with struct rather than the product's code."""
    text = topic.encode("utf-8")
    record = (
        struct.pack(">Q16sqI", position, UUID(str(originator_id)).bytes, version, len(text))
        + text
        + struct.pack(">Q", len(state))
        + state
    )
    return hashlib.sha256(b"\x00" + record).digest()


def hand_chain(rows: list[Row]) -> list[str]:
    """c_1 .. c_n over raw table rows, as hex."""
    chain, found = bytes(32), []
    for position, originator_id, version, topic, state in rows:
        record = hand_leaf(position, originator_id, version, topic, state)
        chain = hashlib.sha256(b"\x01" + chain + record).digest()
        found.append(chain.hex())
    return found


# -- the leaf ------------------------------------------------------------------------------------


def test_the_leaf_of_a_known_record_is_the_documented_byte_layout_hashed() -> None:
    """Known answer: canonical bytes, leaf and first link of a hand-made notification."""
    assert canonical(KNOWN) == KNOWN_RECORD
    assert hashlib.sha256(b"\x00" + KNOWN_RECORD).hexdigest() == KNOWN_LEAF
    assert leaf(KNOWN).hex() == KNOWN_LEAF
    assert hand_leaf(7, KNOWN.originator_id, 3, "m:E", b'{"a":1}').hex() == KNOWN_LEAF
    assert bytes(32) == GENESIS
    expected_link = hashlib.sha256(b"\x01" + bytes(32) + bytes.fromhex(KNOWN_LEAF)).digest()
    assert link(GENESIS, leaf(KNOWN)) == expected_link


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 8),
        ("originator_id", UUID("00112233-4455-6677-8899-aabbccddeef0")),
        ("originator_version", 4),
        ("originator_version", -3),
        ("topic", "m:F"),
        ("state", b'{"a":2}'),
    ],
)
def test_changing_any_single_field_of_a_record_changes_its_leaf(field: str, value: Any) -> None:
    """Each of the five stored fields is covered by the leaf."""
    changed = dataclasses.replace(KNOWN, **{field: value})
    assert canonical(changed) != KNOWN_RECORD
    assert leaf(changed).hex() != KNOWN_LEAF
    assert leaf(changed) == hand_leaf(
        changed.id,
        changed.originator_id,
        changed.originator_version,
        changed.topic,
        changed.state,
    )


def test_moving_bytes_between_topic_and_state_changes_the_leaf() -> None:
    """The length prefixes keep field boundaries apart."""
    moved = dataclasses.replace(KNOWN, topic="m:E{", state=b'"a":1}')
    assert canonical(moved)[24:] != KNOWN_RECORD[24:]
    assert leaf(moved).hex() != KNOWN_LEAF


# -- a small sealed log --------------------------------------------------------------------------


class Columns(RawLog):
    """The raw events table with one stored column at a time to tamper with."""

    def column(self, name: str) -> str:
        return self.key if name == "notification_id" else name

    def set(self, position: int, name: str, value: Any) -> None:
        self.sql(
            f"UPDATE {self.table} SET {self.column(name)} = ? WHERE {self.key} = ?",
            (value, position),
        )

    def restore(self, rows: list[Row], since: int) -> None:
        """Put rows back as they were from `since` on (the tampered one included)."""
        self.delete_from(since)
        for row in rows:
            if row[0] >= since:
                self.put(row)


def submit_some(container: Container, count: int) -> None:
    schema = SubmissionSchema(container.app.area_index())
    for n in range(count):
        person = {"kind": "resident", "name": f"Persoon {n}", "email": f"p{n}@example.org"}
        container.app.submit(schema.load_submission(submission(initiator=person)))


@pytest.fixture
def raw(container: Container) -> Iterator[Columns]:
    submit_some(container, 3)  # the map (2 events) and 3 submissions (2 each): 8 events
    found = Columns(container.settings)
    try:
        assert [r[0] for r in found.rows()] == list(range(1, 9))
        yield found
    finally:
        found.close()


def check(container: Container, kept: Any = None) -> Report:
    public = signing_key(container.settings).public_key()
    return verify(container.app, container.audit_tables, public, kept)


def seals(container: Container) -> list[tuple[int, str]]:
    rows = container.audit_tables.run(
        "SELECT position, chain FROM participatie_audit_seals ORDER BY position"
    )
    return [(int(p), str(c)) for p, c in rows]


def test_the_seals_equal_the_chain_computed_by_hand_over_the_raw_table(
    container: Container, raw: Columns
) -> None:
    """The sealer's chain is the documented one over the columns as the database holds them."""
    assert container.sealer().seal() == 8
    rows = raw.rows()
    assert seals(container) == list(zip([r[0] for r in rows], hand_chain(rows), strict=True))
    checkpoint = container.sealer().last_checkpoint()
    assert checkpoint is not None
    assert (checkpoint.position, checkpoint.sealed) == (8, 8)
    assert checkpoint.chain == hand_chain(rows)[-1]


def tampered(raw: Columns, name: str, position: int, rows: list[Row]) -> None:
    """Change one column of the event at `position`."""
    by_position = {r[0]: r for r in rows}
    _, _, version, topic, state = by_position[position]
    if name == "notification_id":
        raw.set(position, name, rows[-1][0] + 10)  # moved past the end of the log
    elif name == "originator_id":
        raw.set(position, name, str(uuid4()))
    elif name == "originator_version":
        raw.set(position, name, version + 1000)
    elif name == "topic":
        other = next(r[3] for r in rows if r[3] != topic)
        raw.set(position, name, other)
    else:
        flipped = bytearray(state)
        flipped[len(flipped) // 2] ^= 0x01
        raw.set(position, name, bytes(flipped))
    after = {r[0]: r for r in raw.rows()}
    assert after != by_position, f"{name} at {position} was not changed"


@pytest.mark.parametrize("name", COLUMNS)
def test_tampering_with_each_stored_column_is_found_at_its_position(
    container: Container, raw: Columns, name: str
) -> None:
    """Change one column of the first, a middle and the last event: verify names that one."""
    container.sealer().seal()
    assert container.sealer().checkpoint() is not None
    rows = raw.rows()
    assert check(container).ok
    misses = []
    for position in (1, 5, 8):
        tampered(raw, name, position, rows)
        report = check(container)
        if report.ok or report.position != position:
            misses.append(f"{name} at {position}: {report.text()}")
        raw.restore(rows, position)
        assert raw.rows() == rows
    assert misses == []
    assert check(container).ok


@pytest.mark.parametrize("name", COLUMNS)
def test_a_column_rewritten_together_with_the_seals_is_caught_by_the_kept_checkpoint(
    container: Container, raw: Columns, name: str
) -> None:
    """An intruder who reseals after changing a column still fails the kept checkpoint."""
    container.sealer().seal()
    kept = container.sealer().checkpoint()
    assert kept is not None and kept.position == 8
    rows = raw.rows()
    tampered(raw, name, 5, rows)
    container.audit_tables.change("DELETE FROM participatie_audit_seals WHERE position >= ?", (5,))
    container.audit_tables.change("DELETE FROM participatie_audit_checkpoints")
    container.sealer().seal()
    assert check(container).ok  # consistent without the kept checkpoint
    report = check(container, kept)
    assert not report.ok, report.text()
    if name != "notification_id":  # a moved event leaves no event at the checkpoint's position
        assert report.position == kept.position and "checkpoint" in (report.problem or "")


# -- truncation ----------------------------------------------------------------------------------


def truncate(container: Container, raw: Columns, keep: int, evidence: bool = False) -> None:
    """Delete every event after `keep` with its seals (and, unless `evidence`, checkpoints)."""
    raw.delete_from(keep + 1)
    container.audit_tables.change(
        "DELETE FROM participatie_audit_seals WHERE position > ?", (keep,)
    )
    if not evidence:
        container.audit_tables.change(
            "DELETE FROM participatie_audit_checkpoints WHERE position > ?", (keep,)
        )


@pytest.fixture
def kept_file(container: Container, raw: Columns, tmp_path: Path) -> Path:
    """8 events sealed with a checkpoint at 8 kept in a file; then 4 more events sealed."""
    sealer = container.sealer()
    assert sealer.seal() == 8
    made = sealer.checkpoint()
    assert made is not None and made.position == 8
    path = tmp_path / "checkpoint.json"
    path.write_text(made.to_json(), encoding="utf-8")
    submit_some(container, 2)
    assert sealer.seal() == 4
    assert [c.position for c in sealer.checkpoints()] == [8]
    return path


@pytest.mark.parametrize("keep", [0, 1, 4, 7])
def test_truncating_the_log_before_a_kept_checkpoint_is_reported_as_truncation(
    container: Container, raw: Columns, kept_file: Path, keep: int
) -> None:
    """Events and seals cut back below the kept checkpoint's position: FAILED at keep + 1."""
    truncate(container, raw, keep)
    assert check(container).ok  # the log and what is left of the seals agree
    report = check(container, read_checkpoint(kept_file))
    assert not report.ok
    assert report.position == keep + 1
    assert "truncated" in (report.problem or "")
    assert "position 8" in (report.problem or "")


@pytest.mark.parametrize("keep", [8, 10])
def test_truncating_the_log_at_or_after_a_kept_checkpoint_still_confirms_it(
    container: Container, raw: Columns, kept_file: Path, keep: int
) -> None:
    """Cutting only what came after the checkpoint is not caught by it (the boundary)."""
    truncate(container, raw, keep)
    report = check(container, read_checkpoint(kept_file))
    assert report.ok and report.checkpoint == 8 and report.checked == keep


def test_truncation_below_the_latest_stored_checkpoint_is_reported_without_a_kept_file(
    container: Container, raw: Columns, kept_file: Path
) -> None:
    """When the intruder leaves the checkpoints table alone, verify uses its latest one."""
    truncate(container, raw, 6, evidence=True)
    report = check(container)
    assert not report.ok and report.position == 7 and "truncated" in (report.problem or "")


def test_the_cli_verify_with_a_kept_checkpoint_file_fails_on_truncation(
    container: Container,
    raw: Columns,
    kept_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`participatie audit verify --checkpoint FILE` prints FAILED and exits 1."""
    truncate(container, raw, 5)
    for variable, value in container.settings.as_environ().items():
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["audit", "verify", "--checkpoint", str(kept_file)])
    assert result.exit_code == 1
    assert "FAILED at position 6" in result.output and "truncated" in result.output


# -- how often checkpoints are made --------------------------------------------------------------


class Frozen:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        self.now = self.start

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = self.start + timedelta(seconds=seconds)


def reset(container: Container) -> None:
    container.audit_tables.change("DELETE FROM participatie_audit_seals")
    container.audit_tables.change("DELETE FROM participatie_audit_checkpoints")


def sealer_for(container: Container, clock: Frozen, every_events: int, seconds: float) -> Sealer:
    return Sealer(
        container.app,
        container.audit_tables,
        signing_key(container.settings),
        every_events=every_events,
        every_seconds=seconds,
        clock=clock,
    )


# (every_events, events sealed per seal() run) -> the seal counts at which checkpoints were made.
# The rule: a run that seals something signs a checkpoint when there is none yet, or when at
# least every_events were sealed since the last one, or every_seconds have passed since it.
# A run makes one checkpoint at most, of the head after the run.
BY_EVENTS: list[tuple[int, list[int], list[int]]] = [
    (1, [1, 1, 1, 1, 1], [1, 2, 3, 4, 5]),
    (2, [1, 1, 1, 1, 1, 1, 1], [1, 3, 5, 7]),
    (3, [1] * 10, [1, 4, 7, 10]),
    (4, [1] * 10, [1, 5, 9]),
    (5, [1, 1, 1, 1], [1]),
    (10, [1] * 10, [1]),
    (10, [1] * 11, [1, 11]),
    (1000, [1] * 14, [1]),
    (3, [5, 2, 1, 3, 1], [5, 8, 11]),
    (3, [2, 2, 2, 2, 2, 2, 2], [2, 6, 10, 14]),
    (2, [14], [14]),
]


def test_checkpoints_are_made_every_n_sealed_events_as_hand_computed(
    container: Container,
) -> None:
    """With time standing still, the table of (every N, runs) → checkpoint positions holds."""
    submit_some(container, 6)  # 2 + 12 events
    assert len(container.app.recorder.select_notifications(1, 100)) == 14
    clock = Frozen()
    misses = []
    for every, runs, expected in BY_EVENTS:
        reset(container)
        sealer = sealer_for(container, clock, every, 300.0)
        for size in runs:
            assert sealer.seal(limit=size) == size
        made = sealer.checkpoints()
        if [c.sealed for c in made] != expected or [c.position for c in made] != expected:
            misses.append(f"every {every}, runs {runs}: {[c.sealed for c in made]} != {expected}")
    assert misses == []


# (seconds since the start, events sealed) per run, every 300 s and every 1000 events.
BY_TIME: list[tuple[float, int]] = [(0, 1), (299, 1), (300, 1), (599, 1), (600, 1), (600, 9)]


def test_checkpoints_are_made_every_t_seconds_with_new_events_as_hand_computed(
    container: Container,
) -> None:
    """Checkpoints at 0, 300 and 600 s (seal counts 1, 3, 5); none without new events."""
    submit_some(container, 6)
    clock = Frozen()
    sealer = sealer_for(container, clock, 1000, 300.0)
    for seconds, size in BY_TIME:
        clock.at(seconds)
        assert sealer.seal(limit=size) == size
    made = sealer.checkpoints()
    assert [c.sealed for c in made] == [1, 3, 5]
    assert [datetime.fromisoformat(c.at) - clock.start for c in made] == [
        timedelta(0),
        timedelta(seconds=300),
        timedelta(seconds=600),
    ]
    clock.at(10_000)
    assert sealer.seal() == 0  # nothing new: no checkpoint however long it has been
    assert len(sealer.checkpoints()) == 3
    container.app.submit(SubmissionSchema(container.app.area_index()).load_submission(submission()))
    assert sealer.seal() == 2
    assert [c.sealed for c in sealer.checkpoints()] == [1, 3, 5, 16]
