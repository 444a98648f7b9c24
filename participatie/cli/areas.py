"""participatie areas: area maps."""

from __future__ import annotations

from pathlib import Path

import click

from participatie.cli.common import CLI_ACTOR, container, main, refuse_area_file
from participatie.maps.areas_import import NETHERLANDS, AreaFileError, read_areas


@main.group()
def areas() -> None:
    """Area maps (wijken en buurten)."""


@areas.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "label", required=True, help="Label of the new map version.")
def areas_import(file: Path, label: str) -> None:
    """Import a CBS/PDOK wijken-en-buurten GeoJSON FILE (WGS84 or RD New) as a new map version.

    Every feature is checked first; a file that cannot be used changes nothing and exits 2."""
    with container() as c:
        try:
            found = read_areas(file, within=NETHERLANDS)
        except AreaFileError as error:
            refuse_area_file(error, file)
        c.app.import_area_map(label, found, f"file:{file.name}", CLI_ACTOR)
    click.echo(f"Kaartversie {label} geïmporteerd: {len(found)} gebieden.")
