"""Every file the `participatie` command reads: a bad one ends in a message and exit 2, not a trace.

The table is written out by hand: the command, the bytes of the file, and a phrase the message
must hold (the file's name, and the line where the parser knows it). Nothing is stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from participatie.bootstrap import build
from participatie.cli import main
from participatie.config import Settings


def geojson(*geometries: dict[str, Any], crs: str | None = None) -> bytes:
    """A buurten file: Kerkbuurt, Haven, ... with these geometries."""
    names = ["Kerkbuurt", "Haven", "Molenwijk"]
    features = [
        {
            "type": "Feature",
            "properties": {"buurtcode": f"BU0307010{n}", "buurtnaam": names[n - 1]},
            "geometry": geometry,
        }
        for n, geometry in enumerate(geometries, start=1)
    ]
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(document).encode()


def square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


KERK = square(5.372592, 52.150677, 5.387203, 52.159666)
HAVEN = square(5.387203, 52.150677, 5.401815, 52.159666)
POINT = {"type": "Point", "coordinates": [5.38, 52.155]}
RD = "urn:ogc:def:crs:EPSG::28992"
# Two buurten of a square kilometre beside the Amersfoort tower, in RD New metres.
RD_WEST = [[154000, 462500], [155000, 462500], [155000, 463500], [154000, 463500], [154000, 462500]]
RD_EAST = [[155000, 462500], [156000, 462500], [156000, 463500], [155000, 463500], [155000, 462500]]
X_RING = {"type": "Polygon", "coordinates": [[["x", 1], [5.38, 52.15], [5.39, 52.15], ["x", 1]]]}
SWAPPED = square(52.150677, 5.372592, 52.159666, 5.387203)
DUPLICATE = geojson(KERK, HAVEN).replace(b"BU03070102", b"BU03070101")
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
DEEP_YAML = b"teams: " + b"[" * 100_000 + b"]" * 100_000
HUGE = b"1" * 5000

TEAMS = ["teams", "apply"]
AREAS = ["areas", "import", "--version", "v9"]

# (command, file name, content, phrase in the message)
CASES: list[tuple[list[str], str, bytes, str]] = [
    # teams and challenges
    (TEAMS, "teams.yaml", b"teams: [\n  - code: a\n", "teams.yaml, line 2, column 3: not valid"),
    (TEAMS, "teams.yaml", b"teams:\n- naam: B\xe9ke\n", "teams.yaml, line 2: not UTF-8"),
    (TEAMS, "teams.yaml", DEEP_YAML, "nested more than 64 levels deep"),
    (TEAMS, "teams.yaml", b"teams: []\nx: " + HUGE, "line 2, column 4: a number"),
    (TEAMS, "teams.yaml", b"teams: &t [*t]\n", "aliases (*name) are not supported"),
    # rulebooks
    (["rules", "check"], "rules.yaml", b"version: 2\nrules: [\n", "rules.yaml, line 3"),
    (["rules", "check"], "rules.yaml", b"\xff\xfeversion: 2\n", "rules.yaml, line 1: not UTF-8"),
    (["rules", "check"], "rules.yaml", b"- " * 100_000 + b"x", "nested more than 64"),
    (["rules", "check"], "rules.yaml", b"version: x\nrules:\n- priority: " + HUGE, "5000 digits"),
    (["rules", "backtest"], "rules.yaml", b"version: 2\nrules: [\n", "not valid YAML"),
    (["rules", "publish"], "rules.yaml", b"version: 2\nrules: [\n", "not valid YAML"),
    # initiatives
    (["initiatives", "submit"], "new.json", b'{"title": ', "new.json, line 1, column 11"),
    (["initiatives", "submit"], "new.json", b'{"title": "Caf\xe9"}', "new.json, line 1: not UTF-8"),
    (["initiatives", "submit"], "new.json", DEEP_JSON, "new.json: nested too deeply"),
    (["initiatives", "submit"], "new.json", b'{\n"x": ' + HUGE + b"}", "line 2: a number has 5000"),
    (["initiatives", "submit"], "new.json", b'{"x": NaN}', "NaN is not a JSON number"),
    (["initiatives", "submit"], "new.json", b'{"x": 1e999}', "1e999 is out of range"),
    # area maps
    (AREAS, "map.geojson", b'{"type": ', "map.geojson, line 1"),
    (AREAS, "map.geojson", b"{\xff}", "map.geojson, line 1"),
    (AREAS, "map.geojson", DEEP_JSON, "nested too deeply"),
    (AREAS, "map.geojson", HUGE, "5000 digits"),
    (AREAS, "map.geojson", geojson(KERK, POINT), "feature 2 (BU03070102, Haven): a Point cannot"),
    (AREAS, "map.geojson", geojson(X_RING), "ring 1, position 1 is not a pair of finite numbers"),
    (
        AREAS,
        "map.geojson",
        geojson(SWAPPED),
        "position [52.150677, 5.372592] lies outside the Neth",
    ),
    (AREAS, "map.geojson", geojson(KERK, crs=RD), "(BU03070101, Kerkbuurt): position [5.372592"),
    (AREAS, "map.geojson", geojson(KERK, crs="EPSG:99"), "system EPSG:99 is not supported"),
    (AREAS, "map.geojson", DUPLICATE, "feature 2 (BU03070101, Haven): code BU03070101 is also"),
]


@pytest.mark.parametrize(
    ("command", "name", "content", "phrase"),
    CASES,
    ids=[f"{' '.join(c[0][:2])}:{c[3][:24]}" for c in CASES],
)
def test_a_bad_file_gives_a_message_naming_it_and_exit_2(
    runner: CliRunner,
    tmp_path: Path,
    command: list[str],
    name: str,
    content: bytes,
    phrase: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(main, [*command[:2], str(path), *command[2:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert phrase in result.stderr, result.stderr
    assert name in result.stderr


def test_a_bad_file_on_standard_input_is_named_so(runner: CliRunner) -> None:
    result = runner.invoke(main, ["initiatives", "submit", "-"], input=b'{"title": \xff}')
    assert result.exit_code == 2, result.output
    assert "<stdin>, line 1: not UTF-8" in result.stderr


def test_an_area_file_problem_is_told_in_dutch_and_in_english(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "map.geojson"
    path.write_bytes(geojson(KERK, POINT))
    result = runner.invoke(main, ["areas", "import", str(path), "--version", "v1"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"Fout: {path}: object 2 (BU03070102, Haven): een Point kan geen gebied zijn;"
        " gebruik Polygon of MultiPolygon",
        f"Error: {path}: feature 2 (BU03070102, Haven): a Point cannot be an area;"
        " use Polygon or MultiPolygon",
    ]


def test_an_rd_new_file_is_imported_in_wgs84(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "rd.geojson"
    west = {"type": "Polygon", "coordinates": [RD_WEST]}
    east = {"type": "Polygon", "coordinates": [RD_EAST]}
    path.write_bytes(geojson(west, east, crs=RD))
    result = runner.invoke(main, ["areas", "import", str(path), "--version", "v1"])
    assert result.exit_code == 0, result.output
    assert "Kaartversie v1 geïmporteerd: 4 gebieden." in result.output
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        index = container.app.area_index()
        assert index.locate(52.155172, 5.379897) == "BU03070101"  # RD 154500, 463000
        assert index.locate(52.155172, 5.394510) == "BU03070102"  # RD 155500, 463000
    finally:
        container.close()


VERIFY = ["audit", "verify"]


# A checkpoint that cannot be read is rejected like a forged one (exit 1); a key file is input.
@pytest.mark.parametrize(
    ("option", "content", "code", "phrase"),
    [
        (
            "--checkpoint",
            b'{"format": "\xff"}',
            1,
            "REJECTED checkpoint: unreadable checkpoint: not",
        ),
        (
            "--checkpoint",
            b"[]",
            1,
            "REJECTED checkpoint: unreadable checkpoint: not a Participatie",
        ),
        ("--checkpoint", DEEP_JSON, 1, "REJECTED checkpoint: unreadable checkpoint: maximum recu"),
        ("--public-key", b"geen sleutel!", 2, "key.txt: not a public key as 'participatie audit"),
        ("--public-key", b"AAAA", 2, "key.txt: not a public key as 'participatie audit"),
        ("--public-key", b"\xff", 2, "key.txt, line 1: not UTF-8"),
    ],
)
def test_a_bad_checkpoint_or_key_file_is_told_without_a_trace(
    runner: CliRunner, tmp_path: Path, option: str, content: bytes, code: int, phrase: str
) -> None:
    path = tmp_path / "key.txt"
    path.write_bytes(content)
    result = runner.invoke(main, [*VERIFY, option, str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == code, result.output
    assert phrase in result.stderr, result.stderr
