"""participatie privacy: personal data (AVG)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from participatie.cli.common import CLI_ACTOR, _moment, _resolve, container, main


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


@privacy.command("legacy-text")
def privacy_legacy_text() -> None:
    """List free text stored in clear before it was sealed per person (it stays in the log)."""
    from participatie.privacy.legacy import legacy_texts

    with container() as c:
        found = list(legacy_texts(c.app))
    for item in found:
        whose = str(item.subject_id) if item.subject_id else "onbekend"
        state = "verborgen (persoon gewist)" if item.hidden else "leesbaar"
        where = f"{item.initiative_id} v{item.version}  {item.event}.{item.field}"
        click.echo(f"{where}  van: {whose}  {state}")
    hidden = sum(1 for item in found if item.hidden)
    unknown = sum(1 for item in found if item.subject_id is None)
    click.echo(
        f"{len(found)} teksten van vóór de verzegeling: {hidden} verborgen omdat hun persoon is"
        f" gewist, {unknown} zonder bekende persoon (vragen en notities van medewerkers)."
    )


@privacy.command("index-addresses")
def privacy_index_addresses() -> None:
    """Index every confirmed address that can still be read, for "mijn initiatieven", and every
    follow of an area (after an upgrade from a version without the index, or to repair it;
    running it twice is harmless)."""
    from participatie.notifications.addresses import rebuild
    from participatie.notifications.followers import rebuild as rebuild_followers

    with container() as c:
        rows = rebuild(c.app, c.addresses)
        follows = rebuild_followers(c.app, c.followers)
    click.echo(f"{rows} adressen in de index van mijn initiatieven; {follows} gebieden gevolgd.")


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
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
