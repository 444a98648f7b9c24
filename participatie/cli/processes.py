"""The long-running processes: run, web, worker, relay, projector and sealer."""

from __future__ import annotations

import os
import sys
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
    """Keep the views up to date (PostgreSQL: LISTEN/NOTIFY; SQLite: polling)."""
    import signal
    import threading

    from participatie.views.projector import Projector, ViewsProjection

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with container() as c:
        dsn = c.settings.postgres_dsn() if c.settings.uses_postgres else None
        runner = Projector(ViewsProjection(c.views, c.app), listen_dsn=dsn)
        click.echo(f"projector: views at position {runner.projection.position() or 0}", err=True)
        runner.run(stop)
        click.echo(f"projector: stopped after {runner.processed} events.", err=True)


@main.command()
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the log.")
def sealer(poll: float) -> None:
    """Keep the audit hash chain current and sign checkpoints (every N events or T minutes)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with container() as c:
        running = c.sealer()
        position, _, count = running.head()
        click.echo(f"sealer: {count} events sealed, up to position {position}", err=True)
        while not stop.is_set():
            if not running.seal():
                stop.wait(poll)
        click.echo("sealer: stopped.", err=True)
