"""participatie initiatives: submit, inspect, correct and re-route initiatives."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from participatie.audit.history import describe, plain
from participatie.cli.common import CLI_ACTOR, _resolve, container, main
from participatie.infra.datafiles import decode, parse_json


@main.group()
def initiatives() -> None:
    """Submit and inspect initiatives."""


@initiatives.command("submit")
@click.argument("file", type=click.File("rb"))
@click.option("--channel", default="cli", show_default=True, help="Where it came in.")
def initiatives_submit(file: Any, channel: str) -> None:
    """Submit the initiative in a JSON FILE ('-' reads standard input)."""
    from participatie.application.schemas import SubmissionSchema

    with container() as c:
        name = getattr(file, "name", None) or "<stdin>"
        data = parse_json(decode(file.read(), name), name)
        clean = SubmissionSchema.of(c.app).load_submission(data)
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
            "handoff_pending": initiative.handoff_pending,
            "handoff_due": due.isoformat() if (due := initiative.handoff_due) else None,
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


@initiatives.command("change")
@click.argument("ident")
@click.option("--reason", required=True, help="Why the details are corrected (recorded).")
@click.option("--themes", help="Comma-separated themes replacing the current ones.")
@click.option("--area", "area_code", help="New area code.")
@click.option("--point", help="New location as LAT,LON.")
def initiatives_change(
    ident: str, reason: str, themes: str | None, area_code: str | None, point: str | None
) -> None:
    """Correct the themes or location of an initiative (does not re-route by itself)."""
    location: dict[str, Any] | None = None
    if point:
        try:
            lat, lon = (float(x) for x in point.split(","))
        except ValueError:
            raise click.BadParameter(
                "geef LAT,LON, bijvoorbeeld 52.1,5.2", param_hint="--point"
            ) from None
        location = {"lat": lat, "lon": lon}
    elif area_code:
        location = {"area_code": area_code}
    theme_list = [t.strip() for t in themes.split(",") if t.strip()] if themes else None
    with container() as c:
        initiative_id = _resolve(c, ident)
        c.app.change_details(
            initiative_id, actor=CLI_ACTOR, reason=reason, themes=theme_list, location=location
        )
    click.echo("Gegevens aangepast. Opnieuw routeren gebeurt alleen met 'initiatives reroute'.")


@initiatives.command("reroute")
@click.argument("idents", nargs=-1)
@click.option("--all-open", is_flag=True, help="Every open, routed initiative.")
@click.option("--reason", required=True, help="Why the initiatives are routed again (recorded).")
@click.option("--dry-run", is_flag=True, help="Only show what would move.")
def initiatives_reroute(
    idents: tuple[str, ...], all_open: bool, reason: str, dry_run: bool
) -> None:
    """Route open initiatives again with the current rulebook, map and facts (recorded)."""
    from participatie.domain import workflow

    if bool(idents) == all_open:
        raise click.UsageError("geef initiatieven op of --all-open, niet beide of geen van beide")
    with container() as c:
        ids = [_resolve(c, i) for i in idents] if idents else c.app.initiative_ids()
        moved = 0
        for initiative_id in ids:
            initiative = c.app.get_initiative(initiative_id)
            if initiative.status not in workflow.TRANSITIONS["reroute"]:
                if idents:
                    click.echo(
                        f"{initiative_id}: niet mogelijk in status {initiative.status.value}"
                    )
                continue
            before = initiative.lead_team
            decision = c.app.reroute_initiative(
                initiative_id, actor=CLI_ACTOR, reason=reason, dry_run=dry_run
            )
            if decision is not None:
                moved += 1
                click.echo(f"{initiative_id}: {before} → {decision.lead_team} ({decision.rule_id})")
    verb = "zou verplaatsen" if dry_run else "opnieuw gerouteerd"
    click.echo(f"{moved} initiatieven {verb}.")
