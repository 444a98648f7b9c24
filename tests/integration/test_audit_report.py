"""What `verify` reports, field by field and as the text `audit verify` prints, written by hand.

The scene is the small map (positions 1-2) and three submissions (3-8); the sealer seals all 8
or the first 6, and each case below states the whole report a person expects, counts included:
`checked` is the events compared with a seal before the verdict, `unsealed` the events after
the last seal, and neither is guessed when the verdict came before they were counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from participatie.audit.chain import (
    CheckpointInvalid,
    Report,
    read_checkpoint,
    signing_key,
    verify,
)
from participatie.bootstrap import Container
from tests.integration.test_audit import RawLog
from tests.integration.test_audit_oracle import submit_some

OUTSIDE = (
    "event stored outside the numbered log (notification id 0 or below): the chain never covers it"
)


@pytest.fixture
def raw(container: Container) -> Iterator[RawLog]:
    submit_some(container, 3)
    found = RawLog(container.settings)
    try:
        assert [r[0] for r in found.rows()] == [1, 2, 3, 4, 5, 6, 7, 8]
        yield found
    finally:
        found.close()


def check(container: Container) -> Report:
    return verify(
        container.app, container.audit_tables, signing_key(container.settings).public_key()
    )


def seal(container: Container, limit: int | None = None, keep_checkpoint: bool = True) -> None:
    container.sealer().seal(limit)
    if not keep_checkpoint:
        container.audit_tables.change("DELETE FROM participatie_audit_checkpoints")


def test_a_whole_sealed_log_with_its_checkpoint(container: Container, raw: RawLog) -> None:
    seal(container)
    report = check(container)
    assert report == Report(True, 8, 0, checkpoint=8, snapshots=0)
    assert report.text() == (
        "OK: 8 events match their seals, checkpoint at 8 confirmed;"
        " 0 snapshots match the events they summarise; 0 newer events not sealed yet"
    )


def test_a_partly_sealed_log_without_a_checkpoint(container: Container, raw: RawLog) -> None:
    seal(container, 6, keep_checkpoint=False)
    report = check(container)
    assert report == Report(True, 6, 2, checkpoint=None, snapshots=0)
    assert report.text() == (
        "OK: 6 events match their seals;"
        " 0 snapshots match the events they summarise; 2 newer events not sealed yet"
    )


@pytest.mark.parametrize("position", [0, -1, -5])
def test_a_row_outside_the_numbered_log_is_reported_before_anything_is_counted(
    container: Container, raw: RawLog, position: int
) -> None:
    seal(container)
    first = raw.rows()[2]
    raw.put((position, first[1], 9, first[3], first[4]))
    report = check(container)
    assert report == Report(False, 0, 0, position, OUTSIDE, None, 0, None)
    assert report.text() == f"FAILED at position {position}: {OUTSIDE}"


# (what happens after all 8 are sealed, the expected report): checked counts the events that
# matched their seal before the first bad position; nothing after it is counted as unsealed.
BROKEN: list[tuple[str, Report]] = [
    ("delete 5", Report(False, 4, 0, 5, "event missing (deleted)")),
    ("delete 1", Report(False, 0, 0, 1, "event missing (deleted)")),
    ("delete 8", Report(False, 7, 0, 8, "event missing (deleted, or the log was truncated)")),
    ("state 6", Report(False, 5, 0, 6, "event differs from the sealed one (changed or moved)")),
]


@pytest.mark.parametrize(("change", "expected"), BROKEN)
def test_a_broken_sealed_log_is_reported_with_the_events_checked_before_it(
    container: Container, raw: RawLog, change: str, expected: Report
) -> None:
    seal(container, keep_checkpoint=False)
    action, position = change.split()
    if action == "delete":
        raw.delete_from(int(position), int(position))
    else:
        state = bytearray(next(r[4] for r in raw.rows() if r[0] == int(position)))
        state[len(state) // 2] ^= 0x01
        raw.set_state(int(position), bytes(state))
    report = check(container)
    assert report == expected
    assert report.snapshots == 0 and report.checkpoint is None and report.subject is None


def test_a_row_no_numbered_read_returns_is_reported_by_the_row_count(
    container: Container, raw: RawLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last check: the table's row count against the events accounted for. On SQLite no
    stored row escapes the numbered reads (rows at 0 or below are caught first), so the
    recorder is made to count one row more than it returns."""
    seal(container, 6)
    monkeypatch.setattr(container.app.recorder, "count_rows", lambda: 9)
    report = check(container)
    problem = "the events table holds 9 rows, the numbered log 8: rows outside the log"
    assert report == Report(False, 6, 2, None, problem, None, 0, "the events table")
    assert report.text() == f"FAILED at the events table: {problem}"


def test_a_checkpoint_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_bytes(b'\xff{"format": "participatie-checkpoint/1"}')
    with pytest.raises(CheckpointInvalid) as caught:
        read_checkpoint(path)
    assert str(caught.value) == "unreadable checkpoint: not UTF-8 (invalid start byte)"
