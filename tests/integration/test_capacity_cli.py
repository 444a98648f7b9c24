"""`participatie teams capacity` and `participatie views capacity` on the demo (real SQLite)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from participatie.cli import main
from participatie.demo import DATA

DEMO_TEAMS = {
    "regie",
    "gebiedsteam-centrum",
    "gebiedsteam-oude-haven",
    "gebiedsteam-molenkwartier",
    "gebiedsteam-lindepark",
    "opgaveteam-energie",
    "opgaveteam-bestaanszekerheid",
    "opgaveteam-jeugd",
    "opgaveteam-klimaatadaptatie",
    "lijn-openbare-ruimte",
    "lijn-verkeer",
    "lijn-economische-zaken",
    "lijn-wonen",
}


def test_the_demo_has_a_capacity_for_every_team_and_one_team_overloaded(
    loaded: CliRunner,
) -> None:
    assert loaded.invoke(main, ["views", "rebuild"]).exit_code == 0
    shown = loaded.invoke(main, ["views", "capacity"])
    assert shown.exit_code == 0, shown.output
    loads = json.loads(shown.output)
    assert {t["team"] for t in loads} == DEMO_TEAMS
    assert all(t["capacity"] is not None for t in loads)
    assert [t["team"] for t in loads if t["overloaded"]] == ["opgaveteam-jeugd"]
    # From capacities.yaml: the line departments give hours, 4 hours a case by default.
    wonen = next(t for t in loads if t["team"] == "lijn-wonen")
    assert (wonen["capacity_cases"], wonen["capacity_hours_per_week"]) == (None, 12)
    assert wonen["capacity"] == 3.0

    one = loaded.invoke(main, ["views", "capacity", "opgaveteam-jeugd"])
    assert one.exit_code == 0, one.output
    jeugd = json.loads(one.output)
    assert (jeugd["team"], jeugd["capacity_cases"], jeugd["overloaded"]) == (
        "opgaveteam-jeugd",
        3,
        True,
    )
    assert len(jeugd["trend"]) == 8 and set(jeugd["trend"][0]) == {"week", "at", "open_lead"}
    unknown = loaded.invoke(main, ["views", "capacity", "team-z"])
    assert unknown.exit_code == 1 and "onbekend team 'team-z'" in unknown.output


def test_views_capacity_follows_the_hours_per_case_setting(
    loaded: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTICIPATIE_CAPACITY_HOURS_PER_CASE", "6")
    assert loaded.invoke(main, ["views", "rebuild"]).exit_code == 0
    shown = loaded.invoke(main, ["views", "capacity", "lijn-wonen"])
    assert json.loads(shown.output)["capacity"] == 2.0  # 12 hours a week / 6


def test_teams_capacity_records_a_capacity_once(loaded: CliRunner) -> None:
    args = ["teams", "capacity", "lijn-verkeer", "--cases", "7", "--hours", "28"]
    first = loaded.invoke(main, [*args, "--reason", "Een extra verkeerskundige."])
    assert first.exit_code == 0, first.output
    assert first.output == "Capaciteit van lijn-verkeer vastgelegd: 7 zaken en 28 uur per week.\n"
    again = loaded.invoke(main, [*args, "--reason", "Nog eens."])
    assert again.exit_code == 0, again.output
    assert again.output == "De capaciteit van lijn-verkeer blijft gelijk; er is niets vastgelegd.\n"
    hours = loaded.invoke(
        main, ["teams", "capacity", "lijn-verkeer", "--hours", "8", "--reason", "Minder uren."]
    )
    assert hours.output == "Capaciteit van lijn-verkeer vastgelegd: 8 uur per week.\n"
    assert loaded.invoke(main, ["views", "rebuild"]).exit_code == 0
    shown = json.loads(loaded.invoke(main, ["views", "capacity", "lijn-verkeer"]).output)
    assert (shown["capacity_cases"], shown["capacity_hours_per_week"], shown["capacity"]) == (
        None,
        8,
        2.0,
    )


RANGE = "Geef een geheel getal van 0 tot en met 10000."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lijn-verkeer", "--cases", "-1"], f"--cases: {RANGE}"),
        (["lijn-verkeer", "--hours", "10001"], f"--hours: {RANGE}"),
        (["lijn-verkeer"], "--cases: Geef het aantal zaken, de uren per week, of allebei."),
        (["team-z", "--cases", "3"], "CODE: Kies een team uit de lijst."),
    ],
)
def test_teams_capacity_refuses_bad_input_naming_the_option(
    runner: CliRunner, args: list[str], message: str
) -> None:
    assert runner.invoke(main, ["teams", "apply", str(DATA / "teams.yaml")]).exit_code == 0
    refused = runner.invoke(main, ["teams", "capacity", *args, "--reason", "Reden."])
    assert refused.exit_code == 2, refused.output
    assert refused.output == message + "\n"


def test_teams_capacity_needs_a_reason(runner: CliRunner) -> None:
    assert runner.invoke(main, ["teams", "apply", str(DATA / "teams.yaml")]).exit_code == 0
    blank = runner.invoke(main, ["teams", "capacity", "regie", "--cases", "3", "--reason", "  "])
    assert (blank.exit_code, blank.output) == (2, "--reason: Dit veld is verplicht.\n")
    missing = runner.invoke(main, ["teams", "capacity", "regie", "--cases", "3"])
    assert missing.exit_code == 2 and "--reason" in missing.output
    not_a_number = runner.invoke(
        main, ["teams", "capacity", "regie", "--cases", "drie", "--reason", "Reden."]
    )
    assert not_a_number.exit_code == 2 and "--cases" in not_a_number.output
