"""The sealer's head before anything is sealed, and how it writes its seals (audit/chain.py Sealer).

The scene is the small map (positions 1-2) and three submissions (3-8). The chain values are
the documented ones, computed over the raw table by test_audit_oracle.hand_chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from participatie.audit import chain
from participatie.bootstrap import Container
from tests.integration.test_audit import RawLog
from tests.integration.test_audit_oracle import hand_chain, submit_some


def test_before_anything_is_sealed_the_head_is_position_0_at_the_zero_chain(
    container: Container,
) -> None:
    """Nothing sealed: head (0, 32 zero bytes, 0 seals), and no checkpoint is signed or kept."""
    sealer = container.sealer()
    assert sealer.head() == (0, bytes(32), 0)
    assert sealer.checkpoint() is None
    assert sealer.last_checkpoint() is None
    assert sealer.checkpoints() == []


# (seal limit, batch size) -> the sizes of the seal writes, in order: a batch is written as soon
# as it is full, what is left at the end in one more write.
WRITES: list[tuple[int | None, int, list[int]]] = [
    (None, 3, [3, 3, 2]),
    (None, 4, [4, 4]),
    (None, 8, [8]),
    (None, 9, [8]),
    (None, 1, [1, 1, 1, 1, 1, 1, 1, 1]),
    (5, 3, [3, 2]),
    (6, 3, [3, 3]),
    (2, 3, [2]),
]


@pytest.mark.parametrize(("limit", "batch", "sizes"), WRITES)
def test_seals_are_written_in_batches(
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    limit: int | None,
    batch: int,
    sizes: list[int],
) -> None:
    submit_some(container, 3)
    raw = RawLog(container.settings)
    try:
        expected = hand_chain(raw.rows())
    finally:
        raw.close()
    written: list[int] = []
    tables = container.audit_tables
    many = tables.many

    def counted(sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        written.append(len(rows))
        many(sql, rows)

    monkeypatch.setattr(chain, "BATCH", batch)
    monkeypatch.setattr(tables, "many", counted)
    sealer = container.sealer()
    assert sealer.seal(limit) == sum(sizes)
    assert written == sizes
    last = sum(sizes)
    assert sealer.head() == (last, bytes.fromhex(expected[last - 1]), last)
