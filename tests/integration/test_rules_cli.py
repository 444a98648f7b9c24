"""`participatie rules …` and explicit re-routing, on the demo municipality (real SQLite)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from uuid import UUID

from click.testing import CliRunner

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings
from participatie.demo import DATA, ROUTER
from tests.conftest import submission

RULEBOOK = (DATA / "rulebook.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def new_version(text: str, label: str = "2026-2") -> str:
    return text.replace('version: "2026-1"', f'version: "{label}"')


# Rulebook 2026-2: the wijk rule of Centrum now leads to the area team of Oude Haven.
CENTRUM_TO_OUDE_HAVEN = new_version(RULEBOOK).replace(
    "lead: gebiedsteam-centrum", "lead: gebiedsteam-oude-haven"
)


def routed_by(tmp_path: Path, rule_id: str) -> set[str]:
    """Ids of demo initiatives whose recorded routing used `rule_id` (read from the store)."""
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        app = container.app
        return {
            str(i)
            for i in app.initiative_ids()
            if (r := app.get_initiative(i).routing) is not None and r.rule_id == rule_id
        }
    finally:
        container.close()


def kept_text(tmp_path: Path, label: str) -> str | None:
    """The source text the store keeps for rulebook version `label`."""
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        rulebook = container.app.rulebook()
        assert rulebook is not None
        return rulebook.sources.get(label)
    finally:
        container.close()


def test_backtest_of_a_changed_rule_prints_the_from_to_summary_and_the_list(
    loaded: CliRunner, tmp_path: Path
) -> None:
    changed = CENTRUM_TO_OUDE_HAVEN
    expected = routed_by(tmp_path, "wijk-centrum")
    assert expected, "the demo should route something by wijk-centrum"
    result = loaded.invoke(main, ["rules", "backtest", write(tmp_path, changed)])
    assert result.exit_code == 0, result.output
    assert (
        "Backtest van regelboek 2026-2 (gepubliceerd: 2026-1) op 50 initiatieven" in result.output
    )
    assert f"{50 - len(expected)} gelijk, {len(expected)} naar een ander team" in result.output
    assert re.search(
        rf"gebiedsteam-centrum\s+→ gebiedsteam-oude-haven\s+{len(expected)}\n", result.output
    )
    listed = set(re.findall(r"^  ([0-9a-f-]{36})  \[", result.output, re.MULTILINE))
    assert listed == expected
    # A backtest publishes nothing.
    shown = loaded.invoke(main, ["rules", "show"])
    assert "Versies: 2026-1 (huidig: 2026-1)" in shown.output


def test_backtest_of_an_unchanged_rulebook_moves_nothing(loaded: CliRunner, tmp_path: Path) -> None:
    result = loaded.invoke(main, ["rules", "backtest", write(tmp_path, new_version(RULEBOOK))])
    assert result.exit_code == 0, result.output
    assert "50 gelijk, 0 naar een ander team." in result.output
    assert "Van → naar" not in result.output


def test_an_invalid_rulebook_is_refused_naming_rule_and_field(
    loaded: CliRunner, tmp_path: Path
) -> None:
    bad = (
        new_version(RULEBOOK)
        .replace("lead: gebiedsteam-lindepark", "lead: gebiedsteam-nergens")
        .replace("areas: [WK999902]", "areas: [WK999977]")
    )
    bad += """
  - id: groen-overal
    priority: 7
    match:
      themes: [groen]
    lead: gebiedsteam-centrum
  - id: verkeer-overal
    priority: 7
    match:
      themes: [verkeer]
    lead: lijn-verkeer
"""
    for command in ("check", "backtest", "publish"):
        result = loaded.invoke(main, ["rules", command, write(tmp_path, bad)])
        assert result.exit_code == 1, result.output
        assert "regel wijk-lindepark, veld lead: onbekend team 'gebiedsteam-nergens'" in (
            result.output
        )
        assert "regel wijk-oude-haven, veld match.areas: onbekend gebied 'WK999977'" in (
            result.output
        )
        assert re.search(r"regel verkeer-overal, veld priority: .*groen-overal", result.output)
    shown = loaded.invoke(main, ["rules", "show"])
    assert "Versies: 2026-1 (huidig: 2026-1)" in shown.output  # nothing was published


def test_a_structurally_wrong_rulebook_names_the_field_path(
    loaded: CliRunner, tmp_path: Path
) -> None:
    broken = new_version(RULEBOOK).replace("lead: gebiedsteam-centrum\n", "", 1)
    result = loaded.invoke(main, ["rules", "check", write(tmp_path, broken)])
    assert result.exit_code == 2
    assert re.search(r"rules\.0\.lead: ", result.output)


def test_publish_moves_no_open_work_until_an_explicit_reroute(
    loaded: CliRunner, tmp_path: Path
) -> None:
    changed = CENTRUM_TO_OUDE_HAVEN
    moved_candidates = routed_by(tmp_path, "wijk-centrum")
    published = loaded.invoke(main, ["rules", "publish", write(tmp_path, changed)])
    assert published.exit_code == 0, published.output
    assert "Regelboek 2026-2 gepubliceerd" in published.output
    assert (
        "Versies: 2026-1, 2026-2 (huidig: 2026-2)" in loaded.invoke(main, ["rules", "show"]).output
    )
    again = loaded.invoke(main, ["rules", "publish", write(tmp_path, changed)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert kept_text(tmp_path, "2026-2") == changed  # the file as written, comments and all
    assert routed_by(tmp_path, "wijk-centrum") == moved_candidates  # nothing moved by itself

    dry = loaded.invoke(
        main, ["initiatives", "reroute", "--all-open", "--dry-run", "--reason", "regelboek 2026-2"]
    )
    assert dry.exit_code == 0, dry.output
    moving = r"^([0-9a-f-]{36}): ([a-z0-9-]+) → gebiedsteam-oude-haven"
    lines = dict(re.findall(moving, dry.output, re.MULTILINE))
    would = set(lines)
    assert would & moved_candidates
    # Others move only when regie has them: escalated when their hand-off was missed in the
    # demo's history, they are routed again on today's rules like every open initiative.
    assert all(lines[i] == "regie" for i in would - moved_candidates), dry.output
    assert routed_by(tmp_path, "wijk-centrum") == moved_candidates  # a dry run records nothing

    real = loaded.invoke(
        main, ["initiatives", "reroute", "--all-open", "--reason", "regelboek 2026-2"]
    )
    assert real.exit_code == 0, real.output
    done = {i for i, _ in re.findall(moving, real.output, re.MULTILINE)}
    assert done == would
    one = sorted(done & moved_candidates)[0]
    shown = json.loads(loaded.invoke(main, ["initiatives", "show", one, "--json"]).output)
    assert shown["state"]["lead_team"] == "gebiedsteam-oude-haven"
    last = shown["history"][-1]
    assert last["event"] == "Rerouted"
    assert last["reason"] == "regelboek 2026-2"
    assert last["details"]["decision"]["rulebook_version"] == "2026-2"
    assert last["details"]["decision"]["rule_id"] == "wijk-centrum"


def test_changing_the_location_is_recorded_and_rerouting_is_a_separate_step(
    loaded: CliRunner, tmp_path: Path
) -> None:
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        app = container.app
        data = submission(location={"area_code": "BU99990204"}, themes=["groen"])
        ident = str(
            app.submit(SubmissionSchema(app.area_index()).load_submission(data)).initiative_id
        )
        app.route_initiative(UUID(ident), ROUTER)
    finally:
        container.close()
    before = json.loads(loaded.invoke(main, ["initiatives", "show", ident, "--json"]).output)
    assert before["state"]["lead_team"] == "gebiedsteam-oude-haven"

    changed = loaded.invoke(
        main,
        ["initiatives", "change", ident, "--area", "WK999904", "--reason", "verkeerde wijk"],
    )
    assert changed.exit_code == 0, changed.output
    middle = json.loads(loaded.invoke(main, ["initiatives", "show", ident, "--json"]).output)
    assert middle["state"]["area"] == "WK999904"
    assert middle["state"]["lead_team"] == "gebiedsteam-oude-haven"  # not re-routed by itself
    assert middle["history"][-1]["event"] == "DetailsChanged"
    assert middle["history"][-1]["reason"] == "verkeerde wijk"

    no_reason = loaded.invoke(main, ["initiatives", "change", ident, "--themes", "verkeer"])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    outside = loaded.invoke(
        main, ["initiatives", "change", ident, "--point", "10.0,10.0", "--reason", "x"]
    )
    assert outside.exit_code == 1 and "location.lat" in outside.output

    rerouted = loaded.invoke(main, ["initiatives", "reroute", ident, "--reason", "nieuwe wijk"])
    assert rerouted.exit_code == 0, rerouted.output
    assert f"{ident}: gebiedsteam-oude-haven → gebiedsteam-lindepark (wijk-lindepark)" in (
        rerouted.output
    )
    after = json.loads(loaded.invoke(main, ["initiatives", "show", ident, "--json"]).output)
    assert after["state"]["lead_team"] == "gebiedsteam-lindepark"
    assert after["state"]["status"] == "routed"  # a new hand-off, to be accepted again
    assert after["history"][-1]["event"] == "Rerouted"
    assert after["history"][-1]["reason"] == "nieuwe wijk"
    assert after["history"][-1]["details"]["decision"]["facts"]["area_code"] == "WK999904"
    assert len(after["history"]) == len(middle["history"]) + 1  # the refusals recorded nothing

    same = loaded.invoke(main, ["initiatives", "reroute", ident, "--reason", "nog eens"])
    assert "0 initiatieven opnieuw gerouteerd" in same.output  # unchanged outcome: no event
