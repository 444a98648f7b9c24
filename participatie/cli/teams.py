"""participatie teams: teams and challenges."""

from __future__ import annotations

from pathlib import Path

import click

from participatie.cli.common import CLI_ACTOR, container, main


@main.group()
def teams() -> None:
    """Teams and challenges."""


@teams.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def teams_apply(file: Path) -> None:
    """Record the teams and challenges of a YAML FILE (only changes become events)."""
    from participatie.application.orgfile import apply_organisation, read_organisation

    with container() as c:
        result = apply_organisation(c.app, read_organisation(file), CLI_ACTOR)
    click.echo(
        f"{len(result.changed_teams)} teams en {len(result.changed_challenges)} opgaven gewijzigd."
    )
