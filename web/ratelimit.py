"""Rate limits per client address in fixed windows, one Redis round trip on the hot path.

A limit such as `5 per minute;20 per hour` (the `limits` notation) is a counter per window,
client and kind (`scope`), kept in Redis and expiring with its window, which starts at the
client's first counted request (as Flask-Limiter's fixed window did).

Only some answers count (an accepted submission, a tried secret that is not known), and that is
known only after the request. Two ways keep the hot path at one round trip:

- `reserve` (submissions, supports, sign-in and follow requests, where what counts is what
  nearly always happens): before the request one script adds one to every window and, when a
  window is over its limit, takes them back and refuses. An answer that does not count (a form
  with errors) gives its reservation back afterwards — a second round trip, on that path only.
- `peek` (tries of tracking codes, where what counts is rare): before the request one read of
  the windows refuses when one is full; an answer that counts (a guess) adds to them afterwards.

A reservation may also be sent and its answer read later (`send_reserve`, `Pending`): the
submission endpoints send it before the request is read and read the verdict just before their
first write (web/security.py, participatie/application/admission.py), so the round trip overlaps
the request's own work instead of being waited for.

Where a limit leaves much room (an API client allowed hundreds a minute; the benchmarks), a
reservation takes several places at once (a *lease*): the script adds them all to every window
and this process hands them out one by one without asking Redis, until they are used or the
shortest window they were taken from ends (by this process's clock, a little before Redis ends
it). A lease never takes more than a sixteenth of what is left in the fullest window
(`LEASE_SHARE`) nor more than `PARTICIPATIE_RATE_LIMIT_LEASE` places, so a limit like
`5 per minute;20 per hour` is reserved one place at a time as before. Nothing is ever let through
beyond a limit: every place handed out was counted in Redis first. Places a process leased but did
not use stay counted until their window ends (or the process dies), so a client that spreads
its requests over many processes may be refused a little before its limit — never after.

When Redis does not answer the counters are kept in this process's memory (limits still hold,
per web process) and Redis is tried again after a few seconds; an error while counting after the
request is logged, never raised: the event store is the truth, and a stored submission must not
be answered with a 500.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from limits import RateLimitItem, parse_many

log = logging.getLogger("participatie.ratelimit")

RETRY_REDIS_AFTER = 5.0  # seconds of counting in memory after Redis failed, before trying again
LEASE_SHARE = 16  # a lease takes at most this fraction (1/16) of a window's room
LEASE_MARGIN = 0.1  # seconds before Redis ends a window that this process stops using its lease

# KEYS: the windows' counters; ARGV: limit and seconds of each window, in the same order, then
# the most places to take and the share of a window's room one lease may take (see above).
# Returns {refused (0/1), seconds until the fullest window resets, places taken, milliseconds
# until the first of the windows ends}. A window with no room refuses and nothing is taken.
RESERVE = """
local last = 2 * #KEYS
local take = tonumber(ARGV[last + 1])
local share = tonumber(ARGV[last + 2])
local wait = 0
local refused = 0
for i, key in ipairs(KEYS) do
  local room = tonumber(ARGV[2 * i - 1]) - tonumber(redis.call('GET', key) or '0')
  if room < 1 then
    refused = 1
    wait = math.max(wait, redis.call('TTL', key))
  else
    take = math.min(take, math.max(1, math.floor(room / share)))
  end
end
if refused == 1 then
  return {1, wait, 0, 0}
end
local ends = -1
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, take)
  if count == take or redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[2 * i])
  end
  local left = redis.call('PTTL', key)
  if ends < 0 or left < ends then
    ends = left
  end
end
return {0, 0, take, ends}
"""
PEEK = """
local wait = 0
local refused = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    refused = 1
    wait = math.max(wait, redis.call('TTL', key))
  end
end
return {refused, wait}
"""
HIT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 or redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[2 * i])
  end
end
return 0
"""
GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


@dataclass(frozen=True)
class Window:
    key: str
    limit: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    refused: bool
    retry_after: int = 0  # seconds until the window that refused resets


class MemoryCounters:
    """The same four operations on counters in this process's memory (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.counts: dict[str, tuple[int, float]] = {}  # key -> (count, when it expires)
        self.lock = threading.Lock()

    def _forget_expired(self, now: float) -> None:
        if len(self.counts) > 10_000:  # many clients: drop the windows that ended
            self.counts = {k: v for k, v in self.counts.items() if v[1] > now}

    def _current(self, window: Window, now: float) -> tuple[int, float]:
        count, expires = self.counts.get(window.key, (0, 0.0))
        return (count, expires) if expires > now else (0, now + window.seconds)

    def _wait(self, expires: float, now: float) -> int:
        return max(1, math.ceil(expires - now))

    def reserve(self, windows: Sequence[Window]) -> Verdict:
        with self.lock:
            now = self.clock()
            current = {w.key: self._current(w, now) for w in windows}
            full = [w for w in windows if current[w.key][0] + 1 > w.limit]
            if full:
                return Verdict(True, max(self._wait(current[w.key][1], now) for w in full))
            self._forget_expired(now)
            for w in windows:
                count, expires = current[w.key]
                self.counts[w.key] = (count + 1, expires)
            return Verdict(False)

    def peek(self, windows: Sequence[Window]) -> Verdict:
        with self.lock:
            now = self.clock()
            current = {w.key: self._current(w, now) for w in windows}
            full = [w for w in windows if current[w.key][0] >= w.limit]
            if full:
                return Verdict(True, max(self._wait(current[w.key][1], now) for w in full))
            return Verdict(False)

    def hit(self, windows: Sequence[Window]) -> None:
        with self.lock:
            now = self.clock()
            self._forget_expired(now)
            for w in windows:
                count, expires = self._current(w, now)
                self.counts[w.key] = (count + 1, expires)

    def give_back(self, windows: Sequence[Window]) -> None:
        with self.lock:
            now = self.clock()
            for w in windows:
                count, expires = self._current(w, now)
                if count > 0:
                    self.counts[w.key] = (count - 1, expires)


class Pending:
    """A reservation whose answer is read when it is needed (`verdict`), not when it is asked.

    `Counters.send_reserve` writes the script call to Redis and returns at once; the first
    `verdict()` reads the answer (by then usually waiting in the socket) and every later one
    returns the same verdict. `discard()` reads a pending answer nobody needs, so that the
    connection can serve the next request."""

    def __init__(
        self,
        counters: Counters | None,
        windows: Sequence[Window],
        connection: Any = None,
        decided: Verdict | None = None,
        asked_at: float = 0.0,
    ) -> None:
        self.counters = counters
        self.windows = windows
        self.connection = connection
        self.decided = decided
        self.asked_at = asked_at  # by the counters' clock, when it was sent

    def verdict(self) -> Verdict:
        if self.decided is None:
            assert self.counters is not None
            self.decided = self.counters.receive(self)
        return self.decided

    @property
    def settled(self) -> bool:
        return self.decided is not None

    def discard(self) -> None:
        if self.decided is None:
            self.verdict()


class Leases:
    """The places this process took ahead from Redis, per set of windows (see the module's text);
    a forked child starts with none (the parent's places stay the parent's)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.held: dict[tuple[str, ...], tuple[int, float]] = {}  # keys -> (places left, until)

    def _own(self) -> dict[tuple[str, ...], tuple[int, float]]:
        if self.pid != os.getpid():
            self.pid, self.held = os.getpid(), {}
        return self.held

    def take(self, windows: Sequence[Window]) -> bool:
        """Hand out one place of a lease on `windows` still running; False when there is none."""
        key = tuple(w.key for w in windows)
        with self.lock:
            held = self._own()
            found = held.get(key)
            if found is None:
                return False
            left, until = found
            if self.clock() >= until:
                del held[key]
                return False
            if left > 1:
                held[key] = (left - 1, until)
            else:
                del held[key]
            return True

    def keep(self, windows: Sequence[Window], places: int, ends_ms: int, asked_at: float) -> None:
        """Keep all but the first of `places` Redis granted to a reservation sent at `asked_at`,
        for as long as the first of its windows runs (it ended `ends_ms` after the grant at the
        latest, and the grant came after `asked_at`)."""
        if places <= 1:
            return
        until = asked_at + ends_ms / 1000 - LEASE_MARGIN
        with self.lock:
            now = self.clock()
            if until <= now:
                return
            held = self._own()
            if len(held) > 10_000:  # many clients with roomy limits: drop the leases that ended
                self.held = held = {k: v for k, v in held.items() if v[1] > now}
            held[tuple(w.key for w in windows)] = (places - 1, until)


class Counters:
    """The counters in Redis (one script call per operation), in memory while Redis is away.

    `lease`: the most places one reservation takes from Redis at once (1: one at a time)."""

    def __init__(
        self, url: str | None, clock: Callable[[], float] = time.monotonic, lease: int = 32
    ) -> None:
        self.clock = clock
        self.memory = MemoryCounters(clock)
        self.lease = lease
        self.leases = Leases(clock)
        self.client: Any = None
        self.scripts: dict[str, Any] = {}
        self.away_until = 0.0
        # Each thread's own connection for reservations read later (`send_reserve`): a pool's
        # connection would go back to the pool with an answer still in it.
        self.own = threading.local()
        if url:
            self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
            self.scripts = {
                name: self.client.register_script(text)
                for name, text in (
                    ("reserve", RESERVE),
                    ("peek", PEEK),
                    ("hit", HIT),
                    ("give_back", GIVE_BACK),
                )
            }

    def _redis(self, name: str, windows: Sequence[Window]) -> Any:
        """Run script `name` on Redis; None when Redis is not used or does not answer."""
        if self.client is None or self.clock() < self.away_until:
            return None
        try:
            return self.scripts[name](
                keys=[w.key for w in windows], args=self._arguments(name, windows)
            )
        except redis.RedisError as error:
            self._away(error)
            return None

    def _arguments(self, name: str, windows: Sequence[Window]) -> list[int]:
        arguments: list[int] = []
        for w in windows:
            arguments += [w.limit, w.seconds]
        if name == "reserve":
            arguments += [self.lease, LEASE_SHARE]
        return arguments

    def _away(self, error: Exception) -> None:
        log.warning("rate limits: Redis did not answer (%s); counting in memory", error)
        self.away_until = self.clock() + RETRY_REDIS_AFTER

    def _connection(self) -> Any:
        """This thread's own connection (a new one in a forked child)."""
        pid = os.getpid()
        if getattr(self.own, "pid", None) != pid:
            self.own.pid = pid
            self.own.connection = self.client.connection_pool.make_connection()
        return self.own.connection

    def send_reserve(self, windows: Sequence[Window]) -> Pending:
        """`reserve`, with its answer read later (`Pending.verdict`): the round trip to Redis
        overlaps whatever the caller does meanwhile. Only one may be pending per thread. A place
        of a lease this process holds is decided at once, without Redis."""
        if self.leases.take(windows):
            return Pending(None, windows, decided=Verdict(False))
        if self.client is None or self.clock() < self.away_until:
            return Pending(None, windows, decided=self.memory.reserve(windows))
        connection = self._connection()
        keys = [w.key for w in windows]
        asked_at = self.clock()
        try:
            connection.send_command(
                "EVALSHA",
                self.scripts["reserve"].sha,
                len(keys),
                *keys,
                *self._arguments("reserve", windows),
            )
        except redis.RedisError as error:
            connection.disconnect()
            self._away(error)
            return Pending(None, windows, decided=self.memory.reserve(windows))
        return Pending(self, windows, connection, asked_at=asked_at)

    def receive(self, pending: Pending) -> Verdict:
        """The answer to `pending`'s reservation, read from its connection."""
        try:
            found = pending.connection.read_response()
        except redis.exceptions.NoScriptError:
            return self.reserve(pending.windows)  # Redis restarted empty: load it and ask again
        except redis.RedisError as error:
            pending.connection.disconnect()
            self._away(error)
            return self.memory.reserve(pending.windows)
        return self._granted(pending.windows, found, pending.asked_at)

    def reserve(self, windows: Sequence[Window]) -> Verdict:
        if self.leases.take(windows):
            return Verdict(False)
        asked_at = self.clock()
        found = self._redis("reserve", windows)
        if found is None:
            return self.memory.reserve(windows)
        return self._granted(windows, found, asked_at)

    def _granted(self, windows: Sequence[Window], found: Any, asked_at: float) -> Verdict:
        """The verdict of a reservation script's answer; the places beyond one are leased."""
        verdict = _verdict(found)
        if not verdict.refused:
            self.leases.keep(windows, int(found[2]), int(found[3]), asked_at)
        return verdict

    def peek(self, windows: Sequence[Window]) -> Verdict:
        found = self._redis("peek", windows)
        if found is None:
            return self.memory.peek(windows)
        return _verdict(found)

    def hit(self, windows: Sequence[Window]) -> None:
        if self._redis("hit", windows) is None:
            self.memory.hit(windows)

    def give_back(self, windows: Sequence[Window]) -> None:
        if self._redis("give_back", windows) is None:
            self.memory.give_back(windows)


def _verdict(found: Any) -> Verdict:
    """A script's answer {refused, seconds of the fullest window} as a verdict."""
    return Verdict(bool(found[0]), max(1, int(found[1])) if found[0] else 0)


@functools.lru_cache(maxsize=64)
def parsed(text: str) -> tuple[tuple[int, int], ...]:
    """(limit, seconds) of each window of limit `text`, e.g. `5 per minute;20 per hour`."""
    items: list[RateLimitItem] = parse_many(text)
    return tuple((int(item.amount), int(item.get_expiry())) for item in items)


def windows_of(text: str, prefix: str, scope: str, client: str) -> list[Window]:
    """The windows of limit `text` (e.g. `5 per minute;20 per hour`) for one client and kind."""
    return [
        Window(f"{prefix}/{scope}/{client}/{limit}/{seconds}", limit, seconds)
        for limit, seconds in parsed(text)
    ]
