"""The `participatie` command for operators."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
from marshmallow import ValidationError

from participatie.application.schemas import flatten
from participatie.audit.history import describe, plain
from participatie.bootstrap import Container, build
from participatie.config import ConfigError, Settings
from participatie.domain.errors import DomainError
from participatie.domain.values import Actor
from participatie.maps.areas_import import AreaFileError, read_areas

F = TypeVar("F", bound=Callable[..., Any])
CLI_ACTOR = Actor.system("cli")


def field_errors(messages: Any) -> Iterator[str]:
    """Marshmallow's nested messages as 'field.path: message' lines."""
    for path, message in flatten(messages):
        yield f"{'.'.join(str(key) for key in path) or '_schema'}: {message}"


@contextmanager
def container() -> Iterator[Container]:
    """Build the application for one command and report errors without a stack trace."""
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
    except (DomainError, AreaFileError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        built.close()


@click.group()
def main() -> None:
    """Participatie: initiatives from residents, routed to the right team, fully traceable."""


# -- demo ----------------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """The fictional demo municipality Lindewaard (GM9999)."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when data is already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load areas, teams, challenges, rulebook and ~50 initiatives of the demo municipality."""
    from participatie.demo import load_demo
    from participatie.demo.staff import load_demo_staff

    with container() as c:
        summary = load_demo(c.app, if_empty=if_empty)
        accounts = load_demo_staff(c.staff, c.settings.var_dir)
    click.echo(f"Medewerkers om mee in te loggen op /beheer: zie {accounts}")
    if not summary.loaded:
        click.echo("Demogegevens zijn al geladen; niets gedaan.")
        return
    click.echo(
        f"Demogemeente Lindewaard (fictief) geladen: {summary.areas} gebieden, "
        f"{summary.teams} teams, {summary.challenges} opgaven, {summary.rules} regels, "
        f"{summary.initiatives} initiatieven."
    )


# -- areas and teams -----------------------------------------------------------------------------


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


@main.group()
def teams() -> None:
    """Teams and challenges."""


@teams.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def teams_apply(file: Path) -> None:
    """Record the teams and challenges of a YAML FILE (only changes become events)."""
    from participatie.application.orgfile import apply_organisation, read_organisation

    with container() as c:
        result = apply_organisation(c.app, read_organisation(file), CLI_ACTOR)
    click.echo(
        f"{len(result.changed_teams)} teams en {len(result.changed_challenges)} opgaven gewijzigd."
    )


# -- staff ---------------------------------------------------------------------------------------

ROLE_NAMES = {
    "gebiedsmanager": "area_manager",
    "teamlid": "team_member",
    "regie": "regie",
    "lijnafdeling": "line_department",
    "auditor": "auditor",
    "beheerder": "admin",
}


def _password(given: str | None) -> str:
    if given is not None:
        return given
    value: str = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    return value


@main.group()
def staff() -> None:
    """Staff accounts (medewerkers): roles, teams and passwords."""


@staff.command("add")
@click.argument("username")
@click.option("--name", required=True, help="Full name, shown to colleagues.")
@click.option("--role", type=click.Choice(sorted(ROLE_NAMES)), required=True)
@click.option("--team", "team_codes", multiple=True, help="Team code (repeat for more teams).")
@click.option("--email", default=None)
@click.option(
    "--password",
    envvar="PARTICIPATIE_NEW_PASSWORD",
    default=None,
    help="The password (default: asked for, not echoed; or PARTICIPATIE_NEW_PASSWORD).",
)
def staff_add(
    username: str,
    name: str,
    role: str,
    team_codes: tuple[str, ...],
    email: str | None,
    password: str | None,
) -> None:
    """Add a staff account USERNAME (password hashed with argon2id)."""
    from participatie.domain.values import Role

    with container() as c:
        account = c.staff.add(
            username,
            name,
            Role(ROLE_NAMES[role]),
            list(team_codes),
            _password(password),
            CLI_ACTOR,
            email=email,
        )
    click.echo(f"Medewerker {account.username} ({role}) toegevoegd.")


@staff.command("password")
@click.argument("username")
@click.option("--password", envvar="PARTICIPATIE_NEW_PASSWORD", default=None)
def staff_password(username: str, password: str | None) -> None:
    """Set a new password for USERNAME; their open sessions end."""
    with container() as c:
        c.staff.set_password(username, _password(password), CLI_ACTOR)
    click.echo(f"Nieuw wachtwoord voor {username} ingesteld; open sessies zijn beëindigd.")


@staff.command("deactivate")
@click.argument("username")
@click.option("--reason", required=True)
def staff_deactivate(username: str, reason: str) -> None:
    """Block USERNAME from logging in (their open sessions end)."""
    with container() as c:
        c.staff.deactivate(username, CLI_ACTOR, reason)
    click.echo(f"Medewerker {username} gedeactiveerd.")


@staff.command("grant")
@click.argument("username")
@click.option("--purpose", required=True, help="Why the auditor needs personal data (recorded).")
@click.option("--days", type=click.IntRange(1, 90), default=7, show_default=True)
def staff_grant(username: str, purpose: str, days: int) -> None:
    """Let auditor USERNAME export personal data for a purpose, for a number of days."""
    with container() as c:
        account = c.staff.grant(username, purpose, days, CLI_ACTOR)
    assert account.grant is not None
    click.echo(f"{username} mag tot {account.grant[1]:%Y-%m-%d %H:%M} persoonsgegevens inzien.")


@staff.command("revoke")
@click.argument("username")
def staff_revoke(username: str) -> None:
    """End an auditor's grant for personal data."""
    with container() as c:
        c.staff.revoke(username, CLI_ACTOR)
    click.echo(f"De toestemming van {username} is ingetrokken.")


@staff.command("token")
@click.argument("username")
@click.option("--label", required=True, help="What the token is for (e.g. the application).")
@click.option("--days", type=click.IntRange(1, 365), default=90, show_default=True)
def staff_token(username: str, label: str, days: int) -> None:
    """Issue an API bearer token acting as USERNAME (shown once; only its hash is kept)."""
    with container() as c:
        token = c.staff.issue_token(username, label, days)
    click.echo(token)


@staff.command("list")
def staff_list() -> None:
    """List staff accounts with role and teams."""
    roles = {v: k for k, v in ROLE_NAMES.items()}
    with container() as c:
        for account in c.staff.all():
            state = "actief" if account.active else "gedeactiveerd"
            teams_text = ",".join(account.teams) or "-"
            click.echo(
                f"{account.username}\t{roles[account.role.value]}\t{teams_text}\t{state}"
                f"\t{account.name}"
            )


# -- rulebook ------------------------------------------------------------------------------------


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


# -- initiatives ---------------------------------------------------------------------------------


@main.group()
def initiatives() -> None:
    """Submit and inspect initiatives."""


@initiatives.command("submit")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--channel", default="cli", show_default=True, help="Where it came in.")
def initiatives_submit(file: Any, channel: str) -> None:
    """Submit the initiative in a JSON FILE ('-' reads standard input)."""
    from participatie.application.schemas import SubmissionSchema

    try:
        data = json.load(file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"geen geldige JSON: {error}") from None
    with container() as c:
        clean = SubmissionSchema(c.app.area_index()).load_submission(data)
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


def _resolve(c: Container, ident: str) -> UUID:
    found = c.app.find_by_tracking_code(ident)  # a tracking code is also valid UUID hex
    if found is not None:
        return found
    try:
        return UUID(ident)
    except ValueError:
        raise click.ClickException(f"geen initiatief met id of volgcode {ident!r}") from None


# -- processes -----------------------------------------------------------------------------------


@main.command("run")
@click.option("--procfile", default="Procfile", type=click.Path(exists=True, path_type=Path))
def run_all(procfile: Path) -> None:
    """Run the whole platform: embedded Redis (if no REDIS_URL) and every Procfile process."""
    from participatie.infra.supervisor import run

    sys.exit(run(Settings.from_env(), procfile))


@main.command("web")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
def web(workers: int) -> None:
    """Serve the web application with gunicorn on PARTICIPATIE_HOST:PARTICIPATIE_PORT."""
    import os

    settings = Settings.from_env()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.execv(
        gunicorn,
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--bind",
            f"{settings.host}:{settings.port}",
            "--access-logfile",
            "-",
            "web:create_app()",
        ],
    )


@main.command("worker")
@click.option("--fork", is_flag=True, help="Run each job in a forked child (RQ Worker).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(fork: bool, burst: bool) -> None:
    """Run an RQ worker on the configured Redis, with the application preloaded."""
    _exec_workers("worker", *(["--fork"] if fork else []), *(["--burst"] if burst else []))


@main.command("relay")
def relay() -> None:
    """Follow the notification log and enqueue jobs (and re-enqueue what Redis lost)."""
    _exec_workers("relay")


def _exec_workers(*arguments: str) -> None:
    """Become the `workers` process (same PID, so signals and supervisors reach it)."""
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "workers", *arguments])


@main.group()
def jobs() -> None:
    """Background jobs in Redis: failed jobs and re-running them."""


@jobs.command("failed")
def jobs_failed() -> None:
    """List the jobs that exhausted their retries (RQ's failed registry)."""
    from participatie.infra.failed_jobs import failed_jobs

    settings = Settings.from_env()
    found = failed_jobs(settings)
    for job in found:
        click.echo(f"{job.id}  {job.ended_at or '-'}  {job.description}")
        click.echo(f"    fout: {job.error}")
    click.echo(f"{len(found)} mislukte taken.")


@jobs.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "requeue_all", is_flag=True, help="Every failed job.")
def jobs_requeue(job_ids: tuple[str, ...], requeue_all: bool) -> None:
    """Put failed jobs back on the queue (JOB_IDS, or --all)."""
    from participatie.infra.failed_jobs import requeue_failed

    if bool(job_ids) == requeue_all:
        raise click.UsageError("geef taak-id's op of --all, niet beide of geen van beide")
    done, unknown = requeue_failed(Settings.from_env(), None if requeue_all else list(job_ids))
    for job_id in unknown:
        click.echo(f"onbekend of niet mislukt: {job_id}", err=True)
    click.echo(f"{done} taken opnieuw in de wachtrij.")
    if unknown:
        sys.exit(1)


@main.command("projector")
def projector() -> None:
    """Keep the views up to date (PostgreSQL: LISTEN/NOTIFY; SQLite: polling)."""
    import signal
    import threading

    from participatie.views.projector import Projector, ViewsProjection

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with container() as c:
        dsn = c.settings.postgres_dsn() if c.settings.uses_postgres else None
        runner = Projector(ViewsProjection(c.views, c.app), listen_dsn=dsn)
        click.echo(f"projector: views at position {runner.projection.position() or 0}", err=True)
        runner.run(stop)
        click.echo(f"projector: stopped after {runner.processed} events.", err=True)


@main.command()
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the log.")
def sealer(poll: float) -> None:
    """Keep the audit hash chain current and sign checkpoints (every N events or T minutes)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with container() as c:
        running = c.sealer()
        position, _, count = running.head()
        click.echo(f"sealer: {count} events sealed, up to position {position}", err=True)
        while not stop.is_set():
            if not running.seal():
                stop.wait(poll)
        click.echo("sealer: stopped.", err=True)


@main.group()
def audit() -> None:
    """Tamper evidence (hash chain, signed checkpoints), history, time travel and exports."""


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO date/time: {text}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
            public = public_key_from(key_file.read_text())
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


# -- privacy -------------------------------------------------------------------------------------


@main.group()
def privacy() -> None:
    """Personal data (AVG): erase on request, retention periods, access requests."""


def _subject_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise click.BadParameter(f"geen subject-id: {text!r}", param_hint="SUBJECT") from None


def _echo_erasure(erasure: Any, kinds: dict[UUID, str]) -> None:
    for subject_id in erasure.erased:
        click.echo(f"{subject_id} ({kinds[subject_id]}) gewist.")
    for subject_id in erasure.already:
        click.echo(f"{subject_id} ({kinds[subject_id]}) was al gewist.")
    if erasure.mails_removed:
        click.echo(f"{erasure.mails_removed} e-mails uit de outbox verwijderd.")


@privacy.command("erase")
@click.argument("subject")
@click.option("--reason", required=True, help="Why the data is erased (recorded).")
def privacy_erase(subject: str, reason: str) -> None:
    """Erase one initiator's or supporter's personal data (SUBJECT: their subject id)."""
    from participatie.domain.errors import NotFound
    from participatie.privacy.erasure import erase_subject

    subject_id = _subject_id(subject)
    with container() as c:
        try:
            erasure = erase_subject(c, subject_id, CLI_ACTOR, reason)
        except NotFound:
            raise click.ClickException(
                f"geen indiener of ondersteuner met subject-id {subject_id}"
            ) from None
        kinds = c.app.get_initiative(erasure.initiative_id).subjects()
    click.echo(f"Initiatief {erasure.initiative_id}:")
    _echo_erasure(erasure, kinds)


@privacy.command("erase-initiative")
@click.argument("ident")
@click.option("--reason", required=True, help="Why the data is erased (recorded).")
def privacy_erase_initiative(ident: str, reason: str) -> None:
    """Erase the initiator and every supporter of an initiative (IDENT: id or tracking code)."""
    from participatie.privacy.erasure import erase_initiative

    with container() as c:
        erasure = erase_initiative(c, _resolve(c, ident), CLI_ACTOR, reason)
        kinds = c.app.get_initiative(erasure.initiative_id).subjects()
    click.echo(f"Initiatief {erasure.initiative_id}:")
    _echo_erasure(erasure, kinds)
    click.echo(f"{len(erasure.erased)} personen gewist, {len(erasure.already)} waren al gewist.")


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be erased.")
@click.option("--at", "at_text", default=None, help="ISO moment to judge at (default: now).")
def privacy_retention(dry_run: bool, at_text: str | None) -> None:
    """Erase the personal data of initiatives whose retention period is over."""
    from participatie.domain.calendar import AMSTERDAM
    from participatie.privacy.retention import LABELS, RetentionPolicy, run

    with container() as c:
        now = c.app.clock()
        at = _moment(at_text) if at_text else now
        if at > now and not dry_run:
            raise click.UsageError("een moment in de toekomst kan alleen met --dry-run")
        policy = RetentionPolicy.from_settings(c.settings)
        behind = c.lags()["views"]
        report = run(c, at, dry_run)
    if behind:
        click.echo(
            f"Let op: de views lopen {behind} gebeurtenissen achter (draait de projector?);"
            " wat daarin ontbreekt, komt bij een volgende run aan de beurt.",
            err=True,
        )
    click.echo(
        f"Bewaartermijnen op {at.isoformat()}: "
        + ", ".join(f"{LABELS[rule]} {months} mnd" for rule, months in policy.months)
    )
    for item in report.items:
        since, due = (m.astimezone(AMSTERDAM) for m in (item.since, item.due))
        subjects = ", ".join(str(s) for s in item.subjects)
        click.echo(
            f"{item.initiative_id}  {LABELS[item.rule]} sinds {since:%Y-%m-%d %H:%M},"
            f" termijn verstreken {due:%Y-%m-%d %H:%M}  personen: {subjects}"
        )
    click.echo(report.summary())


@privacy.command("export")
@click.argument("subject")
@click.option("--purpose", required=True, help="Why the data is gathered (recorded).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def privacy_export(subject: str, purpose: str, out: Path | None) -> None:
    """Everything held about one person, for an access request (JSON; art. 15 AVG)."""
    from participatie.domain.errors import NotFound
    from participatie.privacy.subject_access import access_export

    subject_id = _subject_id(subject)
    with container() as c:
        try:
            found = access_export(c.app, subject_id, CLI_ACTOR, purpose)
        except NotFound:
            raise click.ClickException(
                f"geen indiener of ondersteuner met subject-id {subject_id}"
            ) from None
    text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    _write_private(out, text)
    click.echo(f"Inzageverzoek voor {subject_id} geschreven naar {out}.", err=True)


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (also when it already existed)."""
    import os

    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


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
@click.option("--sort", default="submitted", show_default=True)
@click.option("--after", help="The cursor printed at the end of the previous page.")
@click.option("--limit", default=25, show_default=True)
def views_queue(team: str, **filters: Any) -> None:
    """Print one page of a team's queue."""
    from participatie.views.queries import QueryError, team_queue

    with container() as c:
        try:
            page = team_queue(c.views, team, **filters)
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
