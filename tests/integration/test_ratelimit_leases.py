"""Leases of a roomy limit (web/ratelimit.py): a reservation takes several places of a window
at once and this process hands them out without asking Redis, never beyond the limit.

Every expected figure is worked out by hand from the rule in the module's text: a lease takes
at most `lease` places and at most a sixteenth of the fullest window's room (rounded down, but at
least one); it ends a tenth of a second before its shortest window does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.services import redis_for_test
from web.ratelimit import Counters, Leases, Window


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as found:
        yield found


def window(limit: int, seconds: int) -> Window:
    return Window(f"test-lease/{uuid.uuid4().hex}/{limit}/{seconds}", limit, seconds)


class Asked:
    """Counts the script calls a Counters makes (reserve, peek, hit, give back)."""

    def __init__(self, counters: Counters) -> None:
        for script in counters.scripts.values():  # a script Redis does not know costs two more
            counters.client.script_load(script.script)
        self.calls = 0
        real = counters.client.execute_command

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        counters.client.execute_command = counting


def counted(url: str, w: Window) -> int:
    return int(redis.Redis.from_url(url).get(w.key) or 0)


def test_a_roomy_window_is_leased_and_handed_out_without_asking_redis(url: str) -> None:
    counters = Counters(url, Clock(), lease=8)
    asked = Asked(counters)
    minute = window(100, 60)
    seen = []
    for _ in range(8):
        assert counters.reserve([minute]).refused is False
        seen.append((asked.calls, counted(url, minute)))
    # 100 free: min(8, 100 // 16 = 6) = 6 places; 94 free: min(8, 94 // 16 = 5) = 5 places.
    assert seen == [(1, 6), (1, 6), (1, 6), (1, 6), (1, 6), (1, 6), (2, 11), (2, 11)]


def test_a_tight_limit_is_reserved_one_place_at_a_time(url: str) -> None:
    """5 per minute and 20 per hour: 5 // 16 = 0, so one place each time, as before leases."""
    counters = Counters(url, Clock(), lease=32)
    asked = Asked(counters)
    both = [window(5, 60), window(20, 3600)]
    verdicts = [counters.reserve(both).refused for _ in range(6)]
    assert verdicts == [False] * 5 + [True]
    assert asked.calls == 6
    assert [counted(url, w) for w in both] == [5, 5]


def test_the_fullest_window_and_the_setting_bound_a_lease(url: str) -> None:
    both = [window(200, 60), window(64, 3600)]  # 200 // 16 = 12, 64 // 16 = 4
    Counters(url, Clock(), lease=32).reserve(both)
    assert [counted(url, w) for w in both] == [4, 4]
    one = [window(10_000, 60)]  # 10000 // 16 = 625, the setting allows 32
    Counters(url, Clock(), lease=32).reserve(one)
    assert counted(url, one[0]) == 32
    default = [window(10_000, 60)]
    Counters(url, Clock()).reserve(default)  # PARTICIPATIE_RATE_LIMIT_LEASE's default: 32
    assert counted(url, default[0]) == 32
    single = [window(10_000, 60)]
    off = Counters(url, Clock(), lease=1)
    asked = Asked(off)
    for _ in range(3):
        off.reserve(single)
    assert (asked.calls, counted(url, single[0])) == (3, 3)


def test_two_processes_together_never_let_through_more_than_the_limit(url: str) -> None:
    """40 a minute. A takes 40 // 16 = 2 places and uses one; B then gets the 38 others (its
    leases: 2 while 38..32 are free, then 1 at a time) and is refused; A's held place still goes
    through, and then A is refused as well: 40 in all."""
    a, b = Counters(url, Clock()), Counters(url, Clock())
    minute = [window(40, 60)]
    assert a.reserve(minute).refused is False
    assert counted(url, minute[0]) == 2
    let_through = 0
    while not b.reserve(minute).refused:
        let_through += 1
    assert let_through == 38
    assert a.reserve(minute).refused is False  # its lease, counted in Redis already
    assert a.reserve(minute).refused is True
    assert counted(url, minute[0]) == 40


def test_a_lease_ends_a_tenth_of_a_second_before_its_window(url: str) -> None:
    clock = Clock()
    counters = Counters(url, clock, lease=8)
    asked = Asked(counters)
    minute = [window(100, 60)]
    counters.reserve(minute)  # at 1000.0: 6 places until 1059.9 at the latest
    clock.now = 1059.85
    counters.reserve(minute)
    assert asked.calls == 1  # still the lease
    clock.now = 1059.9
    counters.reserve(minute)
    assert asked.calls == 2  # ended: Redis is asked again
    assert counted(url, minute[0]) == 6 + 5


def test_a_lease_of_two_windows_ends_with_the_shorter(url: str) -> None:
    clock = Clock()
    counters = Counters(url, clock, lease=8)
    asked = Asked(counters)
    both = [window(1000, 3600), window(100, 60)]  # 62 and 6 a lease: 6 places, for a minute
    counters.reserve(both)
    clock.now = 1059.9
    counters.reserve(both)
    assert asked.calls == 2
    assert [counted(url, w) for w in both] == [11, 11]


def test_a_given_back_place_is_given_back_in_redis(url: str) -> None:
    """A form with errors gives its place back: Redis counts one fewer, the lease is kept."""
    counters = Counters(url, Clock(), lease=8)
    asked = Asked(counters)
    minute = [window(100, 60)]
    counters.reserve(minute)
    counters.give_back(minute)
    assert (asked.calls, counted(url, minute[0])) == (2, 5)
    for _ in range(5):
        assert counters.reserve(minute).refused is False
    assert asked.calls == 2  # the lease's five other places


def test_a_forked_child_does_not_use_its_parents_lease(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counters = Counters(url, Clock(), lease=8)
    asked = Asked(counters)
    minute = [window(100, 60)]
    counters.reserve(minute)
    monkeypatch.setattr("web.ratelimit.os.getpid", lambda: 1)  # as in a child after fork
    counters.reserve(minute)
    assert asked.calls == 2
    assert counted(url, minute[0]) == 6 + 5


def test_a_reservation_read_later_is_decided_at_once_from_a_lease(url: str) -> None:
    counters = Counters(url, Clock(), lease=8)
    minute = [window(100, 60)]
    first = counters.send_reserve(minute)
    assert first.connection is not None and first.verdict().refused is False
    for _ in range(5):
        held = counters.send_reserve(minute)
        assert held.settled and held.connection is None  # nothing sent
        assert held.verdict().refused is False
    assert counted(url, minute[0]) == 6
    asking = counters.send_reserve(minute)
    assert asking.connection is not None and asking.verdict().refused is False
    assert counted(url, minute[0]) == 11


def test_leases_of_ended_windows_are_forgotten_once_more_than_ten_thousand_are_held() -> None:
    """Many clients with roomy limits: past 10,000 leases held, the ended ones are dropped (one
    that ends at this very moment has ended)."""
    clock = Clock()
    leases = Leases(clock)
    for n in range(5_999):  # at 1000.0, each for 1 s: until 1000.9
        leases.keep([Window(f"old/{n}", 100, 1)], 5, 1000, clock.now)
    edge = [Window("edge", 100, 2)]
    leases.keep(edge, 5, 2000, clock.now)  # until 1001.9
    clock.now = 1001.0
    for n in range(4_000):  # until 1061.9
        leases.keep([Window(f"new/{n}", 100, 60)], 5, 61_000, clock.now)
    assert len(leases.held) == 10_000
    clock.now = leases.held[("edge",)][1]  # the moment the edge lease ends
    leases.keep([Window("new/10000", 100, 60)], 5, 61_000, clock.now)
    assert len(leases.held) == 10_001  # not more than 10,000 before this one: nothing dropped
    leases.keep([Window("new/10001", 100, 60)], 5, 61_000, clock.now)
    assert len(leases.held) == 4_002  # the 5,999 ended ones and the edge one are gone
    assert leases.take([Window("new/0", 100, 60)]) is True  # the running ones are kept
    assert leases.take(edge) is False
