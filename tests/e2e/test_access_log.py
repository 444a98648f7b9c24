"""`participatie web` (gunicorn, as `participatie run` starts it) logs no link token, no tracking
code and no query value: not in the request line, not in the Referer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from participatie.infra.secrets_store import load_or_create_key
from participatie.notifications.tokens import TokenBox
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def get(url: str, referer: str = "") -> int:
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_the_gunicorn_access_log_holds_no_token_and_no_query_value(tmp_path: Path) -> None:
    port = free_port()
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(PARTICIPATIE_VAR_DIR=str(var), PARTICIPATIE_PORT=str(port))
    env["PARTICIPATIE_HOST"] = "127.0.0.1"
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN / "participatie", "web", "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(base + "/privacy")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
        box = TokenBox(load_or_create_key("", var / "secret.key", "PARTICIPATIE_SECRET_KEY"))
        support = box.make("support", {"i": "x"})
        confirm = box.make("confirm-email", {"i": "y"})
        code = "0123-4567-89AB-CDEF-0123-4567-89AB-CDEF"
        statuses = [
            get(f"{base}/steun/{support}?email=zoe@example.org"),
            get(f"{base}/privacy", referer=f"{base}/bevestigen/{confirm}"),
            get(f"{base}/volgen/{code}"),
        ]
        assert statuses == [404, 200, 404]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    written = log.read_text()
    assert '"GET /steun/[redacted]?email=[redacted] HTTP/1.1" 404' in written, written
    assert f'"{base}/bevestigen/[redacted]"' in written, written
    assert '"GET /volgen/[redacted] HTTP/1.1" 404' in written, written
    assert "gAAAAA" not in written and "zoe@" not in written, written
    assert "0123-4567" not in written, written
