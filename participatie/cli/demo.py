"""participatie demo: the fictional demo municipality."""

from __future__ import annotations

import click

from participatie.cli.common import container, main


@main.group()
def demo() -> None:
    """The fictional demo municipality Lindewaard (GM9999)."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when data is already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load areas, teams, challenges, rulebook and ~50 initiatives of the demo municipality."""
    from participatie.demo import load_demo
    from participatie.demo.staff import load_demo_staff
    from participatie.infra.follow import mark_handled

    with container() as c:
        empty = not c.app.recorder.max_notification_id()
        summary = load_demo(c.app, if_empty=if_empty)
        accounts = load_demo_staff(c.staff, c.settings.var_dir)
        if summary.loaded and empty:
            # The demo's past is fictional: nothing in it is to be mailed (or routed) again.
            mark_handled(c.app)
    click.echo(f"Medewerkers om mee in te loggen op /beheer: zie {accounts}")
    if not summary.loaded:
        click.echo("Demogegevens zijn al geladen; niets gedaan.")
        return
    click.echo(
        f"Demogemeente Lindewaard (fictief) geladen: {summary.areas} gebieden, "
        f"{summary.teams} teams, {summary.challenges} opgaven, {summary.rules} regels, "
        f"{summary.initiatives} initiatieven."
    )
