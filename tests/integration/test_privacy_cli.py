"""`participatie privacy` on a real SQLite store: erase, erase-initiative, retention, export."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

from click.testing import CliRunner

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.commands import Route, Withdraw
from participatie.domain.values import Actor, Role, RoutingDecision
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import small_map, submission
from tests.integration.test_upcasting import in_clear
from tests.services import catch_up

MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")
EMAIL = "kanarie-cli@example.org"


@dataclass(frozen=True)
class Stored:
    withdrawn: UUID  # withdrawn on 31 March 2025: due 30 June 2025
    open: UUID
    initiator: UUID  # of the withdrawn one
    supporter: UUID  # of the withdrawn one


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


def store(project: bool = True) -> Stored:
    """Two initiatives from 2025 in the store the CLI uses; one withdrawn with a supporter."""
    container = build(Settings.from_env())
    app = container.app
    moment = [local(2025, 3, 3, 9)]
    app.clock = lambda: moment[0]
    try:
        app.import_area_map("v1", small_map(), "test", Actor.system("test"))
        person = {"kind": "resident", "name": "Kanarie", "email": EMAIL}
        data = SubmissionSchema(app.area_index()).load_submission(submission(initiator=person))
        withdrawn = app.submit(data).initiative_id
        still_open = app.submit(data).initiative_id
        decision = RoutingDecision("gebiedsteam-centrum", (), "r1", "2025-1", "v1", 5, "regel")
        app.act(still_open, Route(decision=decision), actor=Actor.system("router"))
        app.support_initiative(withdrawn, "steun-cli@example.org")
        moment[0] = local(2025, 3, 31, 12)
        app.act(withdrawn, Withdraw(), actor=MANAGER)
        if project:
            catch_up(Projector(ViewsProjection(container.views, app)))
        initiative = app.get_initiative(withdrawn)
        return Stored(
            withdrawn, still_open, initiative.initiator.subject_id, initiative.supporters[0]
        )
    finally:
        container.close()


def personal_data(initiative_id: UUID) -> dict[str, object] | None:
    container = build(Settings.from_env())
    try:
        return container.app.personal_data(initiative_id)
    finally:
        container.close()


def test_erase_erases_one_subject_and_a_second_time_says_so(runner: CliRunner) -> None:
    stored = store()
    first = runner.invoke(main, ["privacy", "erase", str(stored.initiator), "--reason", "Verzoek"])
    assert first.exit_code == 0, first.output
    assert f"Initiatief {stored.withdrawn}:" in first.output
    assert f"{stored.initiator} (initiator) gewist." in first.output
    assert personal_data(stored.withdrawn) is None
    second = runner.invoke(main, ["privacy", "erase", str(stored.initiator), "--reason", "Verzoek"])
    assert second.exit_code == 0, second.output
    assert f"{stored.initiator} (initiator) was al gewist." in second.output
    assert personal_data(stored.open) is not None


def test_erase_refuses_an_unknown_subject_a_bad_id_and_a_missing_reason(
    runner: CliRunner,
) -> None:
    store()
    unknown = uuid4()
    result = runner.invoke(main, ["privacy", "erase", str(unknown), "--reason", "Verzoek"])
    assert result.exit_code == 1
    assert f"geen indiener of ondersteuner met subject-id {unknown}" in result.output
    bad = runner.invoke(main, ["privacy", "erase", "niet-een-id", "--reason", "Verzoek"])
    assert bad.exit_code == 2
    assert "geen subject-id" in bad.output
    no_reason = runner.invoke(main, ["privacy", "erase", str(unknown)])
    assert no_reason.exit_code == 2
    assert "--reason" in no_reason.output


def test_erase_initiative_erases_initiator_and_supporters(runner: CliRunner) -> None:
    stored = store()
    result = runner.invoke(
        main, ["privacy", "erase-initiative", str(stored.withdrawn), "--reason", "Verzoek"]
    )
    assert result.exit_code == 0, result.output
    assert f"{stored.initiator} (initiator) gewist." in result.output
    assert f"{stored.supporter} (supporter) gewist." in result.output
    assert "2 personen gewist, 0 waren al gewist." in result.output
    again = runner.invoke(
        main, ["privacy", "erase-initiative", str(stored.withdrawn), "--reason", "Verzoek"]
    )
    assert "0 personen gewist, 2 waren al gewist." in again.output
    unknown = runner.invoke(main, ["privacy", "erase-initiative", str(uuid4()), "--reason", "R"])
    assert unknown.exit_code == 1
    assert "does not exist" in unknown.output


def test_retention_reports_a_dry_run_then_erases_once(runner: CliRunner) -> None:
    stored = store()
    before = runner.invoke(
        main, ["privacy", "retention", "--dry-run", "--at", "2025-06-30T11:59:59+02:00"]
    )
    assert before.exit_code == 0, before.output
    assert "0 initiatieven met verstreken bewaartermijn" in before.output
    dry = runner.invoke(
        main, ["privacy", "retention", "--dry-run", "--at", "2025-06-30T12:00+02:00"]
    )
    assert dry.exit_code == 0, dry.output
    assert "ingetrokken 3 mnd" in dry.output  # the policy in force
    (line,) = [x for x in dry.output.splitlines() if x.startswith(str(stored.withdrawn))]
    assert "ingetrokken sinds 2025-03-31 12:00" in line
    assert "termijn verstreken 2025-06-30 12:00" in line
    assert str(stored.initiator) in line and str(stored.supporter) in line
    assert "1 initiatieven met verstreken bewaartermijn; 2 personen zouden worden gewist" in (
        dry.output
    )
    assert personal_data(stored.withdrawn) is not None

    real = runner.invoke(main, ["privacy", "retention"])
    assert real.exit_code == 0, real.output
    assert str(stored.withdrawn) in real.output
    assert "1 initiatieven met verstreken bewaartermijn; 2 personen gewist." in real.output
    assert personal_data(stored.withdrawn) is None
    assert personal_data(stored.open) is not None
    again = runner.invoke(main, ["privacy", "retention"])
    assert "0 initiatieven met verstreken bewaartermijn; 0 personen gewist." in again.output


def test_retention_judges_the_future_only_as_a_dry_run(runner: CliRunner) -> None:
    stored = store()
    future = runner.invoke(main, ["privacy", "retention", "--at", "2999-01-01"])
    assert future.exit_code == 2
    assert "alleen met --dry-run" in future.output
    assert personal_data(stored.withdrawn) is not None
    bad = runner.invoke(main, ["privacy", "retention", "--dry-run", "--at", "gisteren"])
    assert bad.exit_code == 2
    assert "not an ISO date/time" in bad.output


def test_retention_warns_when_the_views_lag_behind(runner: CliRunner) -> None:
    store(project=False)
    result = runner.invoke(main, ["privacy", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "de views lopen" in result.output and "achter" in result.output
    assert "0 initiatieven" in result.output


def test_export_prints_the_subjects_data_as_json_and_records_the_request(
    runner: CliRunner,
) -> None:
    stored = store()
    result = runner.invoke(
        main, ["privacy", "export", str(stored.initiator), "--purpose", "brief van 3 maart"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["personal_data"]["email"] == EMAIL
    assert found["subject"] == "initiator"
    assert found["processing_log"][-1]["purpose"] == (
        "inzageverzoek (art. 15 AVG): brief van 3 maart"
    )
    assert found["processing_log"][-1]["actor"] == "system:cli"


def test_export_writes_a_file_only_the_owner_can_read(runner: CliRunner, tmp_path: Path) -> None:
    stored = store()
    out = tmp_path / "inzage.json"
    out.write_text("oud", encoding="utf-8")
    out.chmod(0o644)
    result = runner.invoke(
        main,
        ["privacy", "export", str(stored.supporter), "--purpose", "verzoek", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["personal_data"] == {"email": "steun-cli@example.org"}
    assert EMAIL not in out.read_text(encoding="utf-8")


def test_export_refuses_an_unknown_subject_and_needs_a_purpose(runner: CliRunner) -> None:
    stored = store()
    unknown = uuid4()
    result = runner.invoke(main, ["privacy", "export", str(unknown), "--purpose", "verzoek"])
    assert result.exit_code == 1
    assert f"geen indiener of ondersteuner met subject-id {unknown}" in result.output
    no_purpose = runner.invoke(main, ["privacy", "export", str(stored.initiator)])
    assert no_purpose.exit_code == 2
    assert "--purpose" in no_purpose.output
    blank = runner.invoke(main, ["privacy", "export", str(stored.initiator), "--purpose", " "])
    assert blank.exit_code == 1
    assert "purpose" in blank.output


def test_legacy_text_lists_clear_text_of_older_versions_and_whether_it_is_hidden(
    runner: CliRunner,
) -> None:
    stored = store(project=False)
    container = build(Settings.from_env())
    try:  # the withdrawn initiative's submission, as a version before sealing stored it
        app = container.app
        row = app.recorder.select_events(stored.withdrawn, limit=1)[0]
        state = json.loads(row.state)
        assert state.pop("class_version") == 6
        in_clear(state)
        state.pop("moderation")
        state.pop("photos")
        state["class_version"] = 3
        old = replace(row, originator_id=uuid4(), state=json.dumps(state).encode())
        app.recorder.insert_events([old])
    finally:
        container.close()
    listed = runner.invoke(main, ["privacy", "legacy-text"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        f"{old.originator_id} v1  Submitted.title  van: {stored.initiator}  leesbaar",
        f"{old.originator_id} v1  Submitted.description  van: {stored.initiator}  leesbaar",
        f"{old.originator_id} v1  Submitted.requested_support  van: {stored.initiator}  leesbaar",
        "3 teksten van vóór de verzegeling: 0 verborgen omdat hun persoon is gewist, 0 zonder"
        " bekende persoon (vragen en notities van medewerkers).",
    ]
    erased = runner.invoke(main, ["privacy", "erase", str(stored.initiator), "--reason", "x"])
    assert erased.exit_code == 0, erased.output
    listed = runner.invoke(main, ["privacy", "legacy-text"])
    assert listed.output.splitlines()[0].endswith("verborgen (persoon gewist)")
    assert listed.output.splitlines()[-1].startswith("3 teksten van vóór de verzegeling: 3 ")
