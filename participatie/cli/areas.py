"""participatie areas: area maps."""

from __future__ import annotations

from pathlib import Path

import click

from participatie.cli.common import CLI_ACTOR, container, main
from participatie.maps.areas_import import read_areas


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
