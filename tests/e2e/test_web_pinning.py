"""`participatie web` with PARTICIPATIE_WEB_PIN=1 pins each worker to a core of its own
(web/serving.py); a worker that dies is replaced on the core it freed; without the setting the
workers may run anywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.services import free_port
from web.serving import least_held_core

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    ("allowed", "held", "chosen"),
    [
        ({0, 1}, [], 0),
        ({0, 1}, [0], 1),
        ({0, 1}, [1], 0),
        ({0, 1}, [0, 1], 0),  # more workers than cores: the lowest of the least held
        ({0, 1}, [0, 0, 1], 1),
        ({2, 5}, [2], 5),  # only the cores this process may use
        ({0, 1}, [None, 0], 1),  # a worker started unpinned holds no core
        ({3}, [3, 3], 3),
    ],
)
def test_a_new_worker_takes_the_least_held_allowed_core(
    allowed: set[int], held: list[int | None], chosen: int
) -> None:
    assert least_held_core(allowed, held) == chosen


def workers(arbiter: int, count: int, timeout: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = psutil.Process(arbiter).children()
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start {count} workers")


Web = Callable[[int, str], "subprocess.Popen[bytes]"]


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    """`participatie web --workers N` for each test's N and pinning, answering on a free port."""
    started: list[subprocess.Popen[bytes]] = []

    def start(count: int, pin: str) -> subprocess.Popen[bytes]:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update(PARTICIPATIE_VAR_DIR=str(tmp_path / "var"), PARTICIPATIE_PORT=str(port))
        env.update(PARTICIPATIE_HOST="127.0.0.1", PARTICIPATIE_WEB_PIN=pin)
        with (tmp_path / "web.log").open("ab") as out:
            process = subprocess.Popen(
                [BIN / "participatie", "web", "--workers", str(count)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    return process
            except OSError:
                assert process.poll() is None, (tmp_path / "web.log").read_text()
                time.sleep(0.2)
        raise AssertionError("participatie web did not answer")

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_pinned_workers_each_run_on_a_core_of_their_own_and_a_replacement_takes_the_freed_one(
    web: Web,
) -> None:
    cores = sorted(os.sched_getaffinity(0))
    count = min(len(cores), 2)
    process = web(count, "1")
    found = workers(process.pid, count)
    pinned = {w.pid: os.sched_getaffinity(w.pid) for w in found}
    assert sorted(next(iter(c)) for c in pinned.values()) == cores[:count]
    assert all(len(c) == 1 for c in pinned.values())
    victim = found[-1]
    freed = pinned[victim.pid]
    os.kill(victim.pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = [w for w in psutil.Process(process.pid).children() if w.pid != victim.pid]
        if len(now) == count:
            break
        time.sleep(0.1)
    replacement = next(w for w in now if w.pid not in pinned)
    assert os.sched_getaffinity(replacement.pid) == freed


@pytest.mark.slow
def test_without_pinning_the_workers_may_run_on_every_core(web: Web) -> None:
    process = web(2, "0")
    allowed = os.sched_getaffinity(0)
    assert [os.sched_getaffinity(w.pid) for w in workers(process.pid, 2)] == [allowed, allowed]
