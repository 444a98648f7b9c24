"""participatie views: the read models."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click

from participatie.audit.history import plain
from participatie.cli.common import _resolve, container, main


@main.group()
def views() -> None:
    """The read models: status, rebuild, check, and a look at queues and areas."""


@views.command("status")
def views_status() -> None:
    """Print the views' position and how far the views and the relay lag behind."""
    with container() as c:
        head = c.app.recorder.max_notification_id() or 0
        lags = c.lags()
    click.echo(f"events in the log: {head}")
    for name, lag in lags.items():
        click.echo(f"{name}: {lag} behind")


@views.command("rebuild")
@click.argument("name", required=False, type=click.Choice(["views"]))
def views_rebuild(name: str | None) -> None:
    """Rebuild the views from position 0 into fresh tables, then swap them in atomically.

    All views (team queues, area and challenge overviews, public view, P&C figures) come from
    one projection, so they are rebuilt together and always agree with each other.
    """
    import time

    from participatie.views.projector import ViewsProjection, rebuild

    with container() as c:
        projection = ViewsProjection(c.views, c.app)
        total = c.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        with click.progressbar(length=total, label="Views herbouwen", file=sys.stderr) as bar:
            head = rebuild(projection, progress=lambda step, _: bar.update(step))
        seconds = time.perf_counter() - started
    rate = head / seconds if seconds else 0
    click.echo(f"Views herbouwd tot positie {head} in {seconds:.1f} s ({rate:,.0f} events/s).")


@views.command("check")
def views_check() -> None:
    """Rebuild in memory and compare with the live views; print every difference."""
    from participatie.views.projector import ViewsProjection, check

    with container() as c:
        position, differences = check(ViewsProjection(c.views, c.app))
    for d in differences[:200]:
        click.echo(f"{d.table} {d.key}:\n  live:       {d.live}\n  herbouwd:   {d.rebuilt}")
    if differences:
        click.echo(f"{len(differences)} verschillen op positie {position}.")
        sys.exit(1)
    click.echo(f"Views kloppen met de gebeurtenissen tot positie {position}.")


@views.command("queue")
@click.argument("team")
@click.option("--status")
@click.option("--theme")
@click.option("--area")
@click.option("--priority")
@click.option("--overdue/--not-overdue", default=None)
@click.option("--assignee")
@click.option("--challenge", help="Only initiatives routed for this challenge (its code).")
@click.option(
    "--sort",
    default="submitted",
    show_default=True,
    help="submitted, deadline, activity, priority or challenge_order (regie's order per area).",
)
@click.option("--after", help="The cursor printed at the end of the previous page.")
@click.option("--limit", default=25, show_default=True)
def views_queue(team: str, **filters: Any) -> None:
    """Print one page of a team's queue."""
    from participatie.views.queries import QueryError, team_queue

    with container() as c:
        try:
            orders = c.app.orders_nearest_first() if filters["sort"] == "challenge_order" else ()
            page = team_queue(c.views, team, orders=orders, **filters)
        except QueryError as error:
            raise click.BadParameter(str(error), param_hint=f"--{error.field}") from None
    for item in page.items:
        due = f"{item.deadline:%Y-%m-%d}" if item.deadline else "-"
        flag = " TE LAAT" if item.overdue else ""
        click.echo(
            f"{item.initiative_id}  {item.role:<8} {item.status:<22} {item.priority:<7}"
            f" {item.area_code:<11} {due}{flag}  {item.title}"
        )
    click.echo(f"{len(page.items)} van {page.total_text}.")
    if page.next_cursor:
        click.echo(f"volgende pagina: --after {page.next_cursor}")


@views.command("challenge")
@click.argument("code")
def views_challenge(code: str) -> None:
    """Print one challenge across all areas (JSON)."""
    from participatie.views.queries import challenge_overview

    with container() as c:
        if code not in {ch.code for ch in c.app.challenges()}:
            raise click.ClickException(f"onbekende opgave {code!r}")
        overview = challenge_overview(c.views, code)
    click.echo(json.dumps(plain(asdict(overview)), ensure_ascii=False, indent=2))


@views.command("pc")
@click.argument("code")
def views_pc(code: str) -> None:
    """Print P&C figures per quarter for an area with its sub-areas."""
    from participatie.views.queries import pc_figures

    with container() as c:
        if code not in c.app.area_index():
            raise click.ClickException(f"onbekend gebied {code!r}")
        figures = pc_figures(c.views, code)
    click.echo(
        f"{'kwartaal':<9} {'ingediend':>9} {'besluiten':<40} {'mediaan dgn':>11} {'te laat':>7}"
    )
    for f in figures:
        decided = ", ".join(f"{k} {v}" for k, v in f.decided.items()) or "-"
        median = (
            f"{f.median_days_to_decision:.1f}" if f.median_days_to_decision is not None else "-"
        )
        click.echo(f"{f.quarter:<9} {f.submitted:>9} {decided:<40} {median:>11} {f.overdue:>7}")


@views.command("public")
@click.argument("ident")
def views_public(ident: str) -> None:
    """Print what the public may see of an initiative (JSON; no personal data)."""
    from participatie.views.queries import public_initiative

    with container() as c:
        found = public_initiative(c.views, str(_resolve(c, ident)))
    if found is None:
        raise click.ClickException("nog niet in de views (draait de projector?)")
    click.echo(json.dumps(plain(found), ensure_ascii=False, indent=2))


@views.command("area")
@click.argument("code")
def views_area(code: str) -> None:
    """Print the overview of an area with its sub-areas and the challenges landing there."""
    from participatie.views.queries import overview_of_area

    with container() as c:
        if code not in c.app.area_index():
            raise click.ClickException(f"onbekend gebied {code!r}")
        overview = overview_of_area(c.app, c.views, code)
    click.echo(json.dumps(plain(asdict(overview)), ensure_ascii=False, indent=2))


@views.command("capacity")
@click.argument("code", required=False)
def views_capacity(code: str | None) -> None:
    """Print each team's load against its capacity, or only team CODE's (JSON)."""
    from participatie.views.queries import loads_of_teams

    with container() as c:
        loads = loads_of_teams(
            c.app, c.views, code, hours_per_case=c.settings.capacity_hours_per_case
        )
    if code is not None and not loads:
        raise click.ClickException(f"onbekend team {code!r}")
    found = plain(asdict(loads[0])) if code is not None else [plain(asdict(t)) for t in loads]
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))
