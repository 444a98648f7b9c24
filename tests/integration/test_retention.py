"""Retention on a frozen clock: each rule's period starts when the initiative closed (or a decision
not to honour it was published), ends after its months on the Amsterdam calendar, and then the
initiator and every supporter are erased once; open initiatives keep their data."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import redis
from rq import Queue

from participatie.application.app import ParticipatieApp
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.commands import (
    AcceptHandoff,
    Complete,
    Decide,
    Merge,
    PublishDecision,
    Route,
    StartExecution,
    Withdraw,
)
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, Outcome, Role, RoutingDecision
from participatie.privacy.erasure import erase_subject
from participatie.privacy.retention import (
    RETENTION,
    RetentionItem,
    RetentionPolicy,
    due,
    run,
)
from participatie.views.projector import Projector, ViewsProjection
from tests.clock import Clock, local
from tests.conftest import REDIS_URL, small_map, submission
from tests.services import catch_up, drop_queue, redis_for_test, unique_queue
from workers import jobs
from workers.relay import DAY, Relay
from workers.worker import make_worker

ROUTER = Actor.system("router")
MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")
OFFICER = Actor("u-privacy", Role.ADMIN)
POLICY = RetentionPolicy()  # the defaults: completed 12, withdrawn 3, merged 3, not honoured 12


def submit(app: ParticipatieApp, name: str) -> UUID:
    person = {"kind": "resident", "name": name, "email": f"{name.lower()}@example.org"}
    data = SubmissionSchema(app.area_index()).load_submission(submission(initiator=person))
    return app.submit(data).initiative_id


def take_on(app: ParticipatieApp, initiative_id: UUID) -> None:
    """Route to the centre team, which accepts: the initiative is in progress."""
    decision = RoutingDecision("gebiedsteam-centrum", (), "r1", "2025-1", "v1", 5, "regel")
    app.act(initiative_id, Route(decision=decision), actor=ROUTER)
    app.act(initiative_id, AcceptHandoff(), actor=MANAGER)


def decide(app: ParticipatieApp, initiative_id: UUID, outcome: Outcome) -> None:
    app.act(
        initiative_id, Decide(outcome=outcome, rationale="Zo.", reason="Besluit"), actor=MANAGER
    )


@dataclass
class Scenario:
    completed: UUID
    withdrawn: UUID
    merged: UUID
    not_honoured: UUID
    executing: UUID  # honoured, published, still being carried out: open
    supporters: dict[UUID, list[UUID]]  # initiative -> its supporters' subject ids
    clock: Clock

    @property
    def due_dates(self) -> dict[UUID, tuple[str, datetime]]:
        return {
            # 31 January 10:00 + 12 months
            self.completed: ("completed", local(2026, 1, 31, 10)),
            # 31 March + 3 months: June has 30 days (summer time on both ends)
            self.withdrawn: ("withdrawn", local(2025, 6, 30, 12)),
            # 31 August (summer time) + 3 months: 30 November, 9:00 local in winter time
            self.merged: ("merged", local(2025, 11, 30, 9)),
            # published 10 February 15:00 (decided a week before) + 12 months
            self.not_honoured: ("not_honoured", local(2026, 2, 10, 15)),
        }


def supporters(app: ParticipatieApp, initiative_id: UUID, *emails: str) -> list[UUID]:
    for email in emails:
        app.support_initiative(initiative_id, email)
    return list(app.get_initiative(initiative_id).supporters)


def build_scenario(container: Container) -> Scenario:
    app = container.app
    clock = Clock(app, local(2025, 1, 6, 9))
    completed, withdrawn, merged, not_honoured, executing = (
        submit(app, name) for name in ("Anna", "Bram", "Cor", "Dirk", "Eva")
    )
    support = {
        completed: supporters(app, completed, "s1@example.org", "s2@example.org"),
        withdrawn: supporters(app, withdrawn, "s3@example.org"),
        not_honoured: supporters(app, not_honoured, "s4@example.org"),
    }
    for initiative_id in (completed, merged, not_honoured, executing):
        take_on(app, initiative_id)
    decide(app, completed, Outcome.HONOURED)
    app.act(completed, StartExecution(), actor=MANAGER)
    decide(app, executing, Outcome.HONOURED)
    app.act(executing, PublishDecision(), actor=MANAGER)
    app.act(executing, StartExecution(), actor=MANAGER)
    clock.at(local(2025, 1, 31, 10))
    app.act(completed, Complete(), actor=MANAGER)
    clock.at(local(2025, 2, 3, 10))
    decide(app, not_honoured, Outcome.NOT_HONOURED)
    clock.at(local(2025, 2, 10, 15))
    app.act(not_honoured, PublishDecision(), actor=MANAGER)
    clock.at(local(2025, 3, 31, 12))
    initiator = app.get_initiative(withdrawn).initiator.subject_id
    app.act(withdrawn, Withdraw(), actor=Actor.initiator(initiator))
    clock.at(local(2025, 8, 31, 9))
    app.act(merged, Merge(into=executing, reason="Zelfde vraag"), actor=MANAGER)
    catch_up(Projector(ViewsProjection(container.views, app)))
    return Scenario(completed, withdrawn, merged, not_honoured, executing, support, clock)


@pytest.fixture
def scenario(container: Container) -> Scenario:
    return build_scenario(container)


def subjects_of(app: ParticipatieApp, initiative_id: UUID) -> tuple[UUID, ...]:
    return tuple(app.get_initiative(initiative_id).subjects())


def test_nothing_is_due_before_each_due_date_and_exactly_the_right_ones_after(
    container: Container, scenario: Scenario
) -> None:
    app = container.app
    ends = sorted(scenario.due_dates.items(), key=lambda item: item[1][1])
    expected: list[RetentionItem] = []
    for initiative_id, (rule, end) in ends:
        just_before = end - timedelta(seconds=1)
        assert due(app, container.views, POLICY, just_before) == expected
        found = due(app, container.views, POLICY, end)
        assert found[: len(expected)] == expected
        (item,) = found[len(expected) :]
        assert item.initiative_id == initiative_id
        assert (item.rule, item.due) == (rule, end)
        assert set(item.subjects) == set(subjects_of(app, initiative_id))
        expected.append(item)
    years_later = due(app, container.views, POLICY, local(2031, 1, 1))
    assert [i.initiative_id for i in years_later] == [i for i, _ in ends]
    assert scenario.executing not in {i.initiative_id for i in years_later}  # still open


def test_an_item_says_when_its_period_began(container: Container, scenario: Scenario) -> None:
    items = {
        i.initiative_id: i for i in due(container.app, container.views, POLICY, local(2027, 1, 1))
    }
    assert items[scenario.completed].since == local(2025, 1, 31, 10)
    assert items[scenario.not_honoured].since == local(2025, 2, 10, 15)  # published, not decided
    assert items[scenario.merged].since == local(2025, 8, 31, 9)


def test_a_dry_run_reports_the_same_items_and_erases_nothing(
    container: Container, scenario: Scenario
) -> None:
    app = container.app
    now = local(2026, 3, 1)
    scenario.clock.at(now)
    report = run(container, now, dry_run=True)
    assert report.dry_run
    assert report.items == due(app, container.views, POLICY, now)
    assert len(report.items) == 4
    assert report.erasures == [] and report.erased == 0
    assert "zouden worden gewist" in report.summary()
    for item in report.items:
        assert app.personal_data(item.initiative_id) is not None
        assert not app.get_initiative(item.initiative_id).erased


def test_a_run_erases_initiators_and_supporters_once(
    container: Container, scenario: Scenario
) -> None:
    app = container.app
    now = local(2025, 7, 1)  # only the withdrawal's three months are over
    scenario.clock.at(now)
    first = run(container, now)
    assert [i.initiative_id for i in first.items] == [scenario.withdrawn]
    assert first.erased == 2  # Bram and his supporter
    assert app.personal_data(scenario.withdrawn) is None
    assert app.personal_data(scenario.completed) is not None  # not due yet

    now = local(2026, 3, 1)
    scenario.clock.at(now)
    second = run(container, now)
    erased_now = {i.initiative_id for i in second.items}
    assert erased_now == {scenario.completed, scenario.merged, scenario.not_honoured}
    for initiative_id in (scenario.withdrawn, *erased_now):
        initiative = app.get_initiative(initiative_id)
        assert app.personal_data(initiative_id) is None
        assert set(initiative.erased) == set(initiative.subjects())
        for subject_id in initiative.subjects():
            assert container.keys.get(subject_id) is None  # the key is gone
            sealed = app.sealed_data(initiative_id, subject_id)
            assert sealed is not None and app.vault.open(sealed) is None
        records = [
            e for e in app.history(initiative_id) if isinstance(e, Initiative.PersonalDataErased)
        ]
        assert {e.subject_id for e in records} == set(initiative.subjects())
        assert {e.actor for e in records} == {RETENTION}
    reasons = {
        e.reason
        for e in app.history(scenario.completed)
        if isinstance(e, Initiative.PersonalDataErased)
    }
    assert reasons == {"Bewaartermijn verstreken: afgerond + 12 maanden"}
    assert (
        scenario.supporters[scenario.completed][0] in app.get_initiative(scenario.completed).erased
    )
    assert app.personal_data(scenario.executing) is not None  # open: kept

    again = run(container, now)
    assert again.items == [] and again.erased == 0
    assert "0 personen gewist" in again.summary()


def test_a_subject_erased_on_request_is_not_erased_again(
    container: Container, scenario: Scenario
) -> None:
    app = container.app
    early, late = scenario.supporters[scenario.completed]
    erase_subject(container, early, OFFICER, "Verzoek van de ondersteuner")
    now = local(2026, 2, 1)
    scenario.clock.at(now)
    (item,) = [i for i in run(container, now, dry_run=True).items if i.rule == "completed"]
    initiator = app.get_initiative(scenario.completed).initiator.subject_id
    assert set(item.subjects) == {initiator, late}
    report = run(container, now)
    (erasure,) = [e for e in report.erasures if e.initiative_id == scenario.completed]
    assert set(erasure.erased) == {initiator, late}
    assert erasure.already == [early]
    erased = [
        e for e in app.history(scenario.completed) if isinstance(e, Initiative.PersonalDataErased)
    ]
    assert [e.subject_id for e in erased].count(early) == 1


def test_the_shortest_rule_wins_when_two_apply(container: Container, scenario: Scenario) -> None:
    app = container.app
    scenario.clock.at(local(2025, 3, 3, 10))  # not honoured (published 10 February), withdrawn
    app.act(scenario.not_honoured, Withdraw(), actor=MANAGER)
    catch_up(Projector(ViewsProjection(container.views, app)))
    found = {i.initiative_id: i for i in due(app, container.views, POLICY, local(2025, 6, 4))}
    item = found[scenario.not_honoured]
    assert (item.rule, item.due) == ("withdrawn", local(2025, 6, 3, 10))


def test_months_end_on_the_last_day_of_a_shorter_month(
    container: Container, scenario: Scenario
) -> None:
    one_month = RetentionPolicy(
        (("completed", 1), ("withdrawn", 1), ("merged", 1), ("not_honoured", 1))
    )
    assert one_month.due("completed", local(2025, 1, 31, 10)) == local(2025, 2, 28, 10)
    assert one_month.due("completed", local(2024, 1, 31, 10)) == local(2024, 2, 29, 10)  # leap
    assert one_month.due("completed", local(2025, 3, 31, 1)) == local(2025, 4, 30, 1)
    assert one_month.due("completed", local(2025, 2, 28, 10)) == local(2025, 3, 28, 10)
    assert one_month.reason("merged") == "Bewaartermijn verstreken: samengevoegd + 1 maand"
    app = container.app
    views = container.views
    # Completed on 31 January 10:00 (Amsterdam): due on 28 February 10:00, not in March.
    assert scenario.completed not in {
        i.initiative_id for i in due(app, views, one_month, local(2025, 2, 28, 9, 59))
    }
    assert scenario.completed in {
        i.initiative_id for i in due(app, views, one_month, local(2025, 2, 28, 10))
    }


# -- the daily job -------------------------------------------------------------------------------


@pytest.fixture
def platform(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Container]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue = unique_queue()
        container = build(sqlite_settings.with_(redis_url=url, queue_name=queue))
        container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
        try:
            yield container
        finally:
            container.close()
            jobs.unload()
            drop_queue(url, queue)


def test_the_relay_enqueues_retention_once_a_day_and_the_job_erases(platform: Container) -> None:
    settings = platform.settings
    scenario = build_scenario(platform)
    connection = redis.Redis.from_url(settings.redis_url)
    queue = Queue(settings.queue_name, connection=connection)
    start = float(random.randrange(10_000, 90_000) * DAY + 3600)
    wall = [start]
    relay = Relay(platform, connection, wall=lambda: wall[0])
    assert relay.schedule_once() == ["sweep", "retention", "digest"]  # digest: this week's
    assert relay.schedule_once() == []
    wall[0] += 23 * 3600 - 1  # the same day (slots are UTC days)
    assert relay.scheduled_once("retention") is False
    assert relay.sweep_once() is True  # the sweep runs every 15 minutes
    wall[0] += 1
    assert relay.scheduled_once("retention") is True
    day = int(start // DAY)
    retention = sorted(j for j in queue.job_ids if j.startswith("retention-"))
    assert retention == [f"retention-{day}", f"retention-{day + 1}"]

    # The worker's application lives in March 2026: every closed initiative is due.
    worker_app = jobs.preload(settings).app
    worker_app.clock = lambda: local(2026, 3, 1)
    make_worker(settings, connection).work(burst=True, logging_level="ERROR")
    app = platform.app
    for initiative_id in (scenario.completed, scenario.withdrawn, scenario.merged):
        assert app.personal_data(initiative_id) is None
    assert app.personal_data(scenario.executing) is not None
    erased = [
        e for e in app.history(scenario.completed) if isinstance(e, Initiative.PersonalDataErased)
    ]
    assert len(erased) == 3  # the two jobs ran; the second erased nothing
