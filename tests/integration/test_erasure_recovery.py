"""Erasure after a crash between the `PersonalDataErased` event and the key deletion.

The erasure is recorded first and the subject's key deleted after; a process that dies in
between leaves a subject recorded as erased whose data can still be read. The way the product
retries (the same erasure again: `erase_subject`, `erase_initiative`, `participatie privacy
erase`, or the retention run) must then delete exactly the keys of the subjects being erased,
and no one else's. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import pytest
from click.testing import CliRunner

from participatie.application.app import ParticipatieApp
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.cli import main
from participatie.domain.commands import Withdraw
from participatie.domain.values import Actor
from participatie.notifications.links import support_link
from participatie.notifications.mail import compose
from participatie.privacy.erasure import erase_initiative, erase_subject, finish_erasures
from participatie.privacy.keys import KeyStore
from participatie.privacy.retention import run
from participatie.views.projector import Projector, ViewsProjection
from tests.clock import Clock, local
from tests.conftest import submission
from tests.services import catch_up

OFFICER = Actor.system("privacy")
REASON = "Verzoek van betrokkene"


class Crash(RuntimeError):
    """The process died here (simulated)."""


@dataclass
class People:
    """Two initiatives with their subjects: `a` is erased, `b` is a bystander."""

    a: UUID
    a_initiator: UUID
    a_supporters: list[UUID]
    b: UUID
    b_initiator: UUID
    b_supporter: UUID

    @property
    def everyone(self) -> list[UUID]:
        return [self.a_initiator, *self.a_supporters, self.b_initiator, self.b_supporter]


def submit(app: ParticipatieApp, name: str) -> UUID:
    person = {"kind": "resident", "name": name, "email": f"{name.lower()}@example.org"}
    data = SubmissionSchema(app.area_index()).load_submission(submission(initiator=person))
    return app.submit(data).initiative_id


def people(container: Container) -> People:
    app = container.app
    a, b = submit(app, "Anna"), submit(app, "Bram")
    for email in ("s1@example.org", "s2@example.org"):
        app.support_initiative(a, email)
    app.support_initiative(b, "t1@example.org")
    ia, ib = app.get_initiative(a), app.get_initiative(b)
    found = People(
        a, ia.initiator.subject_id, ia.supporters, b, ib.initiator.subject_id, *ib.supporters
    )
    assert len(found.a_supporters) == 2 and len(set(found.everyone)) == 5
    assert all(keys(container).get(s) is not None for s in found.everyone)
    return found


def keys(container: Container) -> KeyStore:
    return container.app.vault.keys


def crash_on_delete(
    monkeypatch: pytest.MonkeyPatch, container: Container, after: int = 0
) -> list[UUID]:
    """Make the key store die once, on its delete number `after` + 1; return the deleted ids."""
    store = keys(container)
    real: Callable[[UUID], bool] = store.delete
    deleted: list[UUID] = []

    def delete(subject_id: UUID) -> bool:
        if len(deleted) == after:
            monkeypatch.setattr(store, "delete", real)  # the retry runs in a healthy process
            raise Crash("killed between the erasure event and the key deletion")
        deleted.append(subject_id)
        return real(subject_id)

    monkeypatch.setattr(store, "delete", delete)
    return deleted


def readable(container: Container, initiative_id: UUID, subject_id: UUID) -> bool:
    """Whether the subject's sealed fields in the events can still be decrypted."""
    sealed = container.app.sealed_data(initiative_id, subject_id)
    assert sealed is not None
    return container.app.vault.open(sealed) is not None


def assert_only_these_erased(container: Container, found: People, erased: set[UUID]) -> None:
    owner = {s: found.a for s in (found.a_initiator, *found.a_supporters)}
    owner.update({found.b_initiator: found.b, found.b_supporter: found.b})
    for subject_id in found.everyone:
        gone = subject_id in erased
        assert (keys(container).get(subject_id) is None) is gone, subject_id
        assert readable(container, owner[subject_id], subject_id) is not gone, subject_id
        recorded = container.app.get_initiative(owner[subject_id]).erased
        assert (subject_id in recorded) is gone, subject_id


def test_a_supporter_whose_key_survived_a_crash_loses_it_when_the_erasure_is_retried(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrying erase_subject deletes the key the crashed erasure left behind."""
    found = people(container)
    target = found.a_supporters[0]
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        erase_subject(container, target, OFFICER, REASON)
    # The crash state: recorded as erased, yet the key is there and the data readable.
    assert target in container.app.get_initiative(found.a).erased
    assert keys(container).get(target) is not None and readable(container, found.a, target)

    retried = erase_subject(container, target, OFFICER, REASON)
    assert (retried.erased, retried.already) == ([], [target])
    assert_only_these_erased(container, found, {target})
    assert container.app.get_initiative(found.a).erased == [target]  # recorded once


def test_an_initiator_whose_key_survived_a_crash_loses_it_and_the_initiative_reads_erased(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrying erase_subject for an initiator: personal_data reads None afterwards."""
    found = people(container)
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        erase_subject(container, found.a_initiator, OFFICER, REASON)
    assert container.app.personal_data(found.a) is not None  # still readable after the crash

    erase_subject(container, found.a_initiator, OFFICER, REASON)
    assert container.app.personal_data(found.a) is None
    assert container.app.personal_data(found.b) is not None
    assert_only_these_erased(container, found, {found.a_initiator})


def test_an_initiative_erasure_that_died_halfway_through_its_keys_is_completed_by_a_retry(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash after one of three deletions; the retry deletes the other two, no more."""
    found = people(container)
    deleted = crash_on_delete(monkeypatch, container, after=1)
    with pytest.raises(Crash):
        erase_initiative(container, found.a, OFFICER, REASON)
    assert len(deleted) == 1
    a_subjects = {found.a_initiator, *found.a_supporters}
    assert set(container.app.get_initiative(found.a).erased) == a_subjects
    assert sum(keys(container).get(s) is not None for s in a_subjects) == 2

    retried = erase_initiative(container, found.a, OFFICER, REASON)
    assert retried.erased == [] and set(retried.already) == a_subjects
    assert_only_these_erased(container, found, a_subjects)
    assert container.app.personal_data(found.a) is None
    assert container.app.personal_data(found.b) is not None


def test_erasing_one_subject_after_a_crash_of_another_leaves_the_first_ones_key_alone(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later erasure of someone else must not touch the crashed subject's neighbours."""
    found = people(container)
    first, second = found.a_supporters
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        erase_subject(container, first, OFFICER, REASON)
    erase_subject(container, second, OFFICER, REASON)
    assert keys(container).get(second) is None
    assert keys(container).get(found.a_initiator) is not None
    erase_subject(container, first, OFFICER, REASON)  # the retry
    assert_only_these_erased(container, found, {first, second})


def test_the_cli_retry_of_a_crashed_erasure_deletes_the_key_and_says_it_was_erased_before(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`participatie privacy erase` again after the crash (a new process on the same store)."""
    found = people(container)
    target = found.a_supporters[1]
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        erase_subject(container, target, OFFICER, REASON)
    for name, value in container.settings.as_environ().items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["privacy", "erase", str(target), "--reason", REASON])
    assert result.exit_code == 0, result.output
    assert f"{target} (supporter) was al gewist." in result.output
    assert_only_these_erased(container, found, {target})


def retention_case(container: Container) -> tuple[People, Clock, datetime]:
    """Initiative `a` withdrawn on 31 March 2025; its three months end 30 June 12:00."""
    app = container.app
    clock = Clock(app, local(2025, 3, 1, 9))
    found = people(container)
    clock.at(local(2025, 3, 31, 12))
    app.act(found.a, Withdraw(), actor=Actor.initiator(found.a_initiator))
    catch_up(Projector(ViewsProjection(container.views, app)))
    now = local(2025, 7, 1)
    clock.at(now)
    return found, clock, now


def test_a_retention_run_after_a_crashed_one_deletes_the_keys_it_left_behind(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retention job is retried (requeued, or the next day's run) after dying mid-way."""
    found, _, now = retention_case(container)
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        run(container, now)
    a_subjects = {found.a_initiator, *found.a_supporters}
    assert set(container.app.get_initiative(found.a).erased) == a_subjects
    run(container, now)
    assert_only_these_erased(container, found, a_subjects)


def keep_support_mail(container: Container, initiative_id: UUID, email: str) -> None:
    """A support confirmation in the outbox, under the key web/public.py gives it."""
    link = support_link(container.app, container.tokens, initiative_id, email)
    assert link is not None
    message = compose(email, "Bevestig uw steun", "Klik op de link.")
    container.mailer.send(link.mail_key, message, kind="support")
    assert len(container.mailer.messages()) == 1


def test_an_erasure_without_a_crash_removes_the_supporters_mail_from_the_outbox(
    container: Container,
) -> None:
    """The baseline for the next test: the outbox copy goes with the supporter's key."""
    found = people(container)
    keep_support_mail(container, found.a, "s1@example.org")
    done = erase_subject(container, found.a_supporters[0], OFFICER, REASON)
    assert done.mails_removed == 1 and container.mailer.messages() == []


def test_a_retry_after_a_crash_before_the_outbox_was_cleaned_still_removes_a_supporters_mail(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mail kept for a supporter goes too when the crash came after the key deletion."""
    found = people(container)
    target = found.a_supporters[0]
    keep_support_mail(container, found.a, "s1@example.org")

    def crash(prefixes: list[str]) -> int:
        raise Crash("killed after the key deletion, before the outbox was cleaned")

    monkeypatch.setattr(container.mailer, "forget", crash)
    with pytest.raises(Crash):
        erase_subject(container, target, OFFICER, REASON)
    monkeypatch.undo()
    erase_subject(container, target, OFFICER, REASON)
    assert keys(container).get(target) is None
    assert container.mailer.messages() == []


def test_the_daily_sweep_finishes_an_erasure_that_died_before_the_outbox_was_cleaned(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody retries by hand: finish_erasures (in every retention run) removes the mail."""
    found = people(container)
    target = found.a_supporters[0]
    keep_support_mail(container, found.a, "s1@example.org")
    bystander = support_link(container.app, container.tokens, found.a, "s2@example.org")
    assert bystander is not None  # a mail to the other supporter, which stays
    container.mailer.send(bystander.mail_key, compose("s2@example.org", "Steun", "Link."))

    def crash(prefixes: list[str]) -> int:
        raise Crash("killed after the key deletion, before the outbox was cleaned")

    monkeypatch.setattr(container.mailer, "forget", crash)
    with pytest.raises(Crash):
        erase_subject(container, target, OFFICER, REASON)
    monkeypatch.undo()
    assert len(container.mailer.messages()) == 2
    assert finish_erasures(container) == 0  # the key was gone already
    (kept,) = container.mailer.messages()
    assert kept.name.startswith(f"support-{found.a}-{found.a_supporters[1].hex}-")
    assert_only_these_erased(container, found, {target})


def test_the_daily_sweep_deletes_a_key_an_erasure_left_and_touches_no_one_else(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = people(container)
    crash_on_delete(monkeypatch, container)
    with pytest.raises(Crash):
        erase_subject(container, found.b_supporter, OFFICER, REASON)
    assert finish_erasures(container) == 1
    assert finish_erasures(container) == 0  # twice is harmless
    assert_only_these_erased(container, found, {found.b_supporter})


def test_photos_of_a_submission_never_saved_go_after_an_hour_not_before(
    container: Container,
) -> None:
    """A crash between storing the photos and saving the events leaves rows no event names:
    the daily run deletes them once they are an hour old (a submission still being saved is
    younger), and keeps those of initiatives that exist."""
    from datetime import UTC, timedelta
    from uuid import uuid4

    from participatie.infra.photostore import StoredPhoto

    store = container.app.photo_store
    now = datetime.now(UTC)
    old, young = uuid4(), uuid4()
    photo = [StoredPhoto(1, "image/jpeg", b"verzegeld", b"klein")]
    store.put(old, photo, now - timedelta(minutes=61))
    store.put(young, photo, now - timedelta(minutes=59))
    kept = submit(container.app, "Anna")
    store.put(kept, photo, now - timedelta(hours=5))
    finish_erasures(container)
    assert store.initiatives() == {str(young), str(kept)}
