"""The demo's first run does not look broken: its teams answered in time, so its history holds
only the one missed hand-off it means to show (recorded at its own moment, escalated to regie),
the first live sweep records nothing, escalates nothing and mails nobody; and the relay starts
after the demo's fictional past, so none of it is mailed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.domain.initiative import Initiative
from participatie.infra.follow import RELAY_FOLLOWERS, LogFollower

# The demo's data marks one initiative "left_unaccepted": nine days old, its hand-off missed.
MEANT_TO_MISS = "Kookclub voor alleenstaande ouderen"


def test_the_first_sweep_after_loading_the_demo_records_nothing(runner: CliRunner) -> None:
    assert runner.invoke(main, ["demo", "load"]).exit_code == 0
    container = build(Settings.from_env())
    try:
        app = container.app
        head = app.recorder.max_notification_id()
        swept = [app.sweep_deadlines(i, container.settings.escalate) for i in app.initiative_ids()]
        assert sum(len(kinds) for kinds in swept) == 0
        assert app.recorder.max_notification_id() == head  # nothing recorded
        # The one deadline the demo misses on purpose is in its history (see the next test).
        missed = [
            app.mapper.to_domain_event(n) for n in app.notifications(Initiative.DeadlineMissed)
        ]
        assert [app.get_initiative(e.originator_id).title for e in missed] == [MEANT_TO_MISS]
        # The relay's followers start at the head: the demo's past is not mailed or routed.
        for name in RELAY_FOLLOWERS:
            assert LogFollower(app, name).position() == head
    finally:
        container.close()


def test_loading_the_demo_into_a_store_with_events_leaves_the_relay_where_it_was(
    runner: CliRunner,
) -> None:
    assert runner.invoke(main, ["areas", "--help"]).exit_code == 0
    container = build(Settings.from_env())
    try:
        from participatie.domain.values import Actor, TeamKind

        container.app.register_team("eigen-team", "Eigen team", TeamKind.AREA, [], None,
                                    Actor.system("test"))  # fmt: skip
    finally:
        container.close()
    assert runner.invoke(main, ["demo", "load"]).exit_code == 0
    container = build(Settings.from_env())
    try:
        for name in RELAY_FOLLOWERS:
            assert LogFollower(container.app, name).position() == 0
    finally:
        container.close()


@pytest.mark.parametrize("weekday", range(7))
def test_on_any_weekday_the_demo_misses_only_the_deadline_it_means_to(
    tmp_path: Path, weekday: int
) -> None:
    """Deadlines count working days, so where the demo's dates fall in the week matters: loaded
    on each day of a week, the only miss is the one hand-off, escalated to regie once, and
    nothing is overdue now except that initiative at regie's."""
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        app = container.app
        now = datetime(2026, 11, 2, 10, tzinfo=UTC) + timedelta(days=weekday)  # Monday + n
        app.clock = lambda: now
        load_demo(app, agendas=False)
        misses, escalations = [], []
        for initiative_id in app.initiative_ids():
            for event in app.history(initiative_id):
                title = app.get_initiative(initiative_id).title
                if isinstance(event, Initiative.DeadlineMissed):
                    misses.append((title, event.deadline))
                if isinstance(event, Initiative.Escalated):
                    escalations.append(title)
        assert misses == [(MEANT_TO_MISS, "handoff")]
        assert escalations == [MEANT_TO_MISS]
        late = [
            app.get_initiative(i).title
            for i in app.initiative_ids()
            if app.get_initiative(i).missed_deadlines(now)
        ]
        assert late == []
    finally:
        container.close()
