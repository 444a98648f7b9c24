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
    """Start Redis (unless REDIS_URL is set) and every process; Ctrl-C stops them all."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    embedded = None if settings.redis_url else EmbeddedRedis(settings.var_dir)
    env = dict(os.environ)
    env["PARTICIPATIE_VAR_DIR"] = str(settings.var_dir.resolve())
    if embedded is not None:
        env["REDIS_URL"] = embedded.url
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    manager = Manager(Printer(sys.stdout))
    try:
        for name, command in read_procfile(procfile).items():
            manager.add_process(name, " ".join(shlex.split(command)), env=env)
        manager.loop()
    finally:
        if embedded is not None:
            embedded.stop()
    return int(manager.returncode or 0)
