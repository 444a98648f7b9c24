"""`participatie run` (what `make run` starts): serves /healthz, and Ctrl-C leaves no process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, found through /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_run_serves_healthz_with_demo_data_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(PARTICIPATIE_VAR_DIR=str(tmp_path / "var"), PARTICIPATIE_PORT=str(port))
    subprocess.run(
        [BIN / "participatie", "demo", "load", "--if-empty"], env=env, check=True, cwd=ROOT
    )
    process = subprocess.Popen(
        [BIN / "participatie", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                status, body = get_json(f"http://127.0.0.1:{port}/healthz")
                if status == 200 and body.get("redis") == {"ok": True}:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            time.sleep(0.3)
        assert body.get("status") == "ok", body
        assert body["data"]["teams"] == 13  # type: ignore[index]
        assert body["data"]["rulebook"] == "2026-1"  # type: ignore[index]
        redis_pid = int((tmp_path / "var" / "embedded-redis.pid").read_text())
        processes = descendants(process.pid) | {redis_pid}
        names = {Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ") for p in processes}
        assert any(b"redis-server" in n for n in names), names
        for name in (b"participatie web", b"participatie relay", b"participatie worker"):
            assert any(name in n for n in names), (name, names)
        assert any(b"participatie projector" in n for n in names), names
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        # An orderly stop, not a failure: `make run` would otherwise end in "Error 130".
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in processes):
            time.sleep(0.1)
        assert [p for p in processes if alive(p)] == []
        assert not (tmp_path / "var" / "embedded-redis.pid").exists()
    finally:
        # On failure, leave nothing behind: children run in sessions of their own, so collect
        # them before the supervisor dies and they are re-parented.
        leftovers = descendants(process.pid)
        pidfile = tmp_path / "var" / "embedded-redis.pid"
        if pidfile.exists():
            leftovers.add(int(pidfile.read_text()))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_run_gives_the_exit_code_of_a_process_that_stops_by_itself(tmp_path: Path) -> None:
    """A process failing is not an orderly stop: its code is the supervisor's."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("sleeper: sleep 30\nfailing: sh -c 'sleep 0.5; exit 3'\n")
    # REDIS_URL set: no embedded Redis is started for this
    env = dict(os.environ, PARTICIPATIE_VAR_DIR=str(tmp_path / "var"), REDIS_URL=REDIS_URL)
    done = subprocess.run(
        [BIN / "participatie", "run", "--procfile", str(procfile)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stdout.decode()
