"""participatie jobs: background jobs in Redis."""

from __future__ import annotations

import sys

import click

from participatie.cli.common import main
from participatie.config import Settings


@main.group()
def jobs() -> None:
    """Background jobs in Redis: failed jobs and re-running them."""


@jobs.command("failed")
def jobs_failed() -> None:
    """List the jobs that exhausted their retries (RQ's failed registry)."""
    from participatie.infra.failed_jobs import failed_jobs

    settings = Settings.from_env()
    found = failed_jobs(settings)
    for job in found:
        click.echo(f"{job.id}  {job.ended_at or '-'}  {job.description}")
        click.echo(f"    fout: {job.error}")
    click.echo(f"{len(found)} mislukte taken.")


@jobs.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "requeue_all", is_flag=True, help="Every failed job.")
def jobs_requeue(job_ids: tuple[str, ...], requeue_all: bool) -> None:
    """Put failed jobs back on the queue (JOB_IDS, or --all)."""
    from participatie.infra.failed_jobs import requeue_failed

    if bool(job_ids) == requeue_all:
        raise click.UsageError("geef taak-id's op of --all, niet beide of geen van beide")
    done, unknown = requeue_failed(Settings.from_env(), None if requeue_all else list(job_ids))
    for job_id in unknown:
        click.echo(f"onbekend of niet mislukt: {job_id}", err=True)
    click.echo(f"{done} taken opnieuw in de wachtrij.")
    if unknown:
        sys.exit(1)
