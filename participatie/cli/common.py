"""What every command group of `participatie` shares: the group itself, the container, the actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

import click
from marshmallow import ValidationError

from participatie.application.schemas import flatten
from participatie.bootstrap import Container, build
from participatie.config import ConfigError, Settings
from participatie.domain.errors import DomainError
from participatie.domain.values import Actor
from participatie.infra.datafiles import DataFileError
from participatie.maps.areas_import import AreaFileError

CLI_ACTOR = Actor.system("cli")


def field_errors(messages: Any) -> Iterator[str]:
    """Marshmallow's nested messages as 'field.path: message' lines."""
    for path, message in flatten(messages):
        yield f"{'.'.join(str(key) for key in path) or '_schema'}: {message}"


@contextmanager
def container() -> Iterator[Container]:
    """Build the application for one command and report errors without a stack trace.

    Field errors and files that cannot be used exit 2 (the input is wrong), refusals exit 1."""
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
    except DataFileError as error:
        click.echo(f"Error: {error}", err=True)
        raise click.exceptions.Exit(2) from None
    except AreaFileError as error:
        refuse_area_file(error)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    finally:
        built.close()


def refuse_area_file(error: AreaFileError, file: Path | None = None) -> NoReturn:
    """Print why an area file cannot be used, in Dutch and in English, and exit 2."""
    where = f"{file}: " if file is not None and error.problem is not None else ""
    click.echo(f"Fout: {where}{error.dutch}\nError: {where}{error}", err=True)
    raise click.exceptions.Exit(2) from None


@click.group()
def main() -> None:
    """Participatie: initiatives from residents, routed to the right team, fully traceable."""


def _resolve(c: Container, ident: str) -> UUID:
    found = c.app.find_by_tracking_code(ident)  # a tracking code is also valid UUID hex
    if found is not None:
        return found
    try:
        return UUID(ident)
    except ValueError:
        raise click.ClickException(f"geen initiatief met id of volgcode {ident!r}") from None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO date/time: {text}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
