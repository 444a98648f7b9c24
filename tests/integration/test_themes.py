"""A municipality replaces the theme list: through the CLI, on the demo (real SQLite).

Submissions and rulebook checks then use the new list, the demo still routes, and work that has a
retired theme keeps it and stays readable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from marshmallow import ValidationError

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.cli import main
from participatie.config import Settings
from participatie.demo import DATA, ROUTER
from participatie.domain.errors import UnknownTheme
from participatie.domain.rulecheck import RuleBookInvalid
from participatie.domain.values import Actor, Role
from tests.conftest import submission

# The new list: two of the demo's themes stay, one is new, the other ten are left out.
NEW_LIST = """\
version: "2027-1"
reason: Thema's van het nieuwe coalitieakkoord
themes:
  - code: wonen
    nl: Wonen
    en: Housing
  - code: hitte
    nl: Hittestress
    en: Heat stress
    description: Koele plekken en schaduw in de zomer.
    group: Klimaat
  - code: armoede
    nl: Bestaanszekerheid
    en: Livelihood security
"""
CENTRUM_BUURT = "BU99990101"  # in wijk Centrum: the wijk rule leads to gebiedsteam-centrum
STAFF = Actor("staff:gea", Role.AREA_MANAGER, "gebiedsteam-centrum")


def write(tmp_path: Path, text: str, name: str = "themes.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@dataclass
class World:
    runner: CliRunner
    container: Container
    folder: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The demo, loaded and given the new list through the CLI (one per module: loading the
    demo is the slow part, and no test here needs the list before the change)."""
    folder = tmp_path_factory.mktemp("themes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARTICIPATIE_VAR_DIR", str(folder / "var"))
        for name in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL"):
            patch.delenv(name, raising=False)
        runner = CliRunner()
        assert runner.invoke(main, ["demo", "load"]).exit_code == 0
        result = runner.invoke(main, ["themes", "apply", write(folder, NEW_LIST)])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == [
            "Themalijst 2027-1 vastgelegd.",
            "  Nieuw: hitte",
            "  Ingetrokken: groen, energie, verkeer, veiligheid, jeugd, ondernemen, zorg,"
            " cultuur, sport, openbare_ruimte",
            # wonen loses the description the starting list gave it (the file has none)
            "  Andere naam of omschrijving: wonen, armoede",
        ]
        container = build(Settings(var_dir=folder / "var"))
        try:
            yield World(runner, container, folder)
        finally:
            container.close()


@pytest.fixture
def replaced(world: World) -> Container:
    return world.container


@pytest.fixture
def loaded(world: World) -> CliRunner:
    return world.runner


def test_the_cli_shows_the_list_with_retired_themes_marked(
    replaced: Container, loaded: CliRunner
) -> None:
    result = loaded.invoke(main, ["themes", "show"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Versie: 2027-1"
    assert lines[1].split() == ["wonen", "Wonen", "/", "Housing"]
    assert lines[2].split() == ["hitte", "Hittestress", "/", "Heat", "stress"]
    assert lines[4].split() == ["groen", "Groen", "/", "Green", "(ingetrokken)"]
    assert len(lines) == 1 + 13


def test_a_new_theme_is_accepted_and_the_demo_still_routes(replaced: Container) -> None:
    app = replaced.app
    data = SubmissionSchema.of(app).load_submission(
        submission(themes=["hitte"], location={"area_code": CENTRUM_BUURT})
    )
    initiative_id = app.submit(data).initiative_id
    assert app.route_initiative(initiative_id, ROUTER)
    routed = app.get_initiative(initiative_id)
    assert routed.lead_team == "gebiedsteam-centrum"
    assert routed.themes == ["hitte"]


def test_a_retired_theme_is_refused_at_every_entrance_and_nothing_is_stored(
    replaced: Container,
) -> None:
    app = replaced.app
    before = app.recorder.max_notification_id()
    raw = submission(themes=["wonen", "verkeer"], location={"area_code": CENTRUM_BUURT})
    with pytest.raises(ValidationError) as refused:
        SubmissionSchema.of(app).load_submission(raw)
    assert refused.value.messages == {"themes": {1: ["Kies een thema uit de lijst."]}}
    # past the schema (a caller that forgot it), the application refuses it too
    clean = SubmissionSchema(app.area_index()).load_submission(raw)  # the starting list's schema
    with pytest.raises(UnknownTheme) as unknown:
        app.submit(clean)
    assert (unknown.value.field, unknown.value.codes) == ("themes", ["verkeer"])
    assert app.recorder.max_notification_id() == before


def test_a_rulebook_with_a_retired_theme_is_refused_naming_rule_and_field(
    replaced: Container,
) -> None:
    from participatie.application.rulesfile import read_rulebook

    rulebook = read_rulebook(DATA / "rulebook.yaml")
    with pytest.raises(RuleBookInvalid) as refused:
        replaced.app.publish_rulebook(
            "2027-1", "zelfde regels", 5, rulebook["rules"], Actor.system("test")
        )
    retired = [(p.rule, p.message) for p in refused.value.problems if p.field == "match.themes"]
    assert retired == [
        ("ondernemers-ondernemersloket", "thema 'ondernemen' is ingetrokken"),
        ("verkeer-molenkwartier", "thema 'verkeer' is ingetrokken"),
        ("openbare-ruimte-lindepark", "thema 'openbare_ruimte' is ingetrokken"),
        ("buurt-havenfront-ondernemen", "thema 'ondernemen' is ingetrokken"),
        ("buurt-stationskwartier-verkeer", "thema 'verkeer' is ingetrokken"),
    ]


def test_the_cli_refuses_a_rulebook_with_a_retired_theme(
    replaced: Container, loaded: CliRunner, tmp_path: Path
) -> None:
    text = (DATA / "rulebook.yaml").read_text(encoding="utf-8")
    result = loaded.invoke(main, ["rules", "check", write(tmp_path, text, "rules.yaml")])
    assert result.exit_code != 0
    assert "buurt-stationskwartier-verkeer" in result.output
    assert "thema 'verkeer' is ingetrokken" in result.output


def test_work_with_a_retired_theme_keeps_it_but_cannot_gain_one(replaced: Container) -> None:
    app = replaced.app
    found = next(
        i
        for i in app.initiative_ids()
        if "verkeer" in (x := app.get_initiative(i)).themes
        and x.status.is_open
        and x.lead_team is not None
    )
    kept = [t for t in app.get_initiative(found).themes if t != "verkeer"]
    assert "groen" not in kept
    actor = Actor("staff:x", Role.ADMIN)
    version = app.change_details(
        found, actor=actor, reason="thema erbij", themes=["verkeer", *kept, "hitte"]
    )
    assert app.get_initiative(found).themes == ["verkeer", *kept, "hitte"]
    with pytest.raises(UnknownTheme) as refused:
        app.change_details(found, actor=actor, reason="nog een", themes=["verkeer", "groen"])
    assert refused.value.codes == ["groen"]
    assert app.get_initiative(found).version == version


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            NEW_LIST.replace("code: hitte", "code: Hitte!"),
            [
                "themes.1.code: Gebruik 2 tot 40 kleine letters, cijfers en _, beginnend met een letter."  # noqa: E501
            ],
        ),
        (
            NEW_LIST.replace("code: hitte", "code: wonen"),
            ["themes.1.code: Deze code staat al eerder in de lijst."],
        ),
        (
            NEW_LIST.replace("    en: Heat stress\n", ""),
            ["themes.1.en: Dit veld is verplicht."],
        ),
        (
            NEW_LIST.replace("reason: Thema's van het nieuwe coalitieakkoord\n", ""),
            ["reason: Geef een reden (in het bestand of met --reason)."],
        ),
        ("- wonen\n- hitte\n", ["_schema: Het bestand moet version, reason en themes bevatten."]),
    ],
)
def test_a_bad_theme_file_exits_2_naming_the_field_and_changes_nothing(
    loaded: CliRunner, tmp_path: Path, text: str, lines: list[str]
) -> None:
    result = loaded.invoke(main, ["themes", "apply", write(tmp_path, text)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == lines
    shown = loaded.invoke(main, ["themes", "show"])
    assert shown.output.splitlines()[0] == "Versie: 2027-1"


def test_a_challenge_with_a_retired_theme_is_refused_naming_it(
    replaced: Container, loaded: CliRunner, tmp_path: Path
) -> None:
    text = (DATA / "teams.yaml").read_text(encoding="utf-8")
    result = loaded.invoke(main, ["teams", "apply", write(tmp_path, text, "teams.yaml")])
    assert result.exit_code == 2, result.output
    # the demo's first challenge has [energie, wonen]: energie is retired, wonen is not
    assert "challenges.0.themes.0: Thema 'energie' is ingetrokken." in result.output.splitlines()
    assert not any(line.startswith("challenges.0.themes.1") for line in result.output.splitlines())
