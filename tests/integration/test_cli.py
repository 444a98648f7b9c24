"""The `participatie` command on a real SQLite store."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from participatie.cli import main
from participatie.demo import DATA
from tests.conftest import submission


def test_demo_load_reports_what_it_loaded_and_runs_only_once(runner: CliRunner) -> None:
    first = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Lindewaard (fictief)" in first.output
    assert "20 gebieden" in first.output
    assert "50 initiatieven" in first.output
    second = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert second.exit_code == 0
    assert "al geladen" in second.output


def test_show_prints_state_and_full_history_of_a_demo_initiative(
    loaded: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "new.json"
    data = submission(location={"area_code": "BU99990101"})
    path.write_text(json.dumps(data), encoding="utf-8")
    submitted = loaded.invoke(main, ["initiatives", "submit", str(path)])
    assert submitted.exit_code == 0, submitted.output
    initiative_id = re.search(r"id: (\S+)", submitted.output).group(1)  # type: ignore[union-attr]
    code = re.search(r"volgcode: (\S+)", submitted.output).group(1)  # type: ignore[union-attr]
    shown = loaded.invoke(main, ["initiatives", "show", code])
    assert shown.exit_code == 0, shown.output
    assert initiative_id in shown.output
    assert "status: submitted" in shown.output
    assert "v1" in shown.output and "Submitted door subject:" in shown.output
    assert "anna@example.org" not in shown.output  # history shows no personal data
    as_json = json.loads(
        loaded.invoke(main, ["initiatives", "show", initiative_id, "--json"]).output
    )
    assert as_json["state"]["area"] == "BU99990101"
    assert as_json["history"][0]["event"] == "Submitted"
    assert as_json["history"][0]["details"]["channel"] == "cli"
    assert as_json["history"][0]["details"]["initiator"]["encrypted"] is True


def test_submit_with_bad_fields_names_each_field_and_stores_nothing(
    loaded: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    bad = submission(title="kort", initiator={"kind": "business", "name": "X", "email": "nee"})
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = loaded.invoke(main, ["initiatives", "submit", str(path)])
    assert result.exit_code == 2
    assert "title:" in result.output
    assert "initiator.email:" in result.output
    assert "initiator.kvk_number:" in result.output
    health = loaded.invoke(main, ["initiatives", "show", "0000-0000"])
    assert health.exit_code == 1
    assert "geen initiatief" in health.output


def test_teams_apply_records_only_changes(loaded: CliRunner, tmp_path: Path) -> None:
    unchanged = loaded.invoke(main, ["teams", "apply", str(DATA / "teams.yaml")])
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 teams en 0 opgaven gewijzigd" in unchanged.output
    changed = tmp_path / "teams.yaml"
    text = (DATA / "teams.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("Regieteam Lindewaard", "Regie Lindewaard"), encoding="utf-8")
    result = loaded.invoke(main, ["teams", "apply", str(changed)])
    assert "1 teams en 0 opgaven gewijzigd" in result.output


def test_area_import_creates_a_new_version_and_refuses_a_duplicate_label(
    loaded: CliRunner,
) -> None:
    geojson = str(DATA / "wijken_en_buurten.geojson")
    ok = loaded.invoke(main, ["areas", "import", geojson, "--version", "2027-1"])
    assert ok.exit_code == 0, ok.output
    assert "2027-1" in ok.output
    again = loaded.invoke(main, ["areas", "import", geojson, "--version", "2027-1"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_show_of_a_demo_initiative_explains_routing_with_rule_and_versions(
    loaded: CliRunner,
) -> None:
    from participatie.bootstrap import build
    from participatie.domain.values import Status

    container = build()
    try:
        app = container.app
        ids = [
            n.originator_id
            for n in app.recorder.select_notifications(1, 5000)
            if n.topic.endswith("Submitted")
        ]
        decided = next(i for i in ids if app.get_initiative(i).status is Status.DECIDED)
    finally:
        container.close()
    shown = loaded.invoke(main, ["initiatives", "show", str(decided)])
    assert shown.exit_code == 0, shown.output
    for expected in (
        "Routed door system:router",
        '"rule_id": "',
        '"rulebook_version": "2026-1"',
        '"map_version": "2026-1"',
        "HandoffAccepted",
        "Decided door",
        "reden: Besproken in het gebiedsteamoverleg.",
        "status: decided",
    ):
        assert expected in shown.output, expected


def test_every_command_is_documented_in_the_readme() -> None:
    import click

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

    def paths(group: click.Group, prefix: str) -> list[str]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += paths(command, f"{prefix} {name}")
            else:
                found.append(f"{prefix} {name}")
        return found

    commands = paths(main, "participatie")
    undocumented = [
        c
        for c in commands
        if c not in readme and f"/ `{c.split()[-1]}`" not in readme  # "web / `projector`" style
    ]
    assert len(commands) > 15
    assert not undocumented


def test_staff_add_hashes_the_password_and_the_account_can_log_in(
    loaded: CliRunner, tmp_path: Path
) -> None:
    from participatie.bootstrap import build
    from participatie.config import Settings
    from participatie.domain.values import Role

    added = loaded.invoke(
        main,
        [
            "staff",
            "add",
            "Petra.Manager",
            "--name",
            "Petra Manager",
            "--role",
            "gebiedsmanager",
            "--team",
            "gebiedsteam-centrum",
            "--password",
            "een heel lang wachtwoord",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "petra.manager" in added.output
    unknown = loaded.invoke(
        main,
        [
            "staff",
            "add",
            "x",
            "--name",
            "X",
            "--role",
            "teamlid",
            "--team",
            "bestaat-niet",
            "--password",
            "een heel lang wachtwoord",
        ],
    )
    assert unknown.exit_code == 1 and "unknown team(s): bestaat-niet" in unknown.output
    short = loaded.invoke(
        main,
        ["staff", "add", "y", "--name", "Y", "--role", "auditor", "--password", "kort"],
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    listed = loaded.invoke(main, ["staff", "list"])
    assert "petra.manager\tgebiedsmanager\tgebiedsteam-centrum\tactief" in listed.output
    assert "\nx\t" not in listed.output and "\ny\t" not in listed.output
    container = build(Settings.from_env())
    try:
        account = container.staff.authenticate("petra.manager", "een heel lang wachtwoord", "t")
        assert account.role is Role.AREA_MANAGER
    finally:
        container.close()


def test_demo_load_creates_one_account_per_role_with_generated_passwords(
    runner: CliRunner,
) -> None:
    from participatie.bootstrap import build
    from participatie.config import Settings

    loaded = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert loaded.exit_code == 0, loaded.output
    settings = Settings.from_env()
    path = settings.var_dir / "demo-medewerkers.txt"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    rows = [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    assert {r[2] for r in rows} == {
        "area_manager",
        "team_member",
        "regie",
        "line_department",
        "auditor",
        "admin",
    }
    # Every team kind has someone, and so has every team the demo's initiatives land on (by
    # hand from the demo's routing: its lead teams).
    teams = {t for r in rows for t in r[3].split(",") if t != "-"}
    assert {
        "regie",
        "gebiedsteam-centrum",
        "gebiedsteam-oude-haven",
        "gebiedsteam-molenkwartier",
        "gebiedsteam-lindepark",
        "opgaveteam-energie",
        "opgaveteam-klimaatadaptatie",
        "opgaveteam-jeugd",
        "opgaveteam-bestaanszekerheid",
        "lijn-economische-zaken",
        "lijn-wonen",
        "lijn-verkeer",
        "lijn-openbare-ruimte",
    } <= teams
    container = build(settings)
    try:
        for username, password, *_ in rows:
            assert container.staff.authenticate(username, password, "t").username == username
    finally:
        container.close()
    again = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert again.exit_code == 0
    assert len(path.read_text().splitlines()) == len(rows) + 2  # nothing added twice


def test_audit_commands_seal_checkpoint_verify_and_name_a_tampered_position(
    loaded: CliRunner, tmp_path: Path
) -> None:
    import sqlite3

    from participatie.config import Settings

    checkpoint = tmp_path / "checkpoint.json"
    made = loaded.invoke(main, ["audit", "checkpoint", "--out", str(checkpoint)])
    assert made.exit_code == 0, made.output
    key = tmp_path / "public.key"
    key.write_text(loaded.invoke(main, ["audit", "public-key"]).output)
    ok = loaded.invoke(
        main, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(key)]
    )
    assert ok.exit_code == 0, ok.output
    assert "OK:" in ok.output and "confirmed" in ok.output
    db = sqlite3.connect(Settings.from_env().event_store_path)
    db.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 42")
    db.commit()
    db.close()
    bad = loaded.invoke(main, ["audit", "verify", "--checkpoint", str(checkpoint)])
    assert bad.exit_code == 1
    assert "FAILED at position 42" in bad.output
    forged = json.loads(checkpoint.read_text())
    forged["position"] -= 1
    checkpoint.write_text(json.dumps(forged))
    rejected = loaded.invoke(main, ["audit", "verify", "--checkpoint", str(checkpoint)])
    assert rejected.exit_code == 1 and "REJECTED checkpoint" in rejected.output


def test_audit_export_has_no_personal_data_unless_asked_with_a_purpose(
    loaded: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "new.json"
    data = submission(location={"area_code": "BU99990101"})
    data["initiator"]["name"] = "Canary Kanarie"  # type: ignore[index]
    data["initiator"]["email"] = "canary-7731@example.org"  # type: ignore[index]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert loaded.invoke(main, ["initiatives", "submit", str(path)]).exit_code == 0
    plain_export = loaded.invoke(main, ["audit", "export", "--format", "jsonl"])
    assert plain_export.exit_code == 0, plain_export.output
    lines = [json.loads(line) for line in plain_export.output.splitlines() if line.startswith("{")]
    assert len(lines) > 250
    assert "canary-7731" not in plain_export.output and "Kanarie" not in plain_export.output
    refused = loaded.invoke(main, ["audit", "export", "--with-personal-data"])
    assert refused.exit_code == 1 and "purpose" in refused.output
    csv_out = tmp_path / "events.csv"
    granted = loaded.invoke(
        main,
        [
            "audit",
            "export",
            "--format",
            "csv",
            "--area",
            "BU99990101",
            "--out",
            str(csv_out),
            "--with-personal-data",
            "--purpose",
            "WOO-verzoek 2026-17",
        ],
    )
    assert granted.exit_code == 0, granted.output
    text = csv_out.read_text()
    assert text.startswith("position,at,aggregate")
    assert "canary-7731@example.org" in text
    shown = loaded.invoke(main, ["audit", "export", "--from", "2099-01-01T00:00"])
    assert [line for line in shown.output.splitlines() if line.startswith("{")] == []


def test_staff_grant_needs_an_auditor_and_a_purpose(loaded: CliRunner) -> None:
    base = ["staff", "add", "--name", "A", "--password", "een heel lang wachtwoord"]
    assert loaded.invoke(main, [*base[:2], "anouk", *base[2:], "--role", "auditor"]).exit_code == 0
    ok = loaded.invoke(main, ["staff", "grant", "anouk", "--purpose", "WOO-verzoek", "--days", "3"])
    assert ok.exit_code == 0 and "mag tot" in ok.output
    wrong = loaded.invoke(main, ["staff", "grant", "gebiedsmanager", "--purpose", "x"])
    assert wrong.exit_code == 1 and "only an auditor" in wrong.output
    assert loaded.invoke(main, ["staff", "revoke", "anouk"]).exit_code == 0
    again = loaded.invoke(main, ["staff", "revoke", "anouk"])
    assert again.exit_code == 1 and "no grant" in again.output
