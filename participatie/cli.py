"""The `participatie` command for operators."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
from marshmallow import ValidationError

from participatie.areas_import import AreaFileError, read_areas
from participatie.bootstrap import Container, build
from participatie.config import ConfigError, Settings
from participatie.domain.errors import DomainError
from participatie.domain.values import Actor
from participatie.history import describe, plain

F = TypeVar("F", bound=Callable[..., Any])
CLI_ACTOR = Actor.system("cli")


def field_errors(messages: Any, prefix: str = "") -> Iterator[str]:
    """Flatten marshmallow's nested messages into 'field.path: message' lines."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from field_errors(value, path)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield f"{prefix or '_schema'}: {message}"
    elif isinstance(messages, list):
        for number, value in enumerate(messages):
            yield from field_errors(value, f"{prefix}.{number}")
    else:
        yield f"{prefix or '_schema'}: {messages}"


@contextmanager
def container() -> Iterator[Container]:
    """Build the application for one command and report errors without a stack trace."""
    try:
        built = build(Settings.from_env())
    except ConfigError as error:
        raise click.ClickException(f"configuratie: {error}") from None
    try:
        yield built
    except ValidationError as error:
        for line in field_errors(error.messages):
            click.echo(line, err=True)
        raise click.exceptions.Exit(2) from None
    except (DomainError, AreaFileError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        built.close()


@click.group()
def main() -> None:
    """Participatie: initiatives from residents, routed to the right team, fully traceable."""


# -- demo ----------------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """The fictional demo municipality Lindewaard (GM9999)."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when data is already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load areas, teams, challenges, rulebook and ~50 initiatives of the demo municipality."""
    from participatie.demo import load_demo

    with container() as c:
        summary = load_demo(c.app, if_empty=if_empty)
    if not summary.loaded:
        click.echo("Demogegevens zijn al geladen; niets gedaan.")
        return
    click.echo(
        f"Demogemeente Lindewaard (fictief) geladen: {summary.areas} gebieden, "
        f"{summary.teams} teams, {summary.challenges} opgaven, {summary.rules} regels, "
        f"{summary.initiatives} initiatieven."
    )


# -- areas and teams -----------------------------------------------------------------------------


@main.group()
def areas() -> None:
    """Area maps (wijken en buurten)."""


@areas.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "label", required=True, help="Label of the new map version.")
def areas_import(file: Path, label: str) -> None:
    """Import a CBS/PDOK wijken-en-buurten GeoJSON FILE as a new map version."""
    with container() as c:
        found = read_areas(file)
        c.app.import_area_map(label, found, f"file:{file.name}", CLI_ACTOR)
    click.echo(f"Kaartversie {label} geïmporteerd: {len(found)} gebieden.")


@main.group()
def teams() -> None:
    """Teams and challenges."""


@teams.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def teams_apply(file: Path) -> None:
    """Record the teams and challenges of a YAML FILE (only changes become events)."""
    from participatie.orgfile import apply_organisation, read_organisation

    with container() as c:
        result = apply_organisation(c.app, read_organisation(file), CLI_ACTOR)
    click.echo(
        f"{len(result.changed_teams)} teams en {len(result.changed_challenges)} opgaven gewijzigd."
    )


# -- initiatives ---------------------------------------------------------------------------------


@main.group()
def initiatives() -> None:
    """Submit and inspect initiatives."""


@initiatives.command("submit")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--channel", default="cli", show_default=True, help="Where it came in.")
def initiatives_submit(file: Any, channel: str) -> None:
    """Submit the initiative in a JSON FILE ('-' reads standard input)."""
    from participatie.schemas import SubmissionSchema

    try:
        data = json.load(file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"geen geldige JSON: {error}") from None
    with container() as c:
        clean = SubmissionSchema(c.app.area_index()).load_submission(data)
        submission = c.app.submit(clean, channel=channel)
    click.echo(f"id: {submission.initiative_id}")
    click.echo(f"volgcode: {submission.tracking_code}")


@initiatives.command("show")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def initiatives_show(ident: str, as_json: bool) -> None:
    """Print an initiative's state and its full history (IDENT: id or tracking code)."""
    with container() as c:
        initiative_id = _resolve(c, ident)
        initiative = c.app.get_initiative(initiative_id)
        state = {
            "id": str(initiative.id),
            "version": initiative.version,
            "title": initiative.title,
            "status": initiative.status.value,
            "themes": initiative.themes,
            "area": initiative.location.area_code,
            "initiator_kind": initiative.initiator_kind.value,
            "lead_team": initiative.lead_team,
            "involved_teams": initiative.involved_teams,
            "priority": initiative.priority.value,
            "assignee": initiative.assignee,
            "allowed": initiative.allowed_commands(),
        }
        entries = [describe(event) for event in c.app.history(initiative_id)]
    if as_json:
        click.echo(
            json.dumps(
                {"state": state, "history": [plain(asdict(e)) for e in entries]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for key, value in state.items():
        click.echo(f"{key:>15}: {value}")
    click.echo("\nGeschiedenis:")
    for entry in entries:
        who = f"{entry.actor} ({entry.role}{', ' + entry.team if entry.team else ''})"
        click.echo(f"  v{entry.version} {entry.at:%Y-%m-%d %H:%M} {entry.event} door {who}")
        if entry.status:
            click.echo(f"      status: {entry.status}")
        if entry.reason:
            click.echo(f"      reden: {entry.reason}")
        for key, value in entry.details.items():
            click.echo(f"      {key}: {json.dumps(value, ensure_ascii=False)}")


def _resolve(c: Container, ident: str) -> UUID:
    found = c.app.find_by_tracking_code(ident)  # a tracking code is also valid UUID hex
    if found is not None:
        return found
    try:
        return UUID(ident)
    except ValueError:
        raise click.ClickException(f"geen initiatief met id of volgcode {ident!r}") from None


# -- processes -----------------------------------------------------------------------------------


@main.command("run")
@click.option("--procfile", default="Procfile", type=click.Path(exists=True, path_type=Path))
def run_all(procfile: Path) -> None:
    """Run the whole platform: embedded Redis (if no REDIS_URL) and every Procfile process."""
    from participatie.supervisor import run

    sys.exit(run(Settings.from_env(), procfile))


@main.command("web")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
def web(workers: int) -> None:
    """Serve the web application with gunicorn on PARTICIPATIE_HOST:PARTICIPATIE_PORT."""
    import os

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
def worker() -> None:
    """Run an RQ worker on the configured Redis."""
    from workers.worker import run_worker

    run_worker(Settings.from_env())


@main.command("relay")
def relay() -> None:
    """Follow the notification log and enqueue jobs (arrives with the Routing issue)."""
    from workers.idle import idle

    idle("relay", "issue 3 (Routing)")


@main.command("projector")
def projector() -> None:
    """Keep the views up to date (arrives with the Views issue)."""
    from workers.idle import idle

    idle("projector", "issue 4 (Views)")
