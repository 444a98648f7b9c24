"""The long-running processes: run, web, worker, relay, projector and sealer."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import click

from participatie.cli.common import container, main
from participatie.config import Settings


@main.command("run")
@click.option("--procfile", default="Procfile", type=click.Path(exists=True, path_type=Path))
def run_all(procfile: Path) -> None:
    """Run the whole platform: embedded Redis (if no REDIS_URL) and every Procfile process."""
    from participatie.infra.supervisor import run

    sys.exit(run(Settings.from_env(), procfile))


@main.command("web")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
def web(workers: int) -> None:
    """Serve the web application with gunicorn on PARTICIPATIE_HOST:PARTICIPATIE_PORT."""
    settings = Settings.from_env()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.execv(
        gunicorn,
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--bind",
            f"{settings.host}:{settings.port}",
            "--access-logfile",
            "-",
            # The default access line, written without gunicorn's dictionary of every atom.
            "--logger-class",
            "web.accesslog.AccessLogger",
            # Hooks: each worker pinned to a core of its own, with PARTICIPATIE_WEB_PIN=1.
            "--config",
            "python:web.serving",
            "web:create_app()",
        ],
    )


@main.command("worker")
@click.option("--fork", is_flag=True, help="Run each job in a forked child (RQ Worker).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(fork: bool, burst: bool) -> None:
    """Run an RQ worker on the configured Redis, with the application preloaded."""
    _exec_workers("worker", *(["--fork"] if fork else []), *(["--burst"] if burst else []))


@main.command("relay")
def relay() -> None:
    """Follow the notification log and enqueue jobs (and re-enqueue what Redis lost)."""
    _exec_workers("relay")


def _exec_workers(*arguments: str) -> None:
    """Become the `workers` process (same PID, so signals and supervisors reach it)."""
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "workers", *arguments])


@main.command("projector")
def projector() -> None:
    """Keep the views up to date (woken after each commit: NOTIFY on PostgreSQL, a local
    datagram on SQLite; polling as the fallback); one projector leads, others stand by."""
    from participatie.infra.leader import lead, leader_lock
    from participatie.infra.wakeup import local_address
    from participatie.views.projector import Projector, ViewsProjection

    stop = _stop_on_signals()
    with container() as c:
        dsn = c.settings.postgres_dsn() if c.settings.uses_postgres else None
        local = None if dsn else local_address(c.settings.event_store_path, "projector")

        def work(term: threading.Event) -> None:
            runner = Projector(ViewsProjection(c.views, c.app), listen_dsn=dsn, local=local)
            _say(f"projector: views at position {runner.projection.position() or 0}")
            runner.run(term)
            _say(f"projector: stopped after {runner.processed} events.")

        lead(leader_lock(c.settings, "projector"), stop, "projector", work, say=_say)


@main.command()
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the log.")
def sealer(poll: float) -> None:
    """Keep the audit hash chain current and sign checkpoints (every N events or T minutes);
    one sealer leads, others stand by."""
    from participatie.infra.leader import lead, leader_lock

    stop = _stop_on_signals()
    with container() as c:

        def work(term: threading.Event) -> None:
            running = c.sealer()
            position, _, count = running.head()
            _say(f"sealer: {count} events sealed, up to position {position}")
            while not term.is_set():
                if not running.seal():
                    term.wait(poll)
            _say("sealer: stopped.")

        lead(leader_lock(c.settings, "sealer"), stop, "sealer", work, say=_say)


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the orderly stop of a long-running process."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def _say(message: str) -> None:
    click.echo(message, err=True)
