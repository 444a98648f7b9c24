"""participatie staff: staff accounts."""

from __future__ import annotations

import click

from participatie.cli.common import CLI_ACTOR, container, main

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
