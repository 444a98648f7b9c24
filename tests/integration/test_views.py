"""Views on SQLite and PostgreSQL: incremental = rebuilt, exactly once, queries that hold up."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.demo.traffic import generate
from participatie.domain.commands import Support, Withdraw
from participatie.domain.values import Actor, Role
from participatie.staff.accounts import LoginFailed
from participatie.views import queries
from participatie.views.projector import (
    Projector,
    StalePosition,
    ViewsProjection,
    check,
    read_after,
    rebuild,
)
from participatie.views.store import LIVE, TABLES, row_from
from tests.conftest import postgres_schema, submission
from tests.services import Processes, catch_up, running, wait_until

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.fixture
def busy(settings: Settings) -> Iterator[Container]:
    """The demo municipality plus 120 synthetic initiatives with their histories."""
    container = build(settings)
    load_demo(container.app)
    generate(container.app, 120, seed=3)
    yield container
    container.close()


@pytest.fixture
def demo(settings: Settings) -> Iterator[Container]:
    """The demo municipality alone (for tests that need an ordinary store, not a busy one)."""
    container = build(settings)
    load_demo(container.app)
    yield container
    container.close()


def dump(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    views = container.views
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with views.cursor(commit=False) as c:
        for table in TABLES:
            c.execute(f"SELECT * FROM {views.table(LIVE, table)}")
            tables[table] = sorted(tuple(r) for r in c.fetchall())
    return tables


def test_incremental_views_equal_rebuilt_views(busy: Container) -> None:
    projection = ViewsProjection(busy.views, busy.app)
    projector = Projector(projection, batch=37)  # many small batches
    catch_up(projector)
    assert projector.lag() == 0
    incremental = dump(busy)
    assert len(incremental["initiatives"]) == 170
    assert incremental["team_queue"] and incremental["timeline"]
    position, differences = check(projection)
    assert differences == []
    head = rebuild(projection)
    assert head == position == busy.app.recorder.max_notification_id()
    assert dump(busy) == incremental
    assert incremental["area_counts"] and incremental["area_open"] and incremental["area_decisions"]
    # More events after the rebuild are projected on top of the swapped-in tables.
    generate(busy.app, 5, seed=11)
    catch_up(projector)
    assert check(projection)[1] == []
    # A count or an entry that no longer matches the log is found by the check.
    with busy.views.cursor(commit=True) as c:
        c.execute(
            busy.views.sql(
                f"UPDATE {busy.views.table(LIVE, 'area_counts')} SET n = n + 1"
                " WHERE area_code = ? AND kind = ?"
            ),
            ["GM9999", "total"],
        )
        c.execute(f"DELETE FROM {busy.views.table(LIVE, 'area_decisions')}")
    found = {(d.table, d.key) for d in check(projection)[1]}
    assert ("area_counts", "GM9999/total/") in found
    assert {t for t, _ in found} == {"area_counts", "area_decisions"}


def test_a_batch_delivered_twice_counts_once(demo: Container) -> None:
    busy = demo
    app = busy.app
    projection = ViewsProjection(busy.views, app)
    notifications, reached = read_after(app, 0, 100_000)
    events = projection.decode(notifications)
    projection.process_batch(events, None, reached)
    before = dump(busy)
    with pytest.raises(StalePosition):  # same batch again: the position no longer matches
        projection.process_batch(events, None, reached)
    assert dump(busy) == before
    # The same events again, behind a position that does match: the rows ignore them.
    extra = app.submit(
        SubmissionSchema(app.area_index()).load_submission(
            submission(location={"area_code": "BU99990101"})
        )
    )
    supporter = Actor("x", Role.INITIATOR)
    for _ in range(3):
        app.act(extra.initiative_id, Support(supporter={"email": "s@x.org"}), actor=supporter)
    tail, head = read_after(app, reached, 1000)
    tail_events = projection.decode(tail)
    projection.process_batch(events[-50:] + tail_events + tail_events, reached, head)
    row = queries.public_initiative(busy.views, str(extra.initiative_id))
    assert row is not None and row["supporters"] == 3
    assert check(projection)[1] == []


def test_projector_killed_mid_batch_resumes_and_loses_nothing(
    demo: Container, tmp_path: Path
) -> None:
    busy = demo
    generate(busy.app, 150, seed=5)  # some two thousand events: the kill lands mid-batch
    settings = busy.settings
    env = settings.as_environ()
    processes = Processes(env, tmp_path / "logs")
    projection = ViewsProjection(busy.views, busy.app)
    head = busy.app.recorder.max_notification_id() or 0
    try:
        processes.start("projector", "projector")
        started = wait_until(lambda: (projection.position() or 0) > 0, 60, 0.005)
        assert started, processes.log("projector")
        processes.kill("projector")  # SIGKILL, most likely in the middle of a batch
        stopped_at = projection.position() or 0
        processes.start("projector", "projector")
        assert wait_until(lambda: projection.position() == head, 120), processes.log("projector")
    finally:
        processes.stop_all()
    assert 0 < stopped_at <= head
    position, differences = check(projection)
    assert position == head
    assert differences == []


# -- queries ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def projected(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Container]:
    """The busy municipality with its views projected, once per store for the query tests."""
    var_dir = tmp_path_factory.mktemp("views") / "var"
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            settings = stack.enter_context(postgres_schema(var_dir))
        else:
            settings = Settings(var_dir=var_dir)
        container = build(settings)
        stack.callback(container.close)
        load_demo(container.app)
        generate(container.app, 120, seed=3)
        catch_up(Projector(ViewsProjection(container.views, container.app)))
        yield container


def open_rows(container: Container) -> list[tuple[Any, ...]]:
    with container.views.cursor(commit=False) as c:
        c.execute(
            f"SELECT id, lead_team, involved_teams, status, priority, assignee, themes, area_chain,"
            f" deadline FROM {container.views.table(LIVE, 'initiatives')}"
        )
        return [tuple(r) for r in c.fetchall() if r[3] not in ("completed", "withdrawn", "merged")]


def expected_queue(container: Container, team: str) -> set[str]:
    return {r[0] for r in open_rows(container) if r[1] == team or team in (r[2] or "").split(",")}


@pytest.mark.parametrize("sort", sorted(queries.SORTS))
def test_team_queue_pages_through_every_item_once_in_order(projected: Container, sort: str) -> None:
    team = "gebiedsteam-molenkwartier"
    seen: list[queries.QueueItem] = []
    after = None
    # Regie's order in the wijk of the Molenkwartier: every challenge, last code first.
    order = sorted((c.code for c in projected.app.challenges()), reverse=True)
    orders = [("WK999903", order)]
    index = projected.app.area_index()

    def rank(item: queries.QueueItem) -> int:
        ranked = "WK999903" in index.ancestors(item.area_code) and item.challenge in order
        return order.index(str(item.challenge)) + 1 if ranked else queries.queue.UNRANKED

    while True:
        page = queries.team_queue(
            projected.views, team, sort=sort, after=after, limit=7, now=NOW, orders=orders
        )
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    ids = [i.initiative_id for i in seen]
    assert len(ids) == len(set(ids)) == page.total
    assert set(ids) == expected_queue(projected, team)
    keys = {
        "submitted": lambda i: (i.submitted_at, i.initiative_id),
        "deadline": lambda i: (i.deadline or datetime.max.replace(tzinfo=UTC), i.initiative_id),
        "activity": lambda i: (i.last_activity, i.initiative_id),
        "priority": lambda i: (queries.PRIORITY_RANK[i.priority], i.submitted_at, i.initiative_id),
        "challenge_order": lambda i: (rank(i), i.submitted_at, i.initiative_id),
    }
    assert [keys[sort](i) for i in seen] == sorted(
        (keys[sort](i) for i in seen), reverse=sort == "activity"
    )
    if sort == "challenge_order":  # the fixture has ranked and unranked work in the queue
        assert rank(seen[0]) < queries.queue.UNRANKED == rank(seen[-1])


def test_team_queue_filters(projected: Container) -> None:
    team = "regie"
    rows = [r for r in open_rows(projected) if r[0] in expected_queue(projected, team)]
    assert rows

    def ids(**filters: Any) -> set[str]:
        page = queries.team_queue(projected.views, team, limit=200, now=NOW, **filters)
        return {i.initiative_id for i in page.items}

    status = rows[0][3]
    assert ids(status=status) == {r[0] for r in rows if r[3] == status}
    assert ids(theme="groen") == {r[0] for r in rows if "groen" in r[6].split(",")}
    assert ids(area="WK999901") == {r[0] for r in rows if "WK999901" in r[7].split(",")}
    assert ids(priority="high") == {r[0] for r in rows if r[4] == "high"}
    overdue = {r[0] for r in rows if r[8] is not None and r[8] < "2026-11-24T12"}
    assert ids(overdue=True) == overdue
    assert ids(overdue=False) == {r[0] for r in rows} - overdue
    someone = next((r[5] for r in rows if r[5]), None)
    if someone:
        assert ids(assignee=someone) == {r[0] for r in rows if r[5] == someone}
    with pytest.raises(queries.QueryError) as error:
        queries.team_queue(projected.views, team, sort="random")
    assert error.value.field == "sort"
    with pytest.raises(queries.QueryError) as error:
        queries.team_queue(projected.views, team, after="not-a-cursor")
    assert error.value.field == "cursor"


def test_area_overview_rolls_up_sub_areas_and_shows_challenges(projected: Container) -> None:
    app = projected.app
    wijk = queries.overview_of_area(app, projected.views, "WK999902")
    buurten = [queries.overview_of_area(app, projected.views, b) for b in wijk.sub_areas]
    # Initiatives filed on the wijk itself count for the wijk but for none of its buurten.
    on_wijk = sum(1 for r in open_rows(projected) if r[7].split(",")[0] == "WK999902")
    assert wijk.open == sum(b.open for b in buurten) + on_wijk
    assert sum(wijk.sub_areas.values()) == sum(b.open for b in buurten)
    assert wijk.total >= wijk.open > 0
    assert sum(wijk.by_status.values()) == wijk.total
    municipality = queries.overview_of_area(app, projected.views, "GM9999")
    assert municipality.total == 170
    codes = [c.code for c in municipality.challenges]
    assert sorted(codes) == sorted(c.code for c in app.challenges())
    works = [c.open_work for c in municipality.challenges]
    assert works == sorted(works, reverse=True) and works[0] > 0  # where challenges stack up
    energy = queries.challenge_overview(projected.views, "energietransitie")
    assert energy.open == next(
        c.open_work for c in municipality.challenges if c.code == "energietransitie"
    )


def test_public_view_has_no_personal_data_and_honours_consent(demo: Container) -> None:
    projected = demo
    app = projected.app
    schema = SubmissionSchema(app.area_index())
    canary = submission(
        initiator={
            "kind": "resident",
            "name": "Kanarie Geheim",
            "email": "kanarie@geheim.example",
            "phone": "0612999999",
        },
        consent_to_publish=False,
        location={"area_code": "BU99990102"},
    )
    hidden = app.submit(schema.load_submission(canary))
    catch_up(Projector(ViewsProjection(projected.views, app)))
    public = queries.public_initiative(projected.views, str(hidden.initiative_id))
    assert public is not None
    assert public["description"] is None  # no consent: title only
    assert public["timeline"][0]["kind"] == "submitted"
    text = json.dumps(dump(projected), default=str)
    for secret in ("Kanarie", "kanarie@geheim.example", "0612999999"):
        assert secret not in text


def test_pc_figures_per_quarter(projected: Container) -> None:
    figures = queries.pc_figures(projected.views, "GM9999", now=NOW)
    assert len(figures) >= 8  # two years of traffic
    assert sum(f.submitted for f in figures) == 170
    decided = sum(sum(f.decided.values()) for f in figures)
    rows = open_rows(projected)
    with projected.views.cursor(commit=False) as c:
        table = projected.views.table(LIVE, "initiatives")
        c.execute(f"SELECT COUNT(*) FROM {table} WHERE outcome IS NOT NULL")
        (count,) = tuple(c.fetchone())
    assert decided == count > 0
    assert rows


def test_healthz_and_metrics_report_lag(demo: Container) -> None:
    from web import create_app

    projected = demo
    catch_up(Projector(ViewsProjection(demo.views, demo.app)))
    app = create_app(projected.settings)
    body = app.test_client().get("/healthz").get_json()
    assert body["lag"]["views"] == 0
    metrics = app.test_client().get("/metrics")
    assert metrics.status_code == 200
    assert 'participatie_lag_events{follower="views"} 0' in metrics.get_data(as_text=True)
    generate(projected.app, 2, seed=1)
    behind = app.test_client().get("/healthz").get_json()["lag"]["views"]
    assert behind > 0
    assert f'participatie_lag_events{{follower="views"}} {behind}' in app.test_client().get(
        "/metrics"
    ).get_data(as_text=True)


def test_projector_retries_a_failed_batch_and_catches_up(
    busy: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    projection = ViewsProjection(busy.views, busy.app)
    runner = Projector(projection, batch=200)
    real = type(busy.views).write_rows
    calls = {"n": 0}

    def flaky(self: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full (simulated)")
        real(self, *args, **kwargs)

    monkeypatch.setattr(type(busy.views), "write_rows", flaky)
    with running(runner, poll=0.05):
        head = busy.app.recorder.max_notification_id()
        assert wait_until(lambda: projection.position() == head, 60)
    assert runner.failures == 1
    assert runner.last_error == "RuntimeError: disk full (simulated)"
    assert check(projection)[1] == []


def test_queue_count_is_capped_and_says_so(
    projected: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = "gebiedsteam-molenkwartier"
    exact = queries.team_queue(projected.views, team, limit=200, now=NOW)
    assert exact.total_is_exact and exact.total == len(exact.items) > 5
    monkeypatch.setattr(queries.queue, "COUNT_CAP", 5)
    capped = queries.team_queue(projected.views, team, limit=3, now=NOW)
    assert (capped.total, capped.total_is_exact, capped.total_text) == (5, False, "5+")


def test_views_of_an_older_shape_are_dropped_and_projected_again(
    sqlite_settings: Settings,
) -> None:
    from participatie.views import store

    container = build(sqlite_settings)
    try:
        load_demo(container.app)
        projection = ViewsProjection(container.views, container.app)
        catch_up(Projector(projection))
        assert projection.position() == container.app.recorder.max_notification_id()
        with container.views.cursor(commit=True) as c:
            container.views.set_position(c, store.SCHEMA_VERSION - 1, store.SCHEMA)
            c.execute("ALTER TABLE v_team_queue RENAME COLUMN facet TO old_column")
    finally:
        container.close()
    reopened = build(sqlite_settings)
    try:
        projection = ViewsProjection(reopened.views, reopened.app)
        assert projection.position() is None  # the views start again from the beginning
        catch_up(Projector(projection))
        assert check(projection)[1] == []
        with reopened.views.cursor(commit=False) as c:
            assert reopened.views.position(c, store.SCHEMA) == store.SCHEMA_VERSION
    finally:
        reopened.close()


def test_view_rows_agree_with_the_aggregates(projected: Container) -> None:
    """The projection's reading of each event must match the domain's own state."""
    app = projected.app
    with projected.views.cursor(commit=False) as c:
        c.execute(f"SELECT * FROM {projected.views.table(LIVE, 'initiatives')}")
        rows = [row_from(tuple(r)) for r in c.fetchall()]
    assert len(rows) == 170
    for row in rows:
        initiative = app.get_initiative(UUID(row.id))
        assert row.status == initiative.status.value
        assert row.lead_team == initiative.lead_team
        assert list(row.involved_teams) == initiative.involved_teams
        assert row.priority == initiative.priority.value
        assert row.assignee == initiative.assignee
        assert row.outcome == (initiative.outcome.value if initiative.outcome else None)
        assert row.supporters == len(initiative.supporters)
        assert row.themes == tuple(initiative.themes)
        assert row.area_code == initiative.location.area_code
        assert row.version == initiative.version
        if initiative.is_open:
            assert row.handoff_pending == initiative.handoff_pending
            assert row.handoff_due == initiative.handoff_due
            assert row.decision_due == initiative.decision_due
            assert (row.paused_since, row.paused_days) == (
                initiative.paused_since,
                initiative.paused_days,
            )
            assert (row.deadline, row.deadline_kind) == (initiative.next_deadline or (None, None))
        assert row.description == (
            initiative.description if initiative.consent_to_publish else None
        )


def test_an_event_with_nul_in_its_texts_is_projected_and_later_events_follow(
    container: Container,
) -> None:
    """PostgreSQL text cannot hold NUL; the views store U+FFFD instead and never stall."""
    app = container.app
    # Straight into the log, past every schema: the log keeps what it was given.
    poisoned = app.submit(
        submission(
            title="Bankjes\x00 op het plein",
            description="Wij willen\x00 bankjes op het plein, voor iedereen die even wil zitten.",
            location={"area_code": "BU00010101"},
        )
    ).initiative_id
    assert app.get_initiative(poisoned).title == "Bankjes\x00 op het plein"
    later = app.submit(submission(location={"area_code": "BU00010102"})).initiative_id
    subject = app.get_initiative(poisoned).initiator.subject_id
    app.act(poisoned, Withdraw("geen\x00 tijd"), actor=Actor.initiator(subject))
    projection = ViewsProjection(container.views, app)
    projector = Projector(projection)
    catch_up(projector)
    assert projector.lag() == 0
    row = queries.public_initiative(container.views, str(poisoned))
    assert row is not None
    assert row["title"] == "Bankjes\ufffd op het plein"
    assert row["description"] == (
        "Wij willen\ufffd bankjes op het plein, voor iedereen die even wil zitten."
    )
    assert row["status"] == "withdrawn"
    found = queries.public_initiative(container.views, str(later))
    assert found is not None and found["title"] == "Geveltuinen in de Dorpsstraat"
    # A check and a rebuild agree with what the projector stored.
    assert check(projection)[1] == []
    assert rebuild(projection) == app.recorder.max_notification_id()
    rebuilt = queries.public_initiative(container.views, str(poisoned))
    assert rebuilt is not None and rebuilt["title"] == "Bankjes\ufffd op het plein"


def test_a_lookup_with_nul_finds_nothing_instead_of_failing(container: Container) -> None:
    """A NUL typed into a URL or a login form is looked up like any text that is not there."""
    container.app.submit(submission(location={"area_code": "BU00010101"}))
    catch_up(Projector(ViewsProjection(container.views, container.app)))
    assert queries.public_initiative(container.views, "abc\x00def") is None
    assert queries.public_initiatives(container.views, area="BU\x00") == []
    with pytest.raises(LoginFailed):
        container.staff.authenticate("anna\x00", "een lang wachtwoord 2026", "192.0.2.1")
    assert container.staff.get("anna\x00") is None
