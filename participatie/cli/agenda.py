"""participatie agenda: area agendas (gebiedsagenda's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from participatie.cli.common import CLI_ACTOR, container, main


@main.group()
def agenda() -> None:
    """Area agendas: draft, adopt, revise, link initiatives, show (also as on a date)."""


def _sub_areas(app: Any, area: str) -> set[str]:
    index = app.area_index()
    return {code for code in index.areas if area in index.ancestors(code) and code != area}


@agenda.command("draft")
@click.argument("area")
@click.argument("period")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def agenda_draft(area: str, period: str, file: Path) -> None:
    """Set the draft of AREA's agenda for PERIOD (a year, or years like 2027-2030) from FILE."""
    from participatie.application.agendafile import read_draft

    with container() as c:
        app = c.app
        data = read_draft(
            file,
            teams={t.code for t in app.teams()},
            challenges={ch.code for ch in app.challenges()},
            areas=_sub_areas(app, area),
        )
        changed = app.draft_agenda(area, period, data["priorities"], data["reason"], CLI_ACTOR)
    if changed:
        click.echo(f"Concept van de gebiedsagenda {area} {period} vastgelegd.")
    else:
        click.echo("Het concept blijft gelijk; er is niets vastgelegd.")


@agenda.command("adopt")
@click.argument("area")
@click.argument("period")
@click.option("--reason", required=True, help="Why (for example the meeting that decided).")
def agenda_adopt(area: str, period: str, reason: str) -> None:
    """Adopt the draft of AREA's agenda for PERIOD; that version is frozen from now on."""
    with container() as c:
        number = c.app.adopt_agenda(area, period, reason, CLI_ACTOR)
    click.echo(f"Gebiedsagenda {area} {period} versie {number} vastgesteld.")


@agenda.command("revise")
@click.argument("area")
@click.argument("period")
@click.option("--reason", required=True)
def agenda_revise(area: str, period: str, reason: str) -> None:
    """Start a new draft from the adopted version (which stays as it was)."""
    with container() as c:
        number = c.app.revise_agenda(area, period, reason, CLI_ACTOR)
    click.echo(f"Herziening gestart: versie {number} is een concept.")


@agenda.command("link")
@click.argument("area")
@click.argument("period")
@click.argument("initiative", type=click.UUID)
@click.argument("priority")
@click.option("--reason", required=True)
def agenda_link(area: str, period: str, initiative: UUID, priority: str, reason: str) -> None:
    """Link INITIATIVE to PRIORITY (its key) on AREA's agenda for PERIOD."""
    with container() as c:
        changed = c.app.link_to_priority(area, period, initiative, priority, reason, CLI_ACTOR)
    click.echo("Gekoppeld." if changed else "Was al gekoppeld; er is niets vastgelegd.")


@agenda.command("show")
@click.argument("area")
@click.argument("period")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="The agenda as it was then (UTC).",
)
def agenda_show(area: str, period: str, as_of: datetime | None) -> None:
    """Print AREA's agenda for PERIOD as JSON: every version, and the links."""
    with container() as c:
        if as_of is not None:
            found = c.app.agenda_as_of(area, period, as_of.replace(tzinfo=UTC))
        else:
            found = c.app.agenda(area, period)
        if found is None:
            raise click.ClickException(f"er is (nog) geen gebiedsagenda {area} {period}")
        body = {
            "area": found.area,
            "period": found.period,
            "versions": [
                {
                    "number": v.number,
                    "status": v.status,
                    "priorities": [p.as_dict() for p in v.priorities],
                    "changed_at": v.changed_at.isoformat(),
                    "changed_by": v.changed_by,
                    "reason": v.reason,
                    "adopted_at": v.adopted_at.isoformat() if v.adopted_at else None,
                    "adopted_by": v.adopted_by,
                }
                for v in found.versions.values()
            ],
            "links": [
                {
                    "initiative": str(link.initiative_id),
                    "priority": link.priority,
                    "reason": link.reason,
                    "by": link.actor,
                    "at": link.at.isoformat(),
                    "suggested": link.suggested,
                }
                for link in found.links.values()
            ],
        }
    click.echo(json.dumps(body, indent=2, ensure_ascii=False))
