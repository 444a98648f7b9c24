"""Rows and snapshots the hash chain does not cover, on SQLite and PostgreSQL (issue 20, point 6).

The scene: the small map (positions 1-2), initiative X submitted (3-4), initiative Y submitted
(5-6), two teams, the directory and a rulebook (7-13), Y routed (14). Snapshots every 2 events,
so Y's routing leaves a snapshot of Y at version 2. An intruder with database access then
stores rows where the sealer does not look, or edits a snapshot; the application must not use
them, and `audit verify` must name them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from participatie.application.schemas import SubmissionSchema
from participatie.audit.chain import Report, signing_key, verify
from participatie.bootstrap import Container, build
from participatie.cli import main
from participatie.config import Settings
from participatie.domain.initiative import Status
from participatie.domain.values import Actor, TeamKind
from tests.conftest import small_map, submission
from tests.integration.test_audit import RawLog

ACTOR = Actor.system("test")
ROUTED = "participatie.domain.initiative:Initiative.Routed"
THEMES = b'"themes":["groen"]'  # (the title is sealed: its bytes show nothing to edit)


class Scene:
    def __init__(self, container: Container, x: UUID, y: UUID, raw: RawLog) -> None:
        self.container, self.app, self.x, self.y, self.raw = container, container.app, x, y, raw
        self.snapshot_table = "participatie_snapshots" if raw.postgres else "stored_snapshots"

    def routed_state(self) -> bytes:
        """Y's Routed event as stored: an intruder copies it to forge one for X."""
        return next(r[4] for r in self.raw.rows() if r[3] == ROUTED)

    def forge(self, position: int, version: int) -> None:
        """Store a Routed event for X at `position`, as version `version`."""
        self.raw.put((position, self.key(self.x), version, ROUTED, self.routed_state()))

    def key(self, originator_id: UUID) -> str:
        return str(originator_id) if self.raw.postgres else originator_id.hex

    def history(self, originator_id: UUID) -> list[str]:
        return [type(e).__name__ for e in self.app.history(originator_id)]

    def check(self) -> Report:
        public = signing_key(self.container.settings).public_key()
        return verify(self.app, self.container.audit_tables, public)

    def snapshots(self) -> list[tuple[str, int, bytes]]:
        rows = self.raw.sql(
            f"SELECT originator_id, originator_version, state FROM {self.snapshot_table}"
            " ORDER BY originator_version"
        )
        return [(str(r[0]).replace("-", ""), int(r[1]), bytes(r[2])) for r in rows]

    def set_snapshot_state(self, originator_id: UUID, version: int, state: bytes) -> None:
        self.raw.sql(
            f"UPDATE {self.snapshot_table} SET state = ?"
            " WHERE originator_id = ? AND originator_version = ?",
            (state, self.key(originator_id), version),
        )


@pytest.fixture
def scene(settings: Settings) -> Iterator[Scene]:
    container = build(settings.with_(snapshot_interval=2))
    app = container.app
    app.import_area_map("v1", small_map(), "test", ACTOR)
    schema = SubmissionSchema(app.area_index())
    x = app.submit(schema.load_submission(submission())).initiative_id
    y = app.submit(schema.load_submission(submission())).initiative_id
    for code, kind in (("regie", TeamKind.REGIE), ("west", TeamKind.AREA)):
        app.register_team(code, code, kind, [], None, ACTOR)
    rules = [{"id": "west", "lead": "west", "match": {"areas": ["BU00010101"]}}]
    app.publish_rulebook("1", "", 5, rules, ACTOR)
    assert app.route_initiative(y, ACTOR)
    raw = RawLog(container.settings)
    try:
        assert [r[0] for r in raw.rows()] == list(range(1, 15))
        yield Scene(container, x, y, raw)
    finally:
        raw.close()
        container.close()


def seal(scene: Scene) -> None:
    sealer = scene.container.sealer()
    sealer.seal()
    assert sealer.checkpoint() is not None


# -- event rows the chain never covered ----------------------------------------------------------


@pytest.mark.parametrize("position", [0, -1])
def test_a_forged_row_outside_the_numbered_log_is_not_used_and_verify_names_it(
    scene: Scene, position: int
) -> None:
    seal(scene)
    scene.forge(position, 2)
    assert scene.history(scene.x) == ["Submitted"]
    assert scene.app.get_initiative(scene.x).status is Status.SUBMITTED
    report = scene.check()
    assert not report.ok and report.position == position
    assert "outside the numbered log" in (report.problem or "")


def test_the_cli_verify_and_show_on_a_forged_row_below_the_log(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`audit verify --checkpoint FILE` exits 1 naming the row; `initiatives show` omits it."""
    seal(scene)
    kept = tmp_path / "checkpoint.json"
    made = scene.container.sealer().last_checkpoint()
    assert made is not None
    kept.write_text(made.to_json(), encoding="utf-8")
    scene.forge(-1, 2)
    for variable, value in scene.container.settings.as_environ().items():
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["audit", "verify", "--checkpoint", str(kept)])
    assert result.exit_code == 1
    assert "FAILED at position -1" in result.output
    shown = CliRunner().invoke(main, ["initiatives", "show", str(scene.x)])
    assert shown.exit_code == 0, shown.output
    assert "Routed" not in shown.output and "Submitted" in shown.output


def test_a_forged_row_in_a_gap_the_sealer_passed_is_not_used_and_verify_names_it(
    scene: Scene,
) -> None:
    """Position 14 moved to 16 before sealing leaves 14 and 15 empty (as a failed insert does
    on PostgreSQL); a row stored at 15 afterwards was never sealed."""
    scene.raw.move(14, 16)
    seal(scene)
    assert scene.check().ok
    assert scene.app.get_initiative(scene.x).status is Status.SUBMITTED  # gaps now known
    scene.forge(15, 2)
    assert scene.history(scene.x) == ["Submitted"]
    assert scene.app.get_initiative(scene.x).status is Status.SUBMITTED
    report = scene.check()
    assert not report.ok and report.position == 15
    assert "inserted" in (report.problem or "")


def test_a_forged_submission_in_a_gap_is_not_listed(scene: Scene) -> None:
    """Listing initiatives (as erasure and retention do) leaves out a row in a sealed gap."""
    scene.raw.move(14, 16)
    seal(scene)
    submitted = next(r for r in scene.raw.rows() if r[0] == 3)
    forged = UUID("00000000-0000-4000-8000-000000000015")
    scene.raw.put((15, scene.key(forged), 1, submitted[3], submitted[4]))
    assert sorted(scene.app.initiative_ids()) == sorted([scene.x, scene.y])


def test_a_forged_row_after_the_last_seal_before_its_aggregates_next_event_is_refused(
    scene: Scene,
) -> None:
    """After sealing (up to 14) X is routed (version 2, position 15, moved to 16: a gap as a
    failed insert leaves); an intruder stores X's version 3 at 15, before version 2."""
    seal(scene)
    assert scene.app.route_initiative(scene.x, ACTOR)
    scene.raw.move(15, 16)
    scene.forge(15, 3)
    assert scene.history(scene.x) == ["Submitted", "Routed"]
    assert scene.app.get_initiative(scene.x).version == 2  # from its snapshot at 2
    report = scene.check()
    assert not report.ok and report.position == 15
    assert "version 3 of" in (report.problem or "") and "follows version 1" in (
        report.problem or ""
    )
    assert "not sealed yet" in (report.problem or "")


def test_a_forged_next_version_appended_after_the_last_seal_is_sealed_by_the_next_run(
    scene: Scene,
) -> None:
    """The boundary: a well-formed row appended after the last seal looks like any new event
    until the sealer covers it; verify says it is not sealed yet."""
    seal(scene)
    scene.forge(20, 2)
    report = scene.check()
    assert report.ok and report.unsealed == 1 and report.checked == 14


def test_every_row_is_counted(scene: Scene) -> None:
    seal(scene)
    report = scene.check()
    assert report.ok and report.checked == 14 and report.unsealed == 0
    assert scene.app.recorder.count_rows() == 14  # type: ignore[attr-defined]


# -- snapshots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (THEMES, b'"themes":["verkeer"]'),
        (b'"_data_":"routed"', b'"_data_":"completed"'),
    ],
)
def test_an_edited_snapshot_is_not_used_and_verify_names_it(
    scene: Scene, old: bytes, new: bytes
) -> None:
    seal(scene)
    ((originator, version, state),) = scene.snapshots()
    assert (originator, version) == (scene.y.hex, 2)
    assert old in state
    scene.set_snapshot_state(scene.y, 2, state.replace(old, new))
    initiative = scene.app.get_initiative(scene.y)
    assert initiative.title == "Geveltuinen in de Dorpsstraat"
    assert initiative.status is Status.ROUTED
    report = scene.check()
    assert not report.ok
    assert report.subject == f"snapshot of {scene.y} at version 2"
    assert "differs from the events" in (report.problem or "")
    assert report.text().startswith(f"FAILED at snapshot of {scene.y} at version 2")


def test_a_deleted_snapshot_is_no_alarm(scene: Scene) -> None:
    seal(scene)
    scene.raw.sql(f"DELETE FROM {scene.snapshot_table}")
    report = scene.check()
    assert report.ok and report.snapshots == 0
    assert scene.app.get_initiative(scene.y).status is Status.ROUTED


def test_a_snapshot_taken_after_sealing_is_vouched_for(scene: Scene) -> None:
    seal(scene)
    assert scene.app.route_initiative(scene.x, ACTOR)  # X's snapshot at 2, after the seal
    found = sorted((o, v) for o, v, _ in scene.snapshots())
    assert found == sorted([(scene.x.hex, 2), (scene.y.hex, 2)])
    report = scene.check()
    assert report.ok and report.snapshots == 2 and report.unsealed == 1


def test_a_snapshot_without_its_tag_is_not_used_but_vouched_for_by_its_content(
    scene: Scene,
) -> None:
    """A snapshot written before tags existed (the last 32 bytes are the tag): the application
    loads from events instead; its content still matches, so verify does not raise an alarm."""
    seal(scene)
    ((_, _, state),) = scene.snapshots()
    scene.set_snapshot_state(scene.y, 2, state[:-32])
    assert scene.app.snapshots is not None
    assert list(scene.app.snapshots.get(scene.y)) == []
    assert scene.app.get_initiative(scene.y).status is Status.ROUTED
    report = scene.check()
    assert report.ok and report.snapshots == 1
