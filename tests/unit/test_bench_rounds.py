"""The submit benchmark's summaries of its rounds (benchmarks/stack.py), on figures written by
hand: the best round of each variant, and each round's ratio."""

from __future__ import annotations

import pytest

from benchmarks.stack import best_of, paired_ratios

# Three rounds; the machine was slow in the second (both sides fell).
ROUNDS = {
    "bare": [(1000.0, 8.0), (800.0, 9.0), (1200.0, 7.5)],
    "platform": [(500.0, 15.0), (480.0, 16.0), (540.0, 14.0)],
}


def test_the_best_round_of_each_keeps_its_own_p95() -> None:
    assert best_of(ROUNDS) == {"bare": (1200.0, 7.5), "platform": (540.0, 14.0)}


def test_each_rounds_ratio_is_taken_against_the_same_rounds_baseline() -> None:
    assert paired_ratios(ROUNDS, "platform", "bare") == pytest.approx([0.5, 0.6, 0.45])


def test_rounds_of_unequal_number_are_an_error() -> None:
    uneven = {"bare": [(1.0, 1.0)], "platform": [(1.0, 1.0), (2.0, 1.0)]}
    with pytest.raises(ValueError):
        paired_ratios(uneven, "platform", "bare")


def test_a_side_run_two_ways_counts_its_better_way_in_each_round() -> None:
    ways = {
        "bare": [(1000.0, 8.0), (800.0, 9.0)],
        "bare pinned": [(900.0, 8.0), (1000.0, 9.0)],
        "platform": [(500.0, 15.0), (600.0, 16.0)],
        "platform pinned": [(700.0, 15.0), (500.0, 16.0)],
    }
    # round 1: 700 / 1000; round 2: 600 / 1000
    found = paired_ratios(ways, ("platform", "platform pinned"), ("bare", "bare pinned"))
    assert found == pytest.approx([0.7, 0.6])
    assert paired_ratios(ways, "platform", ("bare", "bare pinned")) == pytest.approx([0.5, 0.6])
