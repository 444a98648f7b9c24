"""participatie audit: tamper evidence, history, time travel and exports."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from participatie.audit.history import plain
from participatie.cli.common import CLI_ACTOR, _moment, _resolve, container, main
from participatie.cli.initiatives import initiatives_show
from participatie.infra.datafiles import DataFileError, read_text


@main.group()
def audit() -> None:
    """Tamper evidence (hash chain, signed checkpoints), history, time travel and exports."""


@audit.command("seal")
def audit_seal() -> None:
    """Seal the events stored since the last run (signs a checkpoint when one is due)."""
    with container() as c:
        count = c.sealer().seal()
    click.echo(f"{count} events verzegeld.")


@audit.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def audit_checkpoint(out: Path | None) -> None:
    """Seal, sign a checkpoint of the current head, and print it (or write it to --out)."""
    with container() as c:
        running = c.sealer()
        running.seal()
        made = running.checkpoint()
    if made is None:
        raise click.ClickException("er is nog niets om te verzegelen")
    if out is None:
        click.echo(made.to_json(), nl=False)
    else:
        out.write_text(made.to_json(), encoding="utf-8")
        click.echo(f"Checkpoint op positie {made.position} geschreven naar {out}.")


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the public key that verifies checkpoints (base64), for safekeeping elsewhere."""
    import base64

    from participatie.audit.chain import public_key_bytes, signing_key

    with container() as c:
        click.echo(base64.b64encode(public_key_bytes(signing_key(c.settings))).decode())


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint file kept outside the system (default: the latest stored one).",
)
@click.option(
    "--public-key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The public key kept outside the system (default: this installation's).",
)
def audit_verify(checkpoint_file: Path | None, key_file: Path | None) -> None:
    """Recompute the hash chain; name the first bad position (exit 1) if anything was altered."""
    from participatie.audit.chain import (
        CheckpointInvalid,
        public_key_from,
        read_checkpoint,
        signing_key,
        verify,
    )

    with container() as c:
        if key_file is not None:
            try:
                public = public_key_from(read_text(key_file))
            except DataFileError:
                raise
            except ValueError:  # not base64, or not 32 bytes
                raise DataFileError(
                    key_file, "not a public key as 'participatie audit public-key' prints it"
                ) from None
        else:
            public = signing_key(c.settings).public_key()
        try:
            checkpoint = read_checkpoint(checkpoint_file) if checkpoint_file else None
            report = verify(c.app, c.audit_tables, public, checkpoint)
        except CheckpointInvalid as error:
            click.echo(f"REJECTED checkpoint: {error}", err=True)
            raise click.exceptions.Exit(1) from None
    if not report.ok:
        click.echo(report.text(), err=True)
        raise click.exceptions.Exit(1)
    click.echo(report.text())


@audit.command("history")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit_history(ctx: click.Context, ident: str, as_json: bool) -> None:
    """Every event of one initiative with actor, role, team, reason and routing explanation."""
    ctx.invoke(initiatives_show, ident=ident, as_json=as_json)


@audit.command("as-of")
@click.argument("ident")
@click.option("--at", "at_text", required=True, help="ISO moment, e.g. 2026-03-01T17:00+01:00")
def audit_as_of(ident: str, at_text: str) -> None:
    """An initiative's state as it was at a moment (JSON)."""
    from participatie.audit.timetravel import initiative_as_of

    at = _moment(at_text)
    with container() as c:
        state = initiative_as_of(c.app, _resolve(c, ident), at)
    if state is None:
        raise click.ClickException(f"het initiatief bestond op {at.isoformat()} nog niet")
    click.echo(json.dumps(state, ensure_ascii=False, indent=2))


@audit.command("queue")
@click.argument("team")
@click.option("--at", "at_text", required=True, help="ISO moment")
@click.option("--limit", default=200, show_default=True)
def audit_queue(team: str, at_text: str, limit: int) -> None:
    """A team's queue as it was at a moment (replayed from the log), one line per initiative."""
    from participatie.audit.timetravel import views_as_of
    from participatie.views import queries

    at = _moment(at_text)
    with container() as c, views_as_of(c.app, at) as then:
        page = queries.team_queue(then, team, limit=limit, now=at)
    click.echo(f"Wachtrij van {team} op {at.isoformat()}: {page.total_text} initiatieven")
    for item in page.items:
        due = f" termijn {item.deadline:%Y-%m-%d}" if item.deadline else ""
        late = " TE LAAT" if item.overdue else ""
        click.echo(
            f"{item.initiative_id}  {item.status:<22} {item.priority:<7}{due}{late}  {item.title}"
        )


@audit.command("area")
@click.argument("code")
@click.option("--at", "at_text", required=True, help="ISO moment")
def audit_area(code: str, at_text: str) -> None:
    """An area overview as it was at a moment (JSON)."""
    from participatie.audit.timetravel import views_as_of
    from participatie.views import queries

    at = _moment(at_text)
    with container() as c, views_as_of(c.app, at) as then:
        overview = queries.overview_of_area(c.app, then, code)
    click.echo(json.dumps(plain(asdict(overview)), ensure_ascii=False, indent=2))


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--from", "start", default=None, help="ISO moment: events from then on")
@click.option("--to", "end", default=None, help="ISO moment: events up to then")
@click.option("--area", default=None, help="Only initiatives in this area (or below it)")
@click.option("--team", default=None, help="Only initiatives this team led or was involved in")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--with-personal-data", is_flag=True, help="Open sealed fields (needs --purpose)")
@click.option("--purpose", default=None, help="Why personal data is exported (recorded)")
def audit_export(
    fmt: str,
    start: str | None,
    end: str | None,
    area: str | None,
    team: str | None,
    out: Path | None,
    with_personal_data: bool,
    purpose: str | None,
) -> None:
    """Export events as JSON Lines or CSV; without personal data unless asked, with a purpose."""
    from participatie.audit.exports import ExportFilter, export_events

    flt = ExportFilter(
        start=_moment(start) if start else None,
        end=_moment(end) if end else None,
        area=area,
        team=team,
    )
    with container() as c:
        if out is None:
            result = export_events(
                c.app,
                flt,
                sys.stdout,
                format=fmt,
                actor=CLI_ACTOR,
                personal_data=with_personal_data,
                purpose=purpose,
            )
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                result = export_events(
                    c.app,
                    flt,
                    handle,
                    format=fmt,
                    actor=CLI_ACTOR,
                    personal_data=with_personal_data,
                    purpose=purpose,
                )
    click.echo(f"{result.count} events geëxporteerd.", err=True)
