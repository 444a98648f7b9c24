"""Processes that start together must not die on PostgreSQL's CREATE TABLE race."""

from __future__ import annotations

import pytest

from participatie.bootstrap import creating_tables


def test_a_lost_create_table_race_is_tried_again() -> None:
    calls = []

    def make() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("tuple concurrently updated")
        return "built"

    assert creating_tables(make) == "built"
    assert len(calls) == 3


def test_other_errors_are_not_retried_and_a_lasting_race_gives_up() -> None:
    calls = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("password authentication failed")

    with pytest.raises(RuntimeError, match="password"):
        creating_tables(broken)
    assert len(calls) == 1

    def always() -> None:
        raise RuntimeError("tuple concurrently updated")

    with pytest.raises(RuntimeError, match="concurrently"):
        creating_tables(always, attempts=3)
