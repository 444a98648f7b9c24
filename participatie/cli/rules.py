"""participatie rules: the routing rulebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from participatie.bootstrap import Container
from participatie.cli.common import CLI_ACTOR, container, main


@main.group()
def rules() -> None:
    """The routing rulebook: check, backtest and publish versions."""


def _candidate(c: Container, file: Path) -> tuple[dict[str, Any], Any]:
    from participatie.application.rulesfile import read_rulebook

    data = read_rulebook(file)
    book = c.app.candidate_book(data["version"], data["default_acceptance_days"], data["rules"])
    return data, book


@rules.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_check(file: Path) -> None:
    """Check a rulebook YAML FILE against the teams, challenges and area map; change nothing."""
    with container() as c:
        data, _ = _candidate(c, file)
    click.echo(f"Regelboek {data['version']} is in orde: {len(data['rules'])} regels.")


@rules.command("backtest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_backtest(file: Path) -> None:
    """Replay every initiative through the rulebook in FILE and print what would move."""
    from participatie.application.backtest import backtest

    with container() as c:
        _, book = _candidate(c, file)
        result = backtest(c.app, book)
    for line in result.lines():
        click.echo(line)


@rules.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_publish(file: Path) -> None:
    """Publish the rulebook in FILE as a new version (open work is not moved)."""
    with container() as c:
        data, _ = _candidate(c, file)
        c.app.publish_rulebook(
            data["version"],
            data["description"],
            data["default_acceptance_days"],
            data["rules"],
            CLI_ACTOR,
            source=file.read_text(encoding="utf-8"),
        )
    click.echo(
        f"Regelboek {data['version']} gepubliceerd ({len(data['rules'])} regels). Lopende "
        "initiatieven zijn niet verplaatst; gebruik 'participatie initiatives reroute' daarvoor."
    )


@rules.command("show")
def rules_show() -> None:
    """Print the published rulebook versions and the rules of the current one."""
    with container() as c:
        rulebook = c.app.rulebook()
        if rulebook is None or rulebook.current_version is None:
            raise click.ClickException("er is nog geen regelboek gepubliceerd")
        book = c.app.current_book()
        versions = list(rulebook.versions)
    click.echo(f"Versies: {', '.join(versions)} (huidig: {book.version})")
    for rule in book.rules:
        click.echo(f"  {rule.id:<32} prio {rule.priority:>3} → {rule.lead}")
