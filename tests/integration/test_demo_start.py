"""The demo's first run does not look broken: its history already holds the deadlines it missed
(each at its own moment), so the first live sweep records nothing, escalates nothing and mails
nobody; and the relay starts after the demo's fictional past, so none of it is mailed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings
from participatie.domain.initiative import Initiative
from participatie.infra.follow import RELAY_FOLLOWERS, LogFollower


def test_the_first_sweep_after_loading_the_demo_records_nothing(runner: CliRunner) -> None:
    assert runner.invoke(main, ["demo", "load"]).exit_code == 0
    container = build(Settings.from_env())
    try:
        app = container.app
        head = app.recorder.max_notification_id()
        swept = [app.sweep_deadlines(i, container.settings.escalate) for i in app.initiative_ids()]
        assert sum(len(kinds) for kinds in swept) == 0
        assert app.recorder.max_notification_id() == head  # nothing recorded
        # The misses are in the history, each at its own moment, not all at loading time.
        notifications = app.notifications(Initiative.DeadlineMissed)
        missed = [app.mapper.to_domain_event(n) for n in notifications]
        assert missed, "the demo's history has missed deadlines"
        now = datetime.now(tz=UTC)
        assert min(e.timestamp for e in missed) < now - timedelta(days=30)
        assert len({e.timestamp for e in missed}) > 1
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
