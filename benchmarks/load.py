"""A small closed-loop HTTP load generator for loopback (no dependencies, little CPU).

`concurrency` clients each send a request, wait for the whole answer, and send the next, for
`seconds` or until `count` requests were sent. Every request opens its own connection (gunicorn's
sync workers close it after each answer anyway), so a killed server shows up as connection
errors, which are counted, not raised. A steady `rate` (requests per second, over all clients)
can be asked instead of "as fast as possible".

    result = run(url, lambda n: Request("POST", "/api/v1/initiatives", body), concurrency=8,
                 seconds=20)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, method: str, path: str, data: Any, **headers: str) -> Request:
        extra = tuple((k.replace("_", "-"), v) for k, v in headers.items())
        return cls(
            method, path, json.dumps(data).encode(), (("Content-Type", "application/json"), *extra)
        )


@dataclass
class Answer:
    number: int
    status: int  # 0: no answer (connection refused, reset, timed out)
    body: bytes
    started: float
    seconds: float
    error: str = ""


@dataclass
class Result:
    answers: list[Answer] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers)

    def rate(self, status: int) -> float:
        """Answers with `status` per second of the run."""
        return self.statuses[status] / self.elapsed if self.elapsed else 0.0

    def latency(self, quantile: float, status: int | None = None) -> float:
        times = sorted(a.seconds for a in self.answers if status is None or a.status == status)
        if not times:
            return float("nan")
        return times[min(len(times) - 1, int(quantile * len(times)))]


async def _send(host: str, port: int, request: Request, timeout: float) -> tuple[int, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        head = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Connection: close",
            f"Content-Length: {len(request.body)}",
            *(f"{k}: {v}" for k, v in request.headers),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if not raw:
        raise ConnectionResetError("closed without an answer")
    header, _, body = raw.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    return status, body


def run(
    url: str,
    make: Callable[[int], Request],
    *,
    concurrency: int = 8,
    seconds: float | None = None,
    count: int | None = None,
    rate: float | None = None,
    timeout: float = 30,
    stop: Callable[[], bool] | None = None,
    also: Sequence[str] = (),
) -> Result:
    """Send requests made by `make(n)`; stop after `seconds`, `count` or when `stop()` is true.

    With `also` (more base URLs), a request whose connection `url` refuses goes to the next
    one, as a load balancer passes over a dead backend (nothing was sent, so nothing doubles).
    """
    if seconds is None and count is None and stop is None:
        raise ValueError("say when to stop: seconds, count or stop")
    return asyncio.run(_run([url, *also], make, concurrency, seconds, count, rate, timeout, stop))


async def _run(
    urls: list[str],
    make: Callable[[int], Request],
    concurrency: int,
    seconds: float | None,
    count: int | None,
    rate: float | None,
    timeout: float,
    stop: Callable[[], bool] | None,
) -> Result:
    backends = [(parts.hostname or "127.0.0.1", parts.port or 80) for parts in map(urlsplit, urls)]
    result = Result()
    numbers = iter(range(count if count is not None else 2**62))
    start = time.perf_counter()
    end = start + seconds if seconds is not None else float("inf")

    async def client() -> None:
        while True:
            now = time.perf_counter()
            if now >= end or (stop is not None and stop()):
                return
            number = next(numbers, None)
            if number is None:
                return
            if rate:
                due = start + number / rate
                if due > now:
                    await asyncio.sleep(due - now)
            request = make(number)
            began = time.perf_counter()
            for index, (host, port) in enumerate(backends):
                try:
                    status, body = await _send(host, port, request, timeout)
                    error = ""
                except ConnectionRefusedError as failure:
                    status, body, error = 0, b"", f"{type(failure).__name__}: {failure}"
                    if index + 1 < len(backends):
                        continue  # nothing was sent: the next backend may take it
                except (TimeoutError, OSError, ValueError, IndexError) as failure:
                    status, body, error = 0, b"", f"{type(failure).__name__}: {failure}"
                break
            result.answers.append(
                Answer(number, status, body, began - start, time.perf_counter() - began, error)
            )

    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result
