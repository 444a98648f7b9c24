"""E-mail through a real SMTP server on loopback, driven by the real relay and RQ worker: one
message per trigger and recipient, in the recipient's language, also when a job runs twice;
with the SMTP server down, the message arrives once it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import redis
from babel.dates import format_date
from rq import Queue

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.commands import (
    AcceptHandoff,
    Complete,
    ConfirmEmail,
    Decide,
    Merge,
    PostPublicUpdate,
    ProvideInfo,
    PublishDecision,
    RequestInfo,
    SetMailPreferences,
    StartExecution,
    StopSupporterUpdates,
    Withdraw,
)
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, Outcome, Role, TeamKind
from participatie.infra import queues
from tests.conftest import REDIS_URL, small_map, submission
from tests.services import (
    SMTPServer,
    drop_queue,
    free_port,
    pump,
    redis_for_test,
    smtp_server,
    unique_queue,
)
from workers import jobs
from workers.relay import Relay
from workers.worker import make_worker

TEST = Actor.system("test")
WEST = Actor("u-west", Role.AREA_MANAGER, "west")
SITE = "https://participatie.example.nl"
TEAM_MAIL = {"west": "west@gemeente.example", "regie": "regie@gemeente.example"}


@pytest.fixture
def mail_settings(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue = unique_queue()
        try:
            yield sqlite_settings.with_(
                redis_url=url,
                queue_name=queue,
                smtp_host="127.0.0.1",
                smtp_port=free_port(),
                smtp_security="none",
                mail_retry=(1, 1, 1),
                public_url=SITE,
            )
        finally:
            drop_queue(url, queue)


@pytest.fixture
def platform(mail_settings: Settings) -> Iterator[Container]:
    container = build(mail_settings)
    app = container.app
    app.import_area_map("v1", small_map(), "test", TEST)
    app.register_team("regie", "Regieteam", TeamKind.REGIE, [], TEAM_MAIL["regie"], TEST)
    app.register_team("west", "Gebiedsteam West", TeamKind.AREA, [], TEAM_MAIL["west"], TEST)
    rules = [{"id": "west", "lead": "west", "match": {"areas": ["BU00010101"]}}]
    app.publish_rulebook("1", "", 5, rules, TEST)
    yield container
    container.close()
    jobs.unload()


def submit(container: Container, language: str = "nl", **overrides: Any) -> UUID:
    data = SubmissionSchema(container.app.area_index()).load_submission(submission(**overrides))
    return container.app.submit({**data, "language": language}).initiative_id


def by_subject(server: SMTPServer) -> dict[tuple[str, str], list[EmailMessage]]:
    found: dict[tuple[str, str], list[EmailMessage]] = {}
    for message in server.received:
        found.setdefault(
            (str(message["To"]), " ".join(str(message["Subject"]).split())), []
        ).append(message)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def accept_and_grant(container: Container, initiative_id: UUID) -> None:
    """West accepts the hand-off, grants the initiative and publishes the decision."""
    app = container.app
    app.act(initiative_id, AcceptHandoff(), actor=WEST)
    app.act(
        initiative_id,
        Decide(outcome=Outcome.HONOURED, rationale="Past in het plan.", reason="overleg"),
        actor=WEST,
    )
    app.act(initiative_id, PublishDecision(), actor=WEST)


def walk_to_completion(container: Container, initiative_id: UUID, question: str) -> None:
    app = container.app
    app.act(initiative_id, AcceptHandoff(), actor=WEST)
    app.act(initiative_id, PostPublicUpdate(message="We komen volgende week kijken."), actor=WEST)
    app.act(initiative_id, RequestInfo(question=question), actor=WEST)
    initiator = Actor.initiator(app.get_initiative(initiative_id).initiator.subject_id)
    app.act(initiative_id, ProvideInfo(answer="De zonkant."), actor=initiator)
    app.act(
        initiative_id,
        Decide(
            outcome=Outcome.HONOURED,
            rationale="Het past in het buurtplan en er is budget.",
            reason="besproken in het teamoverleg",
        ),
        actor=WEST,
    )
    app.act(initiative_id, PublishDecision(), actor=WEST)
    app.act(initiative_id, StartExecution(), actor=WEST)
    app.act(initiative_id, Complete(), actor=WEST)


def test_each_trigger_sends_one_message_in_the_recipients_language(platform: Container) -> None:
    settings = platform.settings
    app = platform.app
    with smtp_server(settings.smtp_port) as server:
        dutch = submit(platform, "nl")
        english = submit(platform, "en", title="Benches by the pond")
        pump(platform)  # submission mails; routing; hand-off mails
        for initiative_id in (dutch, english):
            walk_to_completion(platform, initiative_id, "Welke kant van de straat?")
        pump(platform)

        mails = by_subject(server)
        anna = "anna@example.org"
        title = "Geveltuinen in de Dorpsstraat"
        expected = {
            (anna, f"Uw initiatief is ontvangen: {title}"),
            (anna, f"Uw initiatief is in behandeling: {title}"),
            (anna, f"Nieuws over uw initiatief: {title}"),
            (anna, f"Vraag over uw initiatief: {title}"),
            (anna, f"Besluit over uw initiatief: {title}"),
            (anna, f"De uitvoering van uw initiatief is begonnen: {title}"),
            (anna, f"Uw initiatief is afgerond: {title}"),
            (anna, "Your initiative has been received: Benches by the pond"),
            (anna, "Your initiative is being handled: Benches by the pond"),
            (anna, "News about your initiative: Benches by the pond"),
            (anna, "Question about your initiative: Benches by the pond"),
            (anna, "Decision on your initiative: Benches by the pond"),
            (anna, "Work on your initiative has started: Benches by the pond"),
            (anna, "Your initiative has been completed: Benches by the pond"),
            (TEAM_MAIL["west"], f"Nieuw in de wachtrij: {title}"),
            (TEAM_MAIL["west"], "Nieuw in de wachtrij: Benches by the pond"),
            (TEAM_MAIL["west"], f"Antwoord van de indiener: {title}"),
            (TEAM_MAIL["west"], "Antwoord van de indiener: Benches by the pond"),
        }
        assert set(mails) == expected
        assert all(len(found) == 1 for found in mails.values()), mails

        # Content: the confirmation link, the decision date, in the initiator's language.
        initiative = app.repository.get(dutch, version=1)  # as submitted
        assert initiative.decision_due is not None
        due = initiative.decision_due.astimezone(AMSTERDAM).date()
        (received,) = mails[(anna, f"Uw initiatief is ontvangen: {title}")]
        text = text_of(received)
        assert f"{SITE}/bevestigen/" in text
        assert f"U hoort uiterlijk {format_date(due, 'long', locale='nl')} wat" in text
        assert f'href="{SITE}/volgen"' in html_of(received)
        (received_en,) = mails[(anna, "Your initiative has been received: Benches by the pond")]
        assert "Confirm your e-mail address" in text_of(received_en)
        assert format_date(due, "long", locale="en") in text_of(received_en)
        (question,) = mails[(anna, f"Vraag over uw initiatief: {title}")]
        assert "Welke kant van de straat?" in text_of(question)
        (decision,) = mails[(anna, "Decision on your initiative: Benches by the pond")]
        assert "Decision: Granted" in text_of(decision)
        assert "Het past in het buurtplan en er is budget." in text_of(decision)
        (accepted,) = mails[(anna, "Your initiative is being handled: Benches by the pond")]
        assert "Gebiedsteam West" in text_of(accepted) and f"{SITE}/volgen" in text_of(accepted)
        (news,) = mails[(anna, f"Nieuws over uw initiatief: {title}")]
        assert "We komen volgende week kijken." in text_of(news)
        (answered,) = mails[(TEAM_MAIL["west"], f"Antwoord van de indiener: {title}")]
        assert "De zonkant." in text_of(answered)
        assert f"{SITE}/beheer/initiatieven/{dutch}" in text_of(answered)
        (handoff,) = mails[(TEAM_MAIL["west"], f"Nieuw in de wachtrij: {title}")]
        assert f"{SITE}/beheer/initiatieven/{dutch}" in text_of(handoff)
        assert "Gebiedsteam West" in text_of(handoff)

        # Every job runs a second time (a worker died after sending, say): nothing new arrives.
        count = len(server.received)
        events = [
            (initiative_id, event.originator_version)
            for initiative_id in (dutch, english)
            for event in app.history(initiative_id)
        ]
        connection = redis.Redis.from_url(settings.redis_url)
        queue = Queue(settings.queue_name, connection=connection)
        jobs.enqueue_notifications(queue, events, settings.mail_retry)
        make_worker(settings, connection).work(burst=True, logging_level="ERROR")
        assert jobs.notify(str(dutch), 1) == f"submitted-{dutch}-v1-initiator: skipped"
        assert len(server.received) == count
        # Each message carries a Message-ID derived from its key, so even a resend is known.
        ids = [m["Message-ID"] for m in server.received]
        assert len(set(ids)) == len(ids)
        assert platform.mailer.log.counts() == {
            "sent": count,
            "sending": 0,
            "retry": 0,
            "failed": 0,
        }


def test_a_missed_handoff_mails_the_team_and_regie_once(platform: Container) -> None:
    app = platform.app
    with smtp_server(platform.settings.smtp_port) as server:
        initiative_id = submit(platform)
        pump(platform)
        routed = app.get_initiative(initiative_id)
        assert routed.handoff_due is not None
        later = routed.handoff_due + timedelta(minutes=1)
        assert app.sweep_deadlines(initiative_id, at=later) == ["handoff"]
        assert app.sweep_deadlines(initiative_id, at=later) == []
        pump(platform)
        title = "Geveltuinen in de Dorpsstraat"
        mails = by_subject(server)
        (overdue,) = mails[(TEAM_MAIL["west"], f"Termijn verstreken: {title}")]
        text = text_of(overdue)
        assert "de termijn om de overdracht te accepteren verstreken" in text
        assert "doorgezet naar het regieteam" in text
        (to_regie,) = mails[(TEAM_MAIL["regie"], f"Nieuw in de wachtrij: {title}")]
        assert "acceptatietermijn verstreken" in text_of(to_regie)


def test_with_smtp_down_the_message_arrives_after_it_comes_back(platform: Container) -> None:
    settings = platform.settings
    initiative_id = submit(platform)
    key = f"submitted-{initiative_id}-v1-initiator"
    pump(platform, rounds=1)  # the SMTP server is not running: the mail job fails, for now
    entry = platform.mailer.log.get(key)
    assert entry is not None and entry.state == "retry"
    assert entry.last_error
    server = SMTPServer(settings.smtp_port)
    server.start()
    try:
        assert server.received == []
        time.sleep(1.2)  # the first retry interval
        pump(platform)
        subjects = [str(m["Subject"]) for m in server.received]
        assert subjects.count("Uw initiatief is ontvangen: Geveltuinen in de Dorpsstraat") == 1
        entry = platform.mailer.log.get(key)
        assert entry is not None and entry.state == "sent"
        assert entry.attempts >= 2
    finally:
        server.stop()


def test_the_relay_schedules_the_sweep_and_the_job_records_missed_deadlines(
    platform: Container,
) -> None:
    from participatie.views.projector import Projector, ViewsProjection
    from tests.services import catch_up

    settings = platform.settings
    app = platform.app
    initiative_id = submit(platform)
    pump(platform)  # routed to west, hand-off pending
    assert app.get_initiative(initiative_id).lead_team == "west"
    connection = redis.Redis.from_url(settings.redis_url)
    wall = [1_000_000.0]
    relay = Relay(platform, connection, wall=lambda: wall[0])
    every = settings.sweep_minutes * 60
    queue = Queue(settings.queue_name, connection=connection)
    assert relay.sweep_once() is True
    assert relay.sweep_once() is False  # once per slot
    wall[0] += every
    assert relay.sweep_once() is True
    slots = sorted(j for j in queue.job_ids if j.startswith("sweep-"))
    assert slots == [f"sweep-{int(1_000_000 // every)}", f"sweep-{int(1_000_000 // every) + 1}"]

    # The worker's application lives three weeks ahead: the hand-off has expired.
    worker_app = jobs.preload(settings).app
    handoff_due = app.get_initiative(initiative_id).handoff_due
    assert handoff_due is not None
    worker_app.clock = lambda: handoff_due + timedelta(days=21)
    catch_up(Projector(ViewsProjection(platform.views, app)))
    make_worker(settings, connection).work(burst=True, logging_level="ERROR")
    history = app.history(initiative_id)
    missed = [e for e in history if type(e).__name__ == "DeadlineMissed"]
    assert [e.deadline for e in missed] == ["handoff"]  # type: ignore[attr-defined]
    assert app.get_initiative(initiative_id).lead_team == "regie"  # escalated once


def test_a_mail_job_redis_lost_is_enqueued_again_and_sends_once(platform: Container) -> None:
    from rq.job import Job

    settings = platform.settings
    connection = redis.Redis.from_url(settings.redis_url)
    queue = queues.mail_queue_for(settings, connection)
    now = [1000.0]
    relay = Relay(platform, connection, reconcile_after=60, monotonic=lambda: now[0])
    with smtp_server(settings.smtp_port) as server:
        delivered = submit(platform)
        lost = submit(platform, title="Boom bij de school")
        while relay.relay_once():
            pass
        # Redis loses one mail job (a restart without persistence); the other one runs.
        Job.fetch(jobs.notify_job_id(lost, 1), connection=connection).delete()
        assert jobs.notify_job_id(lost, 1) not in queue.job_ids
        jobs.preload(settings)
        make_worker(settings, connection).work(burst=True, logging_level="ERROR")
        assert [str(m["Subject"]) for m in server.received] == [
            "Uw initiatief is ontvangen: Geveltuinen in de Dorpsstraat"
        ]
        assert relay.reconcile_mail_once() == 0  # seen now; not due yet
        now[0] += 61
        # Only the lost submission mail; the Routed events are not even relayed yet.
        assert relay.reconcile_mail_once() == 1
        assert jobs.notify_job_id(lost, 1) in queue.job_ids
        assert jobs.notify_job_id(delivered, 1) not in queue.job_ids  # settled: left alone
        make_worker(settings, connection).work(burst=True, logging_level="ERROR")
        subjects = [str(m["Subject"]) for m in server.received]
        assert subjects.count("Uw initiatief is ontvangen: Boom bij de school") == 1
        assert subjects.count("Uw initiatief is ontvangen: Geveltuinen in de Dorpsstraat") == 1
        now[0] += 61
        while relay.relay_once():
            pass
        make_worker(settings, connection).work(burst=True, logging_level="ERROR")
        now[0] += 61
        assert relay.reconcile_mail_once() == 0
        now[0] += 61
        assert relay.reconcile_mail_once() == 0
        assert relay.mail_waiting == {}
        assert relay.mail_watch.position() == platform.app.recorder.max_notification_id()


def submit_as_stored(container: Container, title: str) -> UUID:
    """An initiative whose title is in the log as given: written past the input checks, as a
    title stored before they refused line breaks would be."""
    data = SubmissionSchema(container.app.area_index()).load_submission(submission())
    return container.app.submit({**data, "title": title, "language": "nl"}).initiative_id


MAIL_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}


def test_a_line_break_in_a_title_reaches_no_header_and_the_mail_still_goes(
    platform: Container,
) -> None:
    with smtp_server(platform.settings.smtp_port) as server:
        submit_as_stored(platform, "Geveltuinen\r\nBcc: x@evil.example")
        pump(platform)  # submission mail; routing; hand-off mail
    title = "Geveltuinen Bcc: x@evil.example"
    assert sorted((str(m["To"]), str(m["Subject"])) for m in server.received) == [
        ("anna@example.org", f"Uw initiatief is ontvangen: {title}"),
        (TEAM_MAIL["west"], f"Nieuw in de wachtrij: {title}"),
    ]
    assert sorted(server.recipients) == [["anna@example.org"], [TEAM_MAIL["west"]]]
    for message in server.received:
        assert set(message.keys()) == MAIL_HEADERS
    assert platform.mailer.log.counts() == {"sent": 2, "sending": 0, "retry": 0, "failed": 0}


def test_a_mail_job_that_fails_for_good_is_in_the_ledger_with_its_error(
    platform: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    from participatie.notifications import messages

    initiative_id = submit(platform)
    log = platform.mailer.log

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sjabloon onleesbaar")

    monkeypatch.setattr(messages.Notifier, "_render", broken)
    with pytest.raises(RuntimeError):
        messages.deliver(platform, initiative_id, 1)  # RQ tries again: nothing to show yet
    assert log.entries() == []
    with pytest.raises(RuntimeError):
        messages.deliver(platform, initiative_id, 1, final=True)  # the last try
    [entry] = log.entries()
    assert (entry.key, entry.state, entry.kind, entry.initiative_id, entry.last_error) == (
        f"event-{initiative_id}-v1",
        "failed",
        "event",
        str(initiative_id),
        "RuntimeError: sjabloon onleesbaar",
    )
    # An admin puts the job back once the template is fixed: the mail goes, the row is settled.
    monkeypatch.undo()
    with smtp_server(platform.settings.smtp_port) as server:
        assert messages.deliver(platform, initiative_id, 1) == [
            f"submitted-{initiative_id}-v1-initiator: sent"
        ]
    assert len(server.received) == 1
    assert log.counts() == {"sent": 2, "sending": 0, "retry": 0, "failed": 0}


def test_personal_link_supporters_updates_and_turned_off_kinds(platform: Container) -> None:
    """Issue 24: the personal link after the address is confirmed; supporters who asked hear the
    decision and the completion in their language; kinds the initiator turned off, and a
    supporter who stopped, get nothing; no message holds a tracking code."""
    app = platform.app
    with smtp_server(platform.settings.smtp_port) as server:
        schema = SubmissionSchema(app.area_index())
        dutch = app.submit({**schema.load_submission(submission()), "language": "nl"})
        english = app.submit(
            {**schema.load_submission(submission(title="Benches by the pond")), "language": "en"}
        )
        for result in (dutch, english):
            initiative = app.get_initiative(result.initiative_id)
            initiator = Actor.initiator(initiative.initiator.subject_id)
            app.act(result.initiative_id, ConfirmEmail(), actor=initiator)
        dutch_id, english_id = dutch.initiative_id, english.initiative_id
        app.support_initiative(dutch_id, "bas@example.org", updates=True, language="nl")
        app.support_initiative(dutch_id, "stil@example.org")  # asked for nothing
        app.support_initiative(dutch_id, "stop@example.org", updates=True, language="nl")
        app.support_initiative(english_id, "eve@example.org", updates=True, language="en")
        anna = Actor.initiator(app.get_initiative(dutch_id).initiator.subject_id)
        app.act(dutch_id, SetMailPreferences(("public_update", "execution_started")), actor=anna)
        pump(platform)
        walk_to_completion(platform, english_id, "Which side of the street?")
        for initiative_id, question in ((dutch_id, "Welke kant van de straat?"),):
            app.act(initiative_id, AcceptHandoff(), actor=WEST)
            app.act(initiative_id, PostPublicUpdate(message="We kijken."), actor=WEST)
            app.act(initiative_id, RequestInfo(question=question), actor=WEST)
            app.act(initiative_id, ProvideInfo(answer="De zonkant."), actor=anna)
            app.act(
                initiative_id,
                Decide(outcome=Outcome.NOT_HONOURED, rationale="Geen ruimte.", reason="overleg"),
                actor=WEST,
            )
            app.act(initiative_id, PublishDecision(), actor=WEST)
            stop = next(
                e.supporter.subject_id
                for e in app.history(initiative_id)
                if isinstance(e, Initiative.Supported)
                and app.vault.open(e.supporter) == {"email": "stop@example.org"}
            )
            stopper = Actor(f"subject:{stop.hex}", Role.SUPPORTER)
            pump(platform)  # the decision mails go before the supporter stops
            app.act(initiative_id, StopSupporterUpdates(stop), actor=stopper)
            app.act(initiative_id, Complete(), actor=WEST)
        pump(platform)

        mails = by_subject(server)
        anna_mail = "anna@example.org"
        title = "Geveltuinen in de Dorpsstraat"
        by_hand = {
            # Dutch initiator: public update and execution started turned off (no execution
            # here anyway: a refusal is completed at once).
            (anna_mail, f"Uw initiatief is ontvangen: {title}"),
            (anna_mail, f"Uw link naar de volgpagina: {title}"),
            (anna_mail, f"Uw initiatief is in behandeling: {title}"),
            (anna_mail, f"Vraag over uw initiatief: {title}"),
            (anna_mail, f"Besluit over uw initiatief: {title}"),
            (anna_mail, f"Uw initiatief is afgerond: {title}"),
            # English initiator: everything.
            (anna_mail, "Your initiative has been received: Benches by the pond"),
            (anna_mail, "Your link to the tracking page: Benches by the pond"),
            (anna_mail, "Your initiative is being handled: Benches by the pond"),
            (anna_mail, "News about your initiative: Benches by the pond"),
            (anna_mail, "Question about your initiative: Benches by the pond"),
            (anna_mail, "Decision on your initiative: Benches by the pond"),
            (anna_mail, "Work on your initiative has started: Benches by the pond"),
            (anna_mail, "Your initiative has been completed: Benches by the pond"),
            # Supporters who asked: the decision and the completion, in their language; the one
            # who stopped after the decision gets no completion; the one who asked nothing, none.
            ("bas@example.org", f"Besluit over een initiatief dat u steunt: {title}"),
            ("bas@example.org", f"Afgerond: een initiatief dat u steunt: {title}"),
            ("stop@example.org", f"Besluit over een initiatief dat u steunt: {title}"),
            ("eve@example.org", "Decision on an initiative you support: Benches by the pond"),
            ("eve@example.org", "Completed: an initiative you support: Benches by the pond"),
            (TEAM_MAIL["west"], f"Nieuw in de wachtrij: {title}"),
            (TEAM_MAIL["west"], "Nieuw in de wachtrij: Benches by the pond"),
            (TEAM_MAIL["west"], f"Antwoord van de indiener: {title}"),
            (TEAM_MAIL["west"], "Antwoord van de indiener: Benches by the pond"),
        }
        assert set(mails) == by_hand
        assert all(len(found) == 1 for found in mails.values()), mails

        (decision,) = mails[
            ("bas@example.org", f"Besluit over een initiatief dat u steunt: {title}")
        ]
        assert "Besluit: Niet gehonoreerd" in text_of(decision)
        assert "Geen ruimte." in text_of(decision)
        assert f"{SITE}/initiatieven/{dutch_id}" in text_of(decision)
        assert f"{SITE}/berichten/uit/" in text_of(decision)
        (link,) = mails[(anna_mail, f"Uw link naar de volgpagina: {title}")]
        assert f"{SITE}/volgen/toegang/" in text_of(link)
        (question,) = mails[(anna_mail, f"Vraag over uw initiatief: {title}")]
        assert f"{SITE}/berichten/uit/" in text_of(question)  # a kind one can turn off
        (received,) = mails[(anna_mail, f"Uw initiatief is ontvangen: {title}")]
        assert "/berichten/uit/" not in text_of(received)  # one that always goes
        for message in server.received:
            whole = message.as_string()
            for code in (dutch.tracking_code, english.tracking_code):
                assert code not in whole and code.replace("-", "") not in whole


def test_merging_moves_the_supporters_and_tells_them_and_the_initiator(
    platform: Container,
) -> None:
    """Issue 24: merging A into B gives B the support of A's supporters (once: someone who
    supported both counts once; an erased supporter is not moved), keeps whether they asked
    for updates and their language, and mails each of them and A's initiator once. The mails
    do not quote B's words (B's initiator may be erased later): they link to B's page."""
    from participatie.privacy.erasure import erase_subject

    app = platform.app
    moderator = Actor("u-mod", Role.ADMIN)
    with smtp_server(platform.settings.smtp_port) as server:
        b_id = submit(platform)  # "Geveltuinen in de Dorpsstraat"
        a_id = submit(platform, "en", title="More facade gardens on Dorpsstraat")
        for initiative_id in (a_id, b_id):
            app.route_initiative(initiative_id, jobs.ROUTER)
            assert app.get_initiative(initiative_id).public_text is not None  # auto-approved
        app.support_initiative(b_id, "bas@example.org")
        app.support_initiative(a_id, "bas@example.org", language="nl")
        app.support_initiative(a_id, "eve@example.org", updates=True, language="en")
        app.support_initiative(a_id, "gone@example.org")
        gone = next(
            e.supporter.subject_id
            for e in app.history(a_id)
            if isinstance(e, Initiative.Supported)
            and app.vault.open(e.supporter) == {"email": "gone@example.org"}
        )
        erase_subject(platform, gone, moderator, "verzoek van de steuner")
        pump(platform)
        server.received.clear()
        app.act(a_id, Merge(into=b_id, reason="Zelfde vraag, zelfde straat"), actor=WEST)
        pump(platform)
        pump(platform)  # a second run of everything changes nothing

        assert len(app.get_initiative(b_id).supporters) == 2  # bas (once) and eve
        mails = by_subject(server)
        a_title = "More facade gardens on Dorpsstraat"
        assert set(mails) == {
            ("anna@example.org", f"Your initiative has been merged: {a_title}"),
            ("bas@example.org", f"Samengevoegd: een initiatief dat u steunt: {a_title}"),
            ("eve@example.org", f"Merged: an initiative you support: {a_title}"),
        }
        assert all(len(found) == 1 for found in mails.values()), mails
        (initiator,) = mails[("anna@example.org", f"Your initiative has been merged: {a_title}")]
        assert "Zelfde vraag, zelfde straat" in text_of(initiator)
        assert f"{SITE}/initiatieven/{b_id}" in text_of(initiator)
        assert f'href="{SITE}/initiatieven/{b_id}"' in html_of(initiator)
        (eve,) = mails[("eve@example.org", f"Merged: an initiative you support: {a_title}")]
        assert "Your support now counts for that other initiative" in text_of(eve)
        assert f"{SITE}/initiatieven/{b_id}" in text_of(eve)
        for message in server.received:
            assert "Geveltuinen in de Dorpsstraat" not in message.as_string()  # B's words

        # Eve asked for updates at A: she hears B's decision, in English; bas did not ask.
        server.received.clear()
        accept_and_grant(platform, b_id)
        pump(platform)
        supporters = {k for k in by_subject(server) if k[0] != "anna@example.org"}
        assert supporters == {
            (
                "eve@example.org",
                "Decision on an initiative you support: Geveltuinen in de Dorpsstraat",
            )
        }

        # Erasing eve (through A, where she supported) erases her support on B too.
        eve_at = {
            initiative_id: next(
                e.supporter
                for e in app.history(initiative_id)
                if isinstance(e, Initiative.Supported)
                and app.vault.open(e.supporter) == {"email": "eve@example.org"}
            )
            for initiative_id in (a_id, b_id)
        }
        erase_subject(platform, eve_at[a_id].subject_id, moderator, "verzoek van de steuner")
        assert app.vault.open(eve_at[a_id]) is None and app.vault.open(eve_at[b_id]) is None
        assert eve_at[b_id].subject_id in app.get_initiative(b_id).erased


def test_a_support_is_not_moved_into_an_initiative_that_closed_meanwhile(
    platform: Container,
) -> None:
    """B closed between the merge and the mail job: nothing can be added to it, and the
    supporter is told so."""
    app = platform.app
    with smtp_server(platform.settings.smtp_port) as server:
        b_id = submit(platform, consent_to_publish=False)
        a_id = submit(platform, title="Meer geveltuinen in de Dorpsstraat")
        app.support_initiative(a_id, "bas@example.org")
        pump(platform)
        server.received.clear()
        app.act(a_id, Merge(into=b_id, reason="Zelfde vraag"), actor=WEST)
        app.act(b_id, Withdraw(reason="Al geregeld"), actor=WEST)
        pump(platform)
        assert len(app.get_initiative(b_id).supporters) == 0
        (told,) = [m for m in server.received if str(m["To"]) == "bas@example.org"]
        assert "dus uw steun kon er niet meer bij" in text_of(told)
        assert "/initiatieven/" not in text_of(told)  # B is not public: no link


def test_every_kind_arrives_once_by_message_id_when_the_sending_process_dies_mid_send(
    platform: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker forks a process per job (as in production with --fork); that process is
    killed (os._exit, no clean-up) twice for every message: once before the SMTP server has
    it, once after the server accepted it but before the ledger knew. Every kind of message
    still arrives, in both languages, and every copy a recipient gets carries the one
    Message-ID of its key, so a mail client shows it once. No message holds a tracking code."""
    import os

    from participatie.notifications.ledger import MailLog
    from participatie.notifications.transport import SMTPTransport

    # A job sends up to four messages (a decision: initiator, supporter, two followers) and dies
    # twice for each, and may wait for a stale claim in between: 20 tries are enough.
    settings = platform.settings.with_(mail_stale_seconds=1, mail_retry=(1,) * 20)
    deaths = tmp_path / "deaths"
    deaths.mkdir()

    def died(key: str, moment: str) -> bool:
        """True the first time `key` reaches `moment` (each process checks the file)."""
        marker = deaths / f"{moment}-{key}"
        if marker.exists():
            return False
        marker.touch()
        return True

    real_send = SMTPTransport.send
    real_sent = MailLog.sent

    def send(self: SMTPTransport, message: Any, key: str) -> None:
        if died(key, "before"):
            os._exit(9)  # killed before the server has the message
        real_send(self, message, key)

    def sent(self: MailLog, key: str) -> None:
        if died(key, "after"):
            os._exit(9)  # the server accepted it; the ledger never hears
        real_sent(self, key)

    monkeypatch.setattr(SMTPTransport, "send", send)
    monkeypatch.setattr(MailLog, "sent", sent)
    app = platform.app
    jobs.unload()
    for name, value in settings.as_environ().items():
        monkeypatch.setenv(name, value)  # each forked job process builds from these
    relaying = build(settings)  # the relay with these retry intervals
    connection = redis.Redis.from_url(settings.redis_url)
    relay = Relay(relaying, connection)

    def work_until_sent(count: int) -> None:
        """Relay and work (a forked process per job) until `count` messages are sent."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            while relay.relay_once():
                pass
            make_worker(settings, connection, fork=True).work(
                burst=True, with_scheduler=True, logging_level="CRITICAL"
            )
            if platform.mailer.log.counts()["sent"] == count:
                return
            time.sleep(0.5)

    with smtp_server(settings.smtp_port) as server:
        # Followers of the wijk (Dutch) and of the buurt (English) get their confirmation links
        # and confirm before anything happens there.
        follows = [
            app.request_follow(area, address, language).follow_id
            for area, address, language in (
                ("WK000101", "volger@example.org", "nl"),
                ("BU00010101", "follower@example.org", "en"),
            )
        ]
        work_until_sent(2)
        for follow_id in follows:
            assert app.confirm_follow(follow_id, 1)
        schema = SubmissionSchema(app.area_index())
        dutch = app.submit({**schema.load_submission(submission()), "language": "nl"})
        english = app.submit(
            {**schema.load_submission(submission(title="Benches by the pond")), "language": "en"}
        )
        for result in (dutch, english):
            subject = app.get_initiative(result.initiative_id).initiator.subject_id
            app.act(result.initiative_id, ConfirmEmail(), actor=Actor.initiator(subject))
            app.support_initiative(result.initiative_id, "bas@example.org", updates=True)
        alike = app.submit(
            {
                **schema.load_submission(submission(title="Meer geveltuinen Dorpsstraat")),
                "language": "nl",
            }
        )
        subject = app.get_initiative(alike.initiative_id).initiator.subject_id
        app.act(alike.initiative_id, ConfirmEmail(), actor=Actor.initiator(subject))
        app.support_initiative(alike.initiative_id, "kees@example.org")
        app.route_initiative(alike.initiative_id, jobs.ROUTER)
        app.act(alike.initiative_id, Merge(into=dutch.initiative_id, reason="Dubbel"), actor=WEST)
        for result in (dutch, english):
            app.route_initiative(result.initiative_id, jobs.ROUTER)
            walk_to_completion(platform, result.initiative_id, "Welke kant?")
        work_until_sent(EXPECTED_UNDER_DEATHS)

        relaying.close()
        moments = sorted(p.name.split("-", 1)[0] for p in deaths.iterdir())
        assert moments == ["after"] * EXPECTED_UNDER_DEATHS + ["before"] * EXPECTED_UNDER_DEATHS
        counts = platform.mailer.log.counts()
        assert counts == {"sent": EXPECTED_UNDER_DEATHS, "sending": 0, "retry": 0, "failed": 0}
        kinds = {e.kind for e in platform.mailer.log.entries(limit=500)}
        assert kinds == {
            "submitted",
            "tracking_link",
            "handoff",
            "handoff_accepted",
            "public_update",
            "information_requested",
            "answered",
            "decision_published",
            "supporter_decision",
            "execution_started",
            "completed",
            "supporter_completed",
            "merged",
            "supporter_merged",
            "follow_confirm",
            "area_new",
            "area_decision",
        }
        by_id: dict[str, set[tuple[str, str]]] = {}
        for message in server.received:
            by_id.setdefault(str(message["Message-ID"]), set()).add(
                (str(message["To"]), " ".join(str(message["Subject"]).split()))
            )
            whole = message.as_string()
            for code in (dutch.tracking_code, english.tracking_code, alike.tracking_code):
                assert code not in whole and code.replace("-", "") not in whole
        assert len(by_id) == EXPECTED_UNDER_DEATHS  # one Message-ID per message
        assert all(len(found) == 1 for found in by_id.values())  # and a copy is the same one
        # Each was killed once after the server accepted it: it arrived twice, as one.
        assert len(server.received) == 2 * EXPECTED_UNDER_DEATHS
        subjects = {s for found in by_id.values() for _, s in found}
        assert "Your link to the tracking page: Benches by the pond" in subjects
        assert "Uw link naar de volgpagina: Geveltuinen in de Dorpsstraat" in subjects
        assert "Decision on an initiative you support: Benches by the pond" not in subjects
        assert "Besluit over een initiatief dat u steunt: Benches by the pond" in subjects
        assert "Confirm that you want to follow Westbuurt" in subjects
        assert "Bevestig dat u Testwijk wilt volgen" in subjects
        assert "New initiative in Westbuurt: Benches by the pond" in subjects
        assert "Besluit over een initiatief in Testwijk: Benches by the pond" in subjects


# Per initiative, by hand: submitted, tracking link, hand-off to west, accepted, public update,
# question, answer to west, decision, decision to the supporter, execution started, completed,
# completion to the supporter: 12; two initiatives. And one merged into the Dutch one:
# submitted, tracking link, hand-off to west, merged to its initiator, merged to its supporter
# (who did not ask for updates, so nothing more): 5. And two followers of the area (one of the
# wijk, one of the buurt): a confirmation link each, the three new public initiatives and the
# two published decisions to each: 2 + 6 + 4 = 12.
EXPECTED_UNDER_DEATHS = 41


def test_the_weekly_digest_goes_once_to_staff_with_something_in_their_queues(
    platform: Container,
) -> None:
    from datetime import UTC, datetime

    from participatie.notifications.digest import send_digests
    from participatie.views.projector import Projector, ViewsProjection
    from tests.services import catch_up
    from workers.relay import MONDAY_MORNING, WEEK

    app = platform.app
    staff = platform.staff
    password = "een lang genoeg wachtwoord"
    staff.add(
        "wim", "Wim West", Role.AREA_MANAGER, ["west"], password, TEST, "wim@gemeente.example"
    )
    staff.add("ria", "Ria Regie", Role.REGIE, ["regie"], password, TEST, "ria@gemeente.example")
    staff.add("ada", "Ada Admin", Role.ADMIN, [], password, TEST, "ada@gemeente.example")
    staff.add("tim", "Tim Zonder", Role.TEAM_MEMBER, ["west"], password, TEST)  # no address
    staff.add("oud", "Oud Lid", Role.TEAM_MEMBER, ["west"], password, TEST, "oud@gemeente.example")
    staff.deactivate("oud", TEST, "uit dienst")
    with smtp_server(platform.settings.smtp_port) as server:
        waiting = submit(platform)
        accepted = submit(platform, title="Boom bij de school")
        pump(platform)  # both routed to west
        app.act(accepted, AcceptHandoff(), actor=WEST)
        catch_up(Projector(ViewsProjection(platform.views, app)))
        handoff_due = app.get_initiative(waiting).handoff_due
        assert handoff_due is not None
        later = handoff_due + timedelta(days=1)  # the hand-off is late by then
        before = len(server.received)
        assert len(send_digests(platform, later)) == 1
        assert send_digests(platform, later) == [  # a second run sends nothing
            f"digest-{later.isocalendar()[0]}-W{later.isocalendar()[1]:02d}-wim: skipped"
        ]
        (digest,) = server.received[before:]
        assert digest["To"] == "wim@gemeente.example"
        assert str(digest["Subject"]).startswith("Weekoverzicht van uw wachtrij")
        text = text_of(digest)
        assert "== Gebiedsteam West ==" in text
        assert "Wacht op acceptatie door het team (1):" in text
        assert "Over de termijn (1):" in text
        assert text.count("Geveltuinen in de Dorpsstraat") == 2  # new and late
        assert "Boom bij de school" not in text  # accepted and on time: not in the digest
        assert f"{SITE}/beheer/initiatieven/{waiting}" in text
        assert f"{SITE}/beheer/wachtrij/west" in text

    # The relay enqueues it once a week, from Monday 06:00 UTC (1970-01-05 was a Monday).
    monday = datetime(2026, 12, 7, 6, 0, tzinfo=UTC).timestamp()
    assert (monday - MONDAY_MORNING) % WEEK == 0
    wall = [monday - 1]
    relay = Relay(platform, redis.Redis.from_url(platform.settings.redis_url), wall=lambda: wall[0])
    assert relay.scheduled_once("digest") is True  # the first look enqueues this week's
    assert relay.scheduled_once("digest") is False
    wall[0] = monday  # Monday 06:00: a new week
    assert relay.scheduled_once("digest") is True
    wall[0] = monday + WEEK - 1  # Sunday night: still the same week
    assert relay.scheduled_once("digest") is False


def test_following_an_area_double_opt_in_news_decisions_and_stop(platform: Container) -> None:
    """Issue 24 item 5, against a real SMTP server: a confirmation link first (double opt-in);
    once confirmed, a follower of the wijk and one of the buurt hear of a new public initiative
    and its published decision, in their language, once each; nobody unconfirmed or following
    another buurt does; every mail has a stop link; stopping erases the address."""
    from participatie.application.follows import FOLLOWING, NEW
    from participatie.notifications.followers import stop_following

    app = platform.app
    with smtp_server(platform.settings.smtp_port) as server:
        wijk = app.request_follow("WK000101", "volger@example.org", "nl")
        buurt = app.request_follow("BU00010101", "follower@example.org", "en")
        quiet = app.request_follow("WK000101", "stil@example.org", "nl")  # never confirms
        far = app.request_follow("BU00010102", "ver@example.org", "nl")
        assert {wijk.outcome, buurt.outcome, quiet.outcome, far.outcome} == {NEW}
        pump(platform)
        asked = by_subject(server)
        assert set(asked) == {
            ("volger@example.org", "Bevestig dat u Testwijk wilt volgen"),
            ("follower@example.org", "Confirm that you want to follow Westbuurt"),
            ("stil@example.org", "Bevestig dat u Testwijk wilt volgen"),
            ("ver@example.org", "Bevestig dat u Oostbuurt wilt volgen"),
        }
        (link,) = asked[("volger@example.org", "Bevestig dat u Testwijk wilt volgen")]
        assert f"{SITE}/gebieden/volgen/bevestigen/" in text_of(link)
        assert f"{SITE}/gebieden/volgen/stoppen/" in text_of(link)
        for follow in (wijk, buurt, far):
            assert app.confirm_follow(follow.follow_id, 1)
        again = app.request_follow("WK000101", "Volger@Example.org ", "nl")
        assert again == type(again)(wijk.follow_id, FOLLOWING)  # one follow per address
        pump(platform)
        server.received.clear()

        initiative_id = submit(platform)  # in Westbuurt; public at once (auto-approved)
        app.route_initiative(initiative_id, jobs.ROUTER)
        accept_and_grant(platform, initiative_id)
        pump(platform)
        pump(platform)  # again: nothing twice

        title = "Geveltuinen in de Dorpsstraat"
        followers = {k: v for k, v in by_subject(server).items() if k[0] != "anna@example.org"}
        followers.pop((TEAM_MAIL["west"], f"Nieuw in de wachtrij: {title}"))
        assert set(followers) == {
            ("volger@example.org", f"Nieuw initiatief in Testwijk: {title}"),
            ("volger@example.org", f"Besluit over een initiatief in Testwijk: {title}"),
            ("follower@example.org", f"New initiative in Westbuurt: {title}"),
            ("follower@example.org", f"Decision on an initiative in Westbuurt: {title}"),
        }
        assert all(len(found) == 1 for found in followers.values())
        (decision,) = followers[
            ("follower@example.org", f"Decision on an initiative in Westbuurt: {title}")
        ]
        assert "Decision: Granted" in text_of(decision)
        assert f"{SITE}/initiatieven/{initiative_id}" in text_of(decision)
        assert f"{SITE}/gebieden/volgen/stoppen/" in text_of(decision)
        assert f'href="{SITE}/gebieden/volgen/stoppen/' in html_of(decision)

        # Stopping: no more mail, and the address cannot be read any more.
        assert stop_following(platform, wijk.follow_id, "unsubscribed")
        assert not stop_following(platform, wijk.follow_id, "unsubscribed")
        sealed = app.get_follow(wijk.follow_id).follower
        assert app.vault.open(sealed) is None
        assert platform.followers.confirmed_in(["WK000101"]) == []
        assert platform.mailer.log.keys_starting(f"follow-{wijk.follow_id}-") == []
        server.received.clear()
        submit(platform, title="Bankjes bij de vijver")
        pump(platform)
        told = {str(m["To"]) for m in server.received}
        assert "volger@example.org" not in told and "follower@example.org" in told
