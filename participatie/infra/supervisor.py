"""`participatie run`: embedded Redis plus every Procfile process, stopped together."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from participatie.config import Settings
from participatie.infra.embedded_redis import EmbeddedRedis


def read_procfile(path: Path) -> dict[str, str]:
    """Return the process names and commands of a Procfile, in order."""
    processes: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def run(settings: Settings, procfile: Path) -> int:
    """Start Redis (unless REDIS_URL is set) and every process; Ctrl-C stops them all.

    Stopped by Ctrl-C or SIGTERM while every process ran, it exits 0: that is the operator's
    orderly stop, not a failure (`make run` would report "Error 130"). A process that stopped
    by itself first gives its exit code, as before."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    class Supervisor(Manager):
        asked_to_stop: bool | None = None  # decided at the first terminate()

        def terminate(self) -> None:
            if self.asked_to_stop is None:
                # Honcho terminates everything after a signal, or after a process stopped.
                self.asked_to_stop = not self._any_stopped()
            super().terminate()

    embedded = None if settings.redis_url else EmbeddedRedis(settings.var_dir)
    env = dict(os.environ)
    env["PARTICIPATIE_VAR_DIR"] = str(settings.var_dir.resolve())
    if embedded is not None:
        env["REDIS_URL"] = embedded.url
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    manager = Supervisor(Printer(sys.stdout))
    try:
        for name, command in read_procfile(procfile).items():
            manager.add_process(name, " ".join(shlex.split(command)), env=env)
        manager.loop()
    finally:
        if embedded is not None:
            embedded.stop()
    return 0 if manager.asked_to_stop else int(manager.returncode or 0)
