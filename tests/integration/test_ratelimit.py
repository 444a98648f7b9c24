"""Rate limits in fixed windows (web/ratelimit.py): the same answers in memory and in Redis,
one Redis round trip per counted request, memory while Redis is away.

The expected answers are written out by hand: `5 per minute` lets five through and refuses the
sixth until the minute (counted from the first) is over; a given-back reservation frees a place.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REDIS_URL
from tests.services import free_port, redis_for_test
from web.ratelimit import Counters, MemoryCounters, Verdict, Window, windows_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_text_becomes_one_window_per_part() -> None:
    assert windows_of("5 per minute;20 per hour", "p", "SUBMIT", "192.0.2.1") == [
        Window("p/SUBMIT/192.0.2.1/5/60", 5, 60),
        Window("p/SUBMIT/192.0.2.1/20/3600", 20, 3600),
    ]
    assert windows_of("2/second", "p", "S", "c") == [Window("p/S/c/2/1", 2, 1)]


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Clock]]:
    clock = Clock()
    if request.param == "memory":
        yield MemoryCounters(clock), clock
        return
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        yield Counters(url, clock), clock


def fresh(name: str, limit: int, seconds: int) -> Window:
    import uuid

    return Window(f"test-ratelimit/{uuid.uuid4().hex}/{name}", limit, seconds)


def test_reserve_lets_the_limit_through_and_refuses_the_next(counters: tuple[Any, Clock]) -> None:
    store, _ = counters
    minute = [fresh("minute", 5, 60)]
    assert [store.reserve(minute).refused for _ in range(6)] == [False] * 5 + [True]
    refused = store.reserve(minute)
    assert refused.refused and 59 <= refused.retry_after <= 60  # the minute just began
    store.give_back(minute)  # an answer that did not count frees its place
    assert not store.reserve(minute).refused
    assert store.reserve(minute).refused


def test_a_refused_reservation_takes_nothing_from_any_window(counters: tuple[Any, Clock]) -> None:
    """Two windows: 2 per minute, 3 per hour. Refused by the minute, the hour is not spent."""
    store, _ = counters
    both = [fresh("minute", 2, 60), fresh("hour", 3, 3600)]
    assert [store.reserve(both).refused for _ in range(4)] == [False, False, True, True]
    # The hour window counted only the two that went through: one more place in it.
    assert not store.reserve([both[1]]).refused
    assert store.reserve([both[1]]).refused


def test_peek_refuses_only_a_full_window_and_hit_fills_it(counters: tuple[Any, Clock]) -> None:
    store, _ = counters
    tries = [fresh("tries", 3, 60)]
    assert not store.peek(tries).refused
    for _ in range(2):
        store.hit(tries)
    assert not store.peek(tries).refused  # two of three
    store.hit(tries)
    verdict = store.peek(tries)
    assert verdict.refused and 59 <= verdict.retry_after <= 60  # the minute just began


def test_in_memory_a_window_ends_after_its_seconds_from_the_first_request() -> None:
    clock = Clock()
    store = MemoryCounters(clock)
    minute = [Window("k", 2, 60)]
    assert [store.reserve(minute).refused for _ in range(3)] == [False, False, True]
    clock.now += 45
    verdict = store.reserve(minute)
    assert verdict.refused and verdict.retry_after == 15
    clock.now += 15
    assert not store.reserve(minute).refused  # a new window
    store.give_back(minute)
    store.give_back(minute)  # never below zero
    assert [store.reserve(minute).refused for _ in range(3)] == [False, False, True]


def test_one_redis_round_trip_per_operation(tmp_path: Path) -> None:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        store = Counters(url)
        calls: list[tuple[Any, ...]] = []
        real = store.client.execute_command

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return real(*args, **kwargs)

        store.client.execute_command = counting
        windows = [fresh("minute", 5, 60), fresh("hour", 20, 3600)]
        store.reserve(windows)  # the first call may load the script
        for operation in (store.reserve, store.peek, store.hit, store.give_back):
            calls.clear()
            operation(windows)
            assert [c[0] for c in calls] == ["EVALSHA"], operation.__name__


def test_while_redis_is_away_memory_counts_and_redis_is_tried_again_later() -> None:
    clock = Clock()
    store = Counters(f"redis://127.0.0.1:{free_port()}/0", clock)  # nobody listens there
    minute = [Window("k", 2, 60)]
    assert [store.reserve(minute).refused for _ in range(3)] == [False, False, True]
    assert store.away_until == clock.now + 5.0  # five seconds in memory before trying again
    tried: list[str] = []
    original = store._redis

    def spy(name: str, windows: Any) -> Any:
        tried.append(name)
        return original(name, windows)

    store._redis = spy  # type: ignore[method-assign]
    store.peek(minute)
    assert store.client is not None and clock.now < store.away_until  # not tried: still away
    clock.now += 4.9
    store.peek(minute)
    assert clock.now < store.away_until  # still away: not tried
    clock.now += 0.1
    store.peek(minute)
    assert store.away_until == clock.now + 5.0  # tried, failed again


def test_a_verdict_that_lets_through_names_no_wait_and_the_last_half_second_is_one() -> None:
    clock = Clock()
    store = MemoryCounters(clock)
    minute = [Window("k", 1, 60)]
    assert store.reserve(minute) == Verdict(False, 0)
    assert store.peek([Window("other", 1, 60)]) == Verdict(False, 0)
    clock.now += 59.5
    assert store.reserve(minute) == Verdict(True, 1)  # half a second left: come back in 1


def test_memory_forgets_ended_windows_once_it_holds_more_than_ten_thousand() -> None:
    """Counters of windows that ended are dropped when there are more than 10,000 of them
    (a count a person can check: 10,000 stays, 10,001 is cleaned up); live ones stay."""
    clock = Clock()
    store = MemoryCounters(clock)
    ended = {f"old-{n}": (1, clock.now - 1) for n in range(9_998)}
    ended["ends-now"] = (1, clock.now)  # a window that ends at this moment has ended
    store.counts = {**ended, "live": (1, clock.now + 30)}  # 10,000 in all
    store.hit([Window("new", 5, 60)])  # 10,001 after this one: not more than 10,000 before it
    assert len(store.counts) == 10_001
    store.hit([Window("newer", 5, 60)])  # 10,001 before it: the ended ones go
    assert set(store.counts) == {"live", "new", "newer"}
    assert store.counts["live"] == (1, clock.now + 30)


def test_while_redis_is_away_hits_and_given_back_places_count_in_memory() -> None:
    store = Counters(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    tries = [Window("tries", 3, 60)]
    for _ in range(3):
        store.hit(tries)
    assert store.peek(tries).refused
    places = [Window("places", 2, 60)]
    assert [store.reserve(places).refused for _ in range(3)] == [False, False, True]
    store.give_back(places)
    assert not store.reserve(places).refused


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [  # the scripts' answer {refused, seconds until the fullest window resets}
        ([0, 0], Verdict(False, 0)),
        ([0, 37], Verdict(False, 0)),  # a wait is only named when refused
        ([1, 37], Verdict(True, 37)),
        ([1, 1], Verdict(True, 1)),
        ([1, 0], Verdict(True, 1)),  # the last moment of a window: try again in a second
        ([1, -1], Verdict(True, 1)),
    ],
)
def test_a_scripts_answer_becomes_a_verdict(answer: list[int], verdict: Verdict) -> None:
    from web.ratelimit import _verdict

    assert _verdict(answer) == verdict
