"""Erasing a person's data (AVG art. 17): crypto-shredding plus what the platform kept beside it.

The events stay as they are (the audit chain and the views need them); the person's key is
deleted, so their sealed fields can never be read again, and an erasure event records who
erased which subject and why, without any personal data. The key store is scrubbed (no copy of
the key in its files), and the embedded outbox's copies of mail to that person go too: their
keys start with ids the events keep, so an erasure that stopped half-way (a crash) is finished
by running it again, or by `finish_erasures`, which the daily retention run calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from participatie.domain.errors import NotFound
from participatie.domain.initiative import INITIATOR, SUPPORTER, Initiative
from participatie.domain.values import Actor
from participatie.notifications.addresses import SIGN_IN_HOURS, address_key, signin_mail_prefix
from participatie.notifications.followers import FOLLOW_PREFIX, stop_following
from participatie.notifications.links import LINK_DAYS, support_mail_prefix
from participatie.notifications.messages import (
    initiative_mail_prefixes,
    initiator_mail_prefixes,
)

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp
    from participatie.bootstrap import Container


ERASED_WITH_PERSON = "erased with the person"  # why a follow of their address stopped


@dataclass(frozen=True)
class Erasure:
    initiative_id: UUID
    erased: list[UUID] = field(default_factory=list)  # subjects erased now
    already: list[UUID] = field(default_factory=list)  # subjects erased before
    mails_removed: int = 0


def erase_subject(
    container: Container, subject_id: UUID, actor: Actor, reason: str, at: datetime | None = None
) -> Erasure:
    """Erase one person (an initiator or a supporter), found by their subject id."""
    initiative_id = container.app.find_subject(subject_id)
    if initiative_id is None:
        raise NotFound(f"no initiator or supporter with subject id {subject_id}")
    return _erase(container, initiative_id, [subject_id], actor, reason, at)


def erase_initiative(
    container: Container,
    initiative_id: UUID,
    actor: Actor,
    reason: str,
    at: datetime | None = None,
) -> Erasure:
    """Erase every person of an initiative: the initiator, all supporters, and whoever asked to
    support it without confirming (their key and the link mailed to them)."""
    subjects = list(container.app.get_initiative(initiative_id).subjects())
    done = _erase(container, initiative_id, subjects, actor, reason, at)
    asked = _unconfirmed(container, f"support-{initiative_id}-", None)
    forgotten = _forget_requests(container, asked)
    return replace(done, mails_removed=done.mails_removed + forgotten)


def mail_prefixes(initiative_id: UUID, subject_id: UUID, subject: str) -> list[str]:
    """What the outbox keys of mail with one subject's data (an initiator or a supporter) start
    with: every mail about the initiative quotes the initiator's title, so erasing them takes
    every mail of the initiative; a supporter's own mails hold their address."""
    if subject == INITIATOR:
        return initiator_mail_prefixes(initiative_id) + initiative_mail_prefixes(initiative_id)
    return [support_mail_prefix(initiative_id, subject_id)]


def _erase(
    container: Container,
    initiative_id: UUID,
    subject_ids: list[UUID],
    actor: Actor,
    reason: str,
    at: datetime | None,
) -> Erasure:
    app = container.app
    kinds = app.get_initiative(initiative_id).subjects()
    prefixes = [p for s in subject_ids for p in mail_prefixes(initiative_id, s, kinds.get(s, ""))]
    supporters = [s for s in subject_ids if kinds.get(s) != INITIATOR]
    if len(supporters) < len(subject_ids):  # the initiator: their title is in every mail
        supporters = [s for s, kind in kinds.items() if kind != INITIATOR]
    prefixes += _old_support_prefixes(app, initiative_id, supporters)
    signins = _signin_prefixes(app, initiative_id, subject_ids)
    follows = _follows_of(container, initiative_id, subject_ids)
    moved = _moved_supports(
        app, initiative_id, [s for s in subject_ids if kinds.get(s) == SUPPORTER]
    )
    erased = app.erase_subjects(initiative_id, subject_ids, actor, reason, at)
    container.addresses.forget(subject_ids)
    for follow_id in follows:  # the areas they follow with the same address
        stop_following(container, follow_id, ERASED_WITH_PERSON)
    removed = container.mailer.forget(prefixes + signins)
    if any(kinds.get(s) == INITIATOR for s in subject_ids):
        # The initiator: staff digests and area followers' mails quote the title.
        removed += container.mailer.forget_mentioning("digest-", str(initiative_id))
        removed += container.mailer.forget_mentioning(FOLLOW_PREFIX, str(initiative_id))
    container.mailer.log.delete_starting(signins)  # their keys are made from the address
    for into, subject in moved:  # their support where a merge took it
        removed += _erase(container, into, [subject], actor, reason, at).mails_removed
    already = [s for s in subject_ids if s not in erased]
    return Erasure(initiative_id, erased, already, removed)


def _moved_supports(
    app: ParticipatieApp, initiative_id: UUID, supporters: list[UUID]
) -> list[tuple[UUID, UUID]]:
    """(initiative, subject) of these supporters' supports on the initiative this one was merged
    into (found by their address, only while it can be read)."""
    into = app.get_initiative(initiative_id).merged_into
    if into is None or not supporters:
        return []
    there = app.get_initiative(into).subjects()
    found = []
    for subject_id in supporters:
        sealed = app.sealed_data(initiative_id, subject_id)
        opened = app.vault.open(sealed) if sealed else None
        if opened and opened.get("email"):
            _, moved = app.supporter_subject(into, str(opened["email"]))
            if there.get(moved) == SUPPORTER:
                found.append((into, moved))
    return found


def _old_support_prefixes(
    app: ParticipatieApp, initiative_id: UUID, supporters: list[UUID]
) -> list[str]:
    """Prefixes of support mails kept before their keys began with the subject id.

    Those keys were made from the address, so they are found only while it can be read.
    """
    found = []
    for subject_id in supporters:
        sealed = app.sealed_data(initiative_id, subject_id)
        opened = app.vault.open(sealed) if sealed else None
        if opened and opened.get("email"):
            pseudonym = app.vault.pseudonym(f"{initiative_id}:{opened['email'].lower()}")
            found.append(f"support-{pseudonym[:16]}-")
    return found


def _follows_of(container: Container, initiative_id: UUID, subjects: list[UUID]) -> list[UUID]:
    """The follows of these subjects' addresses (found only while the address can be read)."""
    app = container.app
    found: list[UUID] = []
    for subject_id in subjects:
        sealed = app.sealed_data(initiative_id, subject_id)
        opened = app.vault.open(sealed) if sealed else None
        if opened and opened.get("email"):
            found += container.followers.of_address(address_key(app, str(opened["email"])))
    return found


def _signin_prefixes(app: ParticipatieApp, initiative_id: UUID, subjects: list[UUID]) -> list[str]:
    """Prefixes of the sign-in mails ("mijn initiatieven") to these subjects' addresses.

    Those keys are made from the address, so they are found only while it can be read; any
    left behind (a crash) go once their link has expired (`finish_erasures`).
    """
    found = []
    for subject_id in subjects:
        sealed = app.sealed_data(initiative_id, subject_id)
        opened = app.vault.open(sealed) if sealed else None
        if opened and opened.get("email"):
            found.append(signin_mail_prefix(address_key(app, str(opened["email"]))))
    return found


def finish_erasures(container: Container) -> int:
    """Finish every erasure a crash left half done; return the keys deleted only now.

    Every subject recorded as erased loses a key that is somehow still there, the key store is
    scrubbed, and the outbox keeps no mail to any of them.
    """
    app = container.app
    deleted = 0
    prefixes: list[str] = []
    erased: list[UUID] = []
    for notification in app.notifications(Initiative.PersonalDataErased):
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, Initiative.PersonalDataErased)
        deleted += app.vault.shred(event.subject_id)
        prefixes.extend(mail_prefixes(event.originator_id, event.subject_id, event.subject))
        erased.append(event.subject_id)
        if event.subject == INITIATOR:
            container.mailer.forget_mentioning("digest-", str(event.originator_id))
            container.mailer.forget_mentioning(FOLLOW_PREFIX, str(event.originator_id))
    container.mailer.forget(prefixes)
    container.addresses.forget(erased)
    _forget_old_signins(container)
    # A support asked for and never confirmed: once its last link has expired, the key that
    # seals the address in that link and the mail that carried it go (nothing else holds them).
    expired = datetime.now(tz=UTC) - timedelta(days=LINK_DAYS)
    _forget_requests(container, _unconfirmed(container, "support-", expired))
    # Photos kept for a submission whose events were never saved (a crash in between).
    app.photo_store.forget_orphans(
        lambda i: app.exists(UUID(i)), datetime.now(tz=UTC) - timedelta(hours=1)
    )
    app.vault.scrub()
    return deleted


def _forget_old_signins(container: Container) -> int:
    """Sign-in mails hold an address and nothing else: once their link has expired, the outbox
    copy and the ledger entry (its key is made from the address) go. Return how many."""
    signed = datetime.now(tz=UTC) - timedelta(hours=SIGN_IN_HOURS)
    log = container.mailer.log
    old = [key for key, created in log.keys_starting("signin-") if created < signed]
    container.mailer.forget(old)
    return log.delete_starting(old)


def _unconfirmed(
    container: Container, prefix: str, before: datetime | None
) -> list[tuple[UUID, UUID]]:
    """(initiative, subject) of support requests under `prefix` that never became a support,
    whose newest link was mailed before `before` (any, when None)."""
    newest: dict[tuple[UUID, UUID], datetime] = {}
    for key, created in container.mailer.log.keys_starting(prefix):
        parts = key.split("-")  # support-<initiative uuid, 5 parts>-<subject hex>-<random>
        try:
            pair = (UUID("-".join(parts[1:6])), UUID(hex=parts[6]))
        except (IndexError, ValueError):
            continue  # an older key, not made from ids
        newest[pair] = max(created, newest.get(pair, created))
    found: list[tuple[UUID, UUID]] = []
    supporters: dict[UUID, list[UUID] | None] = {}
    for (initiative_id, subject_id), created in sorted(newest.items()):
        if before is not None and created >= before:
            continue  # its link may still be used
        if initiative_id not in supporters:
            try:
                supporters[initiative_id] = container.app.get_initiative(initiative_id).supporters
            except NotFound:  # no such initiative: not a key this platform made; leave it
                supporters[initiative_id] = None
        known = supporters[initiative_id]
        if known is not None and subject_id not in known:
            found.append((initiative_id, subject_id))
    return found


def _forget_requests(container: Container, requests: list[tuple[UUID, UUID]]) -> int:
    """Delete the keys and outbox copies of support requests; return the mails removed."""
    for _, subject_id in requests:
        container.app.vault.shred(subject_id)
    if requests:
        container.app.vault.scrub()
    return container.mailer.forget([support_mail_prefix(i, s) for i, s in requests])
