"""Which positions the sealer passed without a row (audit/chain.py SealedGaps), by hand.

The seals table is written directly (SQLite in tmp_path); the expected gaps and the number of
queries each question costs are read off the tables below, not computed: a gap is a position
after 0 and below the newest seal that has no seal of its own. SealedGaps asks the database only
when a question reaches beyond the newest seal it knows, and then reads only the new seals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from participatie.audit.chain import SCHEMA, SealedGaps
from participatie.infra.tables import SQLiteTables, Tables


class Counted:
    """The audit tables, counting the queries SealedGaps runs on them."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.queries = 0

    def __call__(self) -> Counted:
        return self

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.queries += 1
        return self.tables.run(sql, params)

    def seal(self, *positions: int) -> None:
        self.tables.many(
            "INSERT INTO participatie_audit_seals (position, chain) VALUES (?, ?)",
            [(p, f"{p:064x}") for p in positions],
        )


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[Counted]:
    tables = SQLiteTables(tmp_path / "audit.sqlite", SCHEMA)
    try:
        yield Counted(tables)
    finally:
        tables.close()


def gaps(audit: Counted) -> SealedGaps:
    return SealedGaps(audit)  # type: ignore[arg-type]  # Counted runs what SealedGaps uses


# seals present -> the positions 0..14 that are gaps (the newest seal ends what is known).
GAPS: list[tuple[tuple[int, ...], set[int]]] = [
    ((), set()),
    ((1, 2, 3), set()),
    ((2,), {1}),
    ((3, 4), {1, 2}),
    ((1, 3), {2}),
    ((1, 2, 5, 6), {3, 4}),
    ((3, 4, 7, 8, 9, 12), {1, 2, 5, 6, 10, 11}),
    ((1, 4, 6, 9), {2, 3, 5, 7, 8}),
    ((14,), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}),
]


@pytest.mark.parametrize(("sealed", "expected"), GAPS)
def test_the_gaps_are_the_unsealed_positions_below_the_newest_seal(
    audit: Counted, sealed: tuple[int, ...], expected: set[int]
) -> None:
    audit.seal(*sealed)
    assert gaps(audit)(list(range(15))) == expected


@pytest.mark.parametrize(("sealed", "expected"), GAPS)
def test_each_position_asked_alone_gives_the_same_answer(
    audit: Counted, sealed: tuple[int, ...], expected: set[int]
) -> None:
    """One position per question, in log order (as rows are read): no gap is missed at its
    first or last position, whichever question brought it in."""
    audit.seal(*sealed)
    found = gaps(audit)
    assert {p for p in range(15) if found([p])} == expected


# Questions asked one after the other while the sealer goes on: (seals added before the
# question, the ids asked, the gaps among them, queries run for it). A question that stays at or
# below the newest seal known costs nothing; one beyond it reads the newest seal (1 query) and,
# when that moved on, the gaps up to it (1 more).
STEPS: list[tuple[tuple[int, ...], list[int], set[int], int]] = [
    ((), [0], set(), 0),  # position 0 is never beyond what is known
    ((), [1, 2], set(), 1),  # nothing sealed yet
    ((3, 4), [1], {1}, 2),  # 1..2 passed by the sealer
    ((), [1, 2, 3, 4], {1, 2}, 0),  # 4 is the newest seal known: no query
    ((), [4], set(), 0),
    ((), [5], set(), 1),  # beyond, but the sealer has not moved on
    ((), [2, 5, 6], {2}, 1),
    ((6, 7, 9), [5, 9], {5}, 2),  # only the new seals are read: 5 and 8
    ((), [4, 5, 6, 7, 8, 9], {5, 8}, 0),
    ((10,), [10], set(), 2),
    ((), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], {1, 2, 5, 8}, 1),
]


def test_questions_while_the_sealer_goes_on_cost_queries_only_beyond_the_newest_seal(
    audit: Counted,
) -> None:
    found = gaps(audit)
    misses = []
    for step, (sealed, ids, expected, queries) in enumerate(STEPS):
        audit.seal(*sealed)
        before = audit.queries
        answer = found(ids)
        if (answer, audit.queries - before) != (expected, queries):
            misses.append(f"step {step} {ids}: {answer}, {audit.queries - before} queries")
    assert misses == []
