"""`participatie views …` on the demo (real SQLite), and LISTEN/NOTIFY on PostgreSQL."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from click.testing import CliRunner

from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings
from participatie.demo.traffic import generate
from participatie.views.projector import Projector, ViewsProjection
from participatie.views.store import views_path
from tests.services import running, wait_until


def test_views_commands_on_the_demo(loaded: CliRunner, tmp_path: Path) -> None:
    status = loaded.invoke(main, ["views", "status"])
    assert status.exit_code == 0, status.output
    head = int(re.search(r"events in the log: (\d+)", status.output).group(1))  # type: ignore[union-attr]
    assert f"views: {head} behind" in status.output  # nothing projected yet

    rebuilt = loaded.invoke(main, ["views", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"Views herbouwd tot positie {head}" in rebuilt.output
    assert "views: 0 behind" in loaded.invoke(main, ["views", "status"]).output
    checked = loaded.invoke(main, ["views", "check"])
    assert checked.exit_code == 0
    assert f"Views kloppen met de gebeurtenissen tot positie {head}." in checked.output

    queue = loaded.invoke(main, ["views", "queue", "regie", "--limit", "2", "--sort", "deadline"])
    assert queue.exit_code == 0, queue.output
    total = int(re.search(r"2 van (\d+)\.", queue.output).group(1))  # type: ignore[union-attr]
    assert total >= 3
    cursor = re.search(r"--after (\S+)", queue.output).group(1)  # type: ignore[union-attr]
    nxt = loaded.invoke(main, ["views", "queue", "regie", "--limit", "2", "--sort", "deadline",
                               "--after", cursor])  # fmt: skip
    first_ids = set(re.findall(r"^([0-9a-f-]{36})", queue.output, re.MULTILINE))
    next_ids = set(re.findall(r"^([0-9a-f-]{36})", nxt.output, re.MULTILINE))
    assert len(first_ids) == 2 and next_ids and not first_ids & next_ids
    bad = loaded.invoke(main, ["views", "queue", "regie", "--sort", "willekeurig"])
    assert bad.exit_code == 2 and "--sort" in bad.output

    area = json.loads(loaded.invoke(main, ["views", "area", "WK999901"]).output)
    assert area["area_code"] == "WK999901"
    assert set(area["sub_areas"]) == {"BU99990101", "BU99990102", "BU99990103", "BU99990104"}
    assert sum(area["by_status"].values()) == area["total"] > 0
    challenge = json.loads(loaded.invoke(main, ["views", "challenge", "energietransitie"]).output)
    assert challenge["code"] == "energietransitie" and challenge["total"] >= challenge["open"]
    pc = loaded.invoke(main, ["views", "pc", "GM9999"])
    assert pc.exit_code == 0 and re.search(r"^\d{4}-K[1-4]\s+\d+", pc.output, re.MULTILINE)
    one = re.search(r"^([0-9a-f-]{36})", queue.output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    public = json.loads(loaded.invoke(main, ["views", "public", one]).output)
    assert public["id"] == one and public["timeline"][0]["kind"] == "submitted"
    assert "@" not in json.dumps(public)  # no e-mail addresses, nor anything else personal
    unknown = loaded.invoke(main, ["views", "area", "WK000000"])
    assert unknown.exit_code == 1 and "onbekend gebied" in unknown.output

    # A view that no longer matches the events is found and reported.
    settings = Settings(var_dir=tmp_path / "var")
    with sqlite3.connect(views_path(settings)) as db:
        (victim,) = db.execute("SELECT id FROM v_initiatives LIMIT 1").fetchone()
        db.execute("UPDATE v_initiatives SET supporters = supporters + 7 WHERE id = ?", (victim,))
    broken = loaded.invoke(main, ["views", "check"])
    assert broken.exit_code == 1
    assert f"initiatives {victim}:" in broken.output
    assert "1 verschillen" in broken.output
    assert loaded.invoke(main, ["views", "rebuild"]).exit_code == 0
    assert loaded.invoke(main, ["views", "check"]).exit_code == 0


def test_postgres_projector_wakes_on_notify(postgres_settings: Settings) -> None:
    container = build(postgres_settings)
    try:
        from participatie.demo import load_demo

        load_demo(container.app)
        projection = ViewsProjection(container.views, container.app)
        # Polling would take 30 s; only a NOTIFY from the event store can wake it sooner.
        runner = Projector(
            projection, listen_dsn=postgres_settings.postgres_dsn(), listen_timeout=30.0
        )
        with running(runner, poll=30.0):
            head = container.app.recorder.max_notification_id()
            assert wait_until(lambda: projection.position() == head, 30)
            time.sleep(1.0)  # the projector is now waiting
            generate(container.app, 1, seed=2)
            head = container.app.recorder.max_notification_id()
            started = time.monotonic()
            assert wait_until(lambda: projection.position() == head, 10)
            assert time.monotonic() - started < 5
    finally:
        container.close()
