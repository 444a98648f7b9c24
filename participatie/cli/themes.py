"""participatie themes: the municipality's theme list."""

from __future__ import annotations

from pathlib import Path

import click

from participatie.cli.common import CLI_ACTOR, container, main


@main.group()
def themes() -> None:
    """The theme list: apply a new version, show the current one."""


@themes.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", help="Why the list changes (instead of the file's `reason`).")
def themes_apply(file: Path, reason: str | None) -> None:
    """Apply the theme list in FILE as a new version; themes left out are kept, retired."""
    from marshmallow import ValidationError

    from participatie.application.themesfile import read_themes

    with container() as c:
        data = read_themes(file)
        why = (reason or data.get("reason") or "").strip()
        if not why:
            raise ValidationError({"reason": ["Geef een reden (in het bestand of met --reason)."]})
        change = c.app.apply_themes(data["version"], data["themes"], why, CLI_ACTOR)
    if change.nothing:
        click.echo("De themalijst blijft gelijk; er is niets vastgelegd.")
        return
    click.echo(f"Themalijst {data['version']} vastgelegd.")
    for label, codes in (
        ("Nieuw", change.added),
        ("Ingetrokken", change.retired),
        ("Weer in gebruik", change.reactivated),
        ("Andere naam of omschrijving", change.relabelled),
    ):
        if codes:
            click.echo(f"  {label}: {', '.join(codes)}")


@themes.command("show")
def themes_show() -> None:
    """Print the current theme list, retired themes marked."""
    with container() as c:
        catalogue = c.app.theme_list()
    click.echo(f"Versie: {catalogue.version or 'standaardlijst (nog geen eigen versie)'}")
    for theme in catalogue.themes:
        state = "" if theme.active else "  (ingetrokken)"
        click.echo(f"  {theme.code:<24} {theme.nl} / {theme.en}{state}")
