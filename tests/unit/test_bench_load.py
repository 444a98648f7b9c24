"""The load generator passes a refused connection to the next backend, as a load balancer does,
and never sends one request twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.load import Request, run
from tests.services import free_port


class Counting(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.seen.append(self.rfile.read(length).decode())
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def live() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (Counting,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def make(n: int) -> Request:
    return Request("POST", "/x", str(n).encode())


def test_a_refused_connection_goes_to_the_next_backend_once(live: tuple[str, list[str]]) -> None:
    url, seen = live
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run(dead, make, concurrency=2, count=10, also=[url])
    assert dict(result.statuses) == {201: 10}
    assert sorted(seen, key=int) == [str(n) for n in range(10)]


def test_without_another_backend_a_refused_connection_is_status_0() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(dead, make, concurrency=1, count=3)
    assert dict(result.statuses) == {0: 3}
    assert all("ConnectionRefusedError" in a.error for a in result.answers)
