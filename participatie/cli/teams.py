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


# The domain's field names as the options of `teams capacity` (a refusal names the option).
CAPACITY_OPTIONS = {"code": "CODE", "cases": "--cases", "hours_per_week": "--hours"}


@teams.command("capacity")
@click.argument("code")
@click.option("--cases", type=int, help="Open cases the team can carry.")
@click.option("--hours", type=int, help="Hours a week the team has for this work.")
@click.option("--reason", required=True, help="Why the team can carry this much.")
def teams_capacity(code: str, cases: int | None, hours: int | None, reason: str) -> None:
    """Record what team CODE can carry: open cases, hours a week, or both (with a reason)."""
    from marshmallow import ValidationError

    from participatie.application.actions import invalid
    from participatie.application.schemas import REQUIRED
    from participatie.domain.errors import InvalidChoice, ReasonRequired

    with container() as c:
        try:
            changed = c.app.set_team_capacity(code, cases, hours, reason, CLI_ACTOR)
        except ReasonRequired:
            raise ValidationError({"--reason": [REQUIRED]}) from None
        except InvalidChoice as error:
            messages = invalid(error).errors
            raise ValidationError(
                {CAPACITY_OPTIONS.get(f, f): m for f, m in messages.items()}
            ) from None
    if not changed:
        click.echo(f"De capaciteit van {code} blijft gelijk; er is niets vastgelegd.")
        return
    given = [f"{cases} zaken"] if cases is not None else []
    given += [f"{hours} uur per week"] if hours is not None else []
    click.echo(f"Capaciteit van {code} vastgelegd: {' en '.join(given)}.")
