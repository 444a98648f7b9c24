"""The platform as real processes on loopback, for the benchmarks, the soak and the fault runs.

`Stack` starts a private redis-server and any of the Procfile's processes (`web` is gunicorn
with two workers) against one store, each in its own process group, so that `kill` is a
`kill -9` of the process and every child it has. Logs go to `<workdir>/logs/<name>.log`.

    with tempfile.TemporaryDirectory() as tmp, store("sqlite", Path(tmp)) as settings:
        with Stack(settings, Path(tmp)) as stack:
            stack.start("web", "relay", "worker", "worker", "projector")
            ...
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

from participatie.config import Settings

POSTGRES_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
PROCESSES = ("web", "relay", "worker", "projector", "sealer")
# Benchmarks submit far more than a resident may: the limiter still runs (and costs a Redis
# round trip per request), it just never says no.
UNLIMITED = "1000000 per second"


@contextlib.contextmanager
def store(kind: str, workdir: Path) -> Iterator[Settings]:
    """Settings for a fresh store: SQLite under `workdir`, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield Settings(var_dir=workdir / "var")
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        try:
            yield Settings(
                var_dir=workdir / "var", database_url=POSTGRES_URL, database_schema=schema
            )
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def machine() -> str:
    """One line naming the machine and software a figure was measured on."""
    return (
        f"{date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def free_port() -> int:
    from tests.services import free_port as port

    return int(port())


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


class Stack:
    """Redis plus platform processes for one store; stopped (all of them) on exit."""

    def __init__(
        self, settings: Settings, workdir: Path, *, queue: str = "bench", **overrides: object
    ) -> None:
        from tests.services import RedisServer

        self.workdir = workdir
        self.redis = RedisServer(workdir / "redis")
        self.redis.start()
        self.port = free_port()
        self.settings = settings.with_(
            redis_url=self.redis.url,
            queue_name=queue,
            port=self.port,
            public_url=f"http://127.0.0.1:{self.port}",
            submit_limit=UNLIMITED,
            support_limit=UNLIMITED,
            **overrides,
        )
        self.env = {**os.environ, **self.settings.as_environ()}
        self.env["PATH"] = str(BIN) + os.pathsep + self.env.get("PATH", "")
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running: list[Running] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- processes -------------------------------------------------------------------------------

    def start(self, *names: str, wait: bool = True) -> list[Running]:
        """Start one process per name (a name twice starts two); wait until web answers."""
        started = []
        for name in names:
            if name not in PROCESSES:
                raise ValueError(f"unknown process {name!r}; one of {', '.join(PROCESSES)}")
            started.append(self.spawn(name, [str(BIN / "participatie"), name]))
        if wait and "web" in names:
            self.wait_for_web()
        return started

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Running:
        """Run any command as process `name`, with the stack's environment (or `env`) and a
        log file."""
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                argv,
                env=self.env if env is None else env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches its children
            )
        running = Running(name, process)
        self.running.append(running)
        return running

    def gunicorn(self, name: str, app: str, workers: int = 2) -> Running:
        """Serve `app` (a gunicorn app spec) on the stack's port, as `participatie web` does
        (the same hooks: its workers are pinned to cores when PARTICIPATIE_WEB_PIN is 1)."""
        argv = [str(BIN / "gunicorn"), "--workers", str(workers), "--config", "python:web.serving"]
        argv += ["--bind", f"127.0.0.1:{self.port}", app]
        running = self.spawn(name, argv)
        self.wait_for(self.url + "/healthz" if name == "web" else self.url + "/", any_answer=True)
        return running

    def wait_for_web(self, timeout: float = 60) -> None:
        self.wait_for(self.url + "/healthz", timeout=timeout)

    def wait_for(self, url: str, timeout: float = 60, any_answer: bool = False) -> None:
        """Wait until `url` answers 200 (or anything at all, with `any_answer`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError:
                if any_answer:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{url} did not answer within {timeout:g} s; see {self.logs}")

    def processes(self, name: str) -> list[Running]:
        return [r for r in self.running if r.name == name and r.process.poll() is None]

    def kill(self, name: str) -> int:
        """`kill -9` the first running process called `name` and all its children; its pid."""
        if name == "redis":
            pid = self.redis.process.pid if self.redis.process else 0
            self.redis.kill()
            return pid
        running = self.processes(name)[0]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait(30)
        self.running.remove(running)
        return running.process.pid

    def restart(self, name: str) -> None:
        """Start `name` again after a kill (Redis comes back empty: it keeps nothing)."""
        if name == "redis":
            self.redis.start()
        else:
            self.start(name)

    def rss(self, name: str) -> int:
        """Resident memory in bytes of every process called `name`, children included."""
        total = 0
        for running in self.processes(name):
            for process in running.tree():
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += process.memory_info().rss
        return total

    def alive(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for running in self.running:
            if running.process.poll() is None:
                counts[running.name] = counts.get(running.name, 0) + 1
        return counts

    def stop(self) -> None:
        """SIGTERM everything (SIGKILL after 20 s), then Redis."""
        for running in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running.process.pid, signal.SIGTERM)
        for running in self.running:
            try:
                running.process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(running.process.pid, signal.SIGKILL)
                running.process.wait(10)
        self.running.clear()
        self.redis.kill()


def p95(client: Any, urls: list[str], samples: int) -> float:
    """p95 seconds of GETs through a Flask test client, random among `urls` (after a warm-up);
    every answer must be 200."""
    rng = random.Random(7)
    timings = []
    for url in urls[:3]:  # warm up
        assert client.get(url).status_code == 200, url
    for _ in range(samples):
        url = rng.choice(urls)
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.quantiles(timings, n=20)[18]


Measure = Callable[[Stack], tuple[float, float]]  # one round: (rate, p95 in ms)


def every_round(
    kind: str, rounds: int, variants: dict[str, Measure]
) -> dict[str, list[tuple[float, float]]]:
    """On a fresh `kind` store with the demo municipality, run each variant `rounds` times,
    alternating; every round's (rate, p95) of each, in the order they ran."""
    from participatie.bootstrap import build
    from participatie.demo import load_demo

    found: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as settings:
        container = build(settings)
        load_demo(container.app)
        container.close()
        with Stack(settings, Path(tmp)) as stack:
            for _ in range(rounds):
                for name, measure in variants.items():
                    rate, p95 = measure(stack)
                    print(f"{kind} {name}: {rate:.1f}/s p95 {p95:.1f} ms", flush=True)
                    found[name].append((rate, p95))
    return found


def best_of(found: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """Each variant's best round (highest rate) with its p95."""
    return {name: max(rounds, key=lambda r: r[0]) for name, rounds in found.items()}


def paired_ratios(
    found: dict[str, list[tuple[float, float]]],
    over: str | Sequence[str],
    under: str | Sequence[str],
) -> list[float]:
    """`over`'s rate ÷ `under`'s in each round: the two ran minutes apart at most, so a machine
    that is slower for a while slows both (on a shared machine the best rounds of each may come
    from different minutes). Either side may be several variants (the same program run two
    ways): its best rate in that round counts."""

    def rates(names: str | Sequence[str]) -> list[float]:
        group = [names] if isinstance(names, str) else list(names)
        return [
            max(r[0] for r in rounds) for rounds in zip(*(found[n] for n in group), strict=True)
        ]

    return [a / b for a, b in zip(rates(over), rates(under), strict=True)]


def best_rounds(
    kind: str, rounds: int, variants: dict[str, Measure]
) -> dict[str, tuple[float, float]]:
    """On a fresh `kind` store with the demo municipality, run each variant `rounds` times,
    alternating, and keep each one's best round (highest rate) with its p95."""
    return best_of(every_round(kind, rounds, variants))
