"""Area agendas on the demo municipality (real SQLite): references checked, links within the
area, suggestions by area, theme and challenge, the agenda as it was on a date, and the CLI.

Oude Haven (WK999902) is where the demo's challenges stack: its buurt BU99990202 is a focus area
of energietransitie, bestaanszekerheid and veilig-opgroeien.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from participatie.application.agenda import check_period
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.cli import main
from participatie.config import Settings
from participatie.demo import ROUTER, clock_at, load_demo
from participatie.domain.agenda import Priority
from participatie.domain.errors import InvalidChoice, NotFound
from participatie.domain.values import Actor, Role
from tests.conftest import submission

OUDE_HAVEN = "WK999902"
HAVENFRONT = "BU99990202"  # in Oude Haven, where three challenges land
CENTRUM_BUURT = "BU99990101"  # in Centrum
MANAGER = Actor("staff:gea", Role.AREA_MANAGER, "gebiedsteam-oude-haven")
REGIE = Actor("staff:rita", Role.REGIE, "regie")
HEAT = Priority(
    "warmte",
    "Wijk van het gas af",
    "400 woningen op het warmtenet",
    ("aansluitingen warmtenet",),
    "opgaveteam-energie",
    ("energietransitie",),
    (HAVENFRONT,),
)
MONEY = Priority(
    "rondkomen",
    "Niemand valt tussen wal en schip",
    "",
    (),
    "opgaveteam-bestaanszekerheid",
    ("bestaanszekerheid",),
    (),
)
PLAY = Priority("spelen", "Speelruimte", "", (), "gebiedsteam-oude-haven", (), ())
JAN = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
FEB = datetime(2027, 2, 15, 10, 0, tzinfo=UTC)
MAR = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    container = build(Settings(var_dir=tmp_path_factory.mktemp("agenda") / "var"))
    load_demo(container.app, agendas=False)  # the tests here make their own
    yield container
    container.close()


def submit(demo: Container, area: str, themes: list[str], at: datetime) -> UUID:
    app = demo.app
    with clock_at(app, at):
        data = SubmissionSchema.of(app).load_submission(
            submission(themes=themes, location={"area_code": area})
        )
        found = app.submit(data, at=at).initiative_id
        assert app.route_initiative(found, ROUTER, at)
    return found


def test_an_agenda_through_draft_adoption_and_revision_and_as_it_was(demo: Container) -> None:
    app = demo.app
    with clock_at(app, JAN):
        assert app.draft_agenda(OUDE_HAVEN, "2027", [HEAT, MONEY], "buurtgesprekken", MANAGER)
    with clock_at(app, FEB):
        assert app.adopt_agenda(OUDE_HAVEN, "2027", "regieoverleg februari", REGIE) == 1
    with clock_at(app, MAR):
        assert app.revise_agenda(OUDE_HAVEN, "2027", "voorjaarsnota", REGIE) == 2
        assert app.draft_agenda(OUDE_HAVEN, "2027", [MONEY, HEAT, PLAY], "spelen erbij", MANAGER)
    now = app.agenda(OUDE_HAVEN, "2027")
    assert now is not None
    assert [(v.number, v.status) for v in now.versions.values()] == [(1, "adopted"), (2, "draft")]
    assert now.adopted is not None and now.adopted.priorities == (HEAT, MONEY)
    # As it was: before anything, between draft and adoption, after adoption.
    assert app.agenda_as_of(OUDE_HAVEN, "2027", datetime(2027, 1, 1, tzinfo=UTC)) is None
    drafted = app.agenda_as_of(OUDE_HAVEN, "2027", datetime(2027, 2, 1, tzinfo=UTC))
    assert drafted is not None
    assert [(v.number, v.status) for v in drafted.versions.values()] == [(1, "draft")]
    assert drafted.adopted is None
    adopted = app.agenda_as_of(OUDE_HAVEN, "2027", datetime(2027, 3, 1, tzinfo=UTC))
    assert adopted is not None and adopted.adopted is not None
    assert adopted.adopted.adopted_by == "staff:rita" and adopted.adopted.adopted_at == FEB
    assert [(a.area, a.period) for a in app.agendas()] == [(OUDE_HAVEN, "2027")]
    assert [a.period for a in app.agendas(OUDE_HAVEN)] == ["2027"]
    assert app.agendas("WK999901") == []


@pytest.mark.parametrize(
    ("area", "priority", "field"),
    [
        ("WK999999", HEAT, "area"),
        (OUDE_HAVEN, Priority("p", "Titel", "", (), "geen-team", (), ()), "priorities"),
        (OUDE_HAVEN, Priority("p", "Titel", "", (), "regie", ("geen-opgave",), ()), "priorities"),
        # a buurt of Centrum is not in Oude Haven
        (OUDE_HAVEN, Priority("p", "Titel", "", (), "regie", (), (CENTRUM_BUURT,)), "priorities"),
        (OUDE_HAVEN, Priority("p", "Titel", "", (), "regie", (), ("BU00000000",)), "priorities"),
    ],
)
def test_a_draft_naming_what_does_not_exist_is_refused_and_stores_nothing(
    demo: Container, area: str, priority: Priority, field: str
) -> None:
    app = demo.app
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidChoice) as refused:
        app.draft_agenda(area, "2031", [priority], "controle", MANAGER)
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("period", ["2027", "2027-2030", "2030-2030"])
def test_a_period_is_a_year_or_a_run_of_years(period: str) -> None:
    check_period(period)


@pytest.mark.parametrize("period", ["27", "2027-26", "2030-2027", "2027/2028", "", "2027-"])
def test_other_periods_are_refused(period: str) -> None:
    with pytest.raises(InvalidChoice):
        check_period(period)


def test_links_and_suggestions(demo: Container) -> None:
    app = demo.app
    with clock_at(app, JAN):
        app.draft_agenda("WK999903", "2027", [MONEY], "molenkwartier", MANAGER)
        app.adopt_agenda("WK999903", "2027", "vastgesteld", REGIE)
    if app.agenda(OUDE_HAVEN, "2027") is None:  # when run alone
        with clock_at(app, JAN):
            app.draft_agenda(OUDE_HAVEN, "2027", [HEAT, MONEY], "buurtgesprekken", MANAGER)
            app.adopt_agenda(OUDE_HAVEN, "2027", "regieoverleg", REGIE)
    energy = submit(demo, HAVENFRONT, ["energie"], FEB)  # routed to challenge energietransitie
    poverty = submit(demo, HAVENFRONT, ["armoede"], FEB)
    green = submit(demo, HAVENFRONT, ["cultuur"], FEB)
    elsewhere = submit(demo, CENTRUM_BUURT, ["energie"], FEB)
    # Suggestions (hand-derived from the adopted version 1: warmte covers Havenfront and serves
    # energietransitie [energie, wonen]; rondkomen covers all of Oude Haven and serves
    # bestaanszekerheid [armoede, zorg]).
    assert [(s.priority.key, s.why) for s in app.suggest_priorities(energy)] == [
        ("warmte", ("area", "buurt", "challenge", "theme")),
    ]
    assert [(s.priority.key, s.why) for s in app.suggest_priorities(poverty)] == [
        ("rondkomen", ("area", "challenge", "theme")),
    ]
    assert app.suggest_priorities(green) == []
    assert app.suggest_priorities(elsewhere) == []  # Centrum has no agenda
    # A person confirms; a link outside the area is refused.
    assert app.link_to_priority(
        OUDE_HAVEN, "2027", energy, "warmte", "voorgesteld, klopt", MANAGER, suggested=True
    )
    assert not app.link_to_priority(OUDE_HAVEN, "2027", energy, "warmte", "nog eens", MANAGER)
    with pytest.raises(InvalidChoice) as outside:
        app.link_to_priority(OUDE_HAVEN, "2027", elsewhere, "warmte", "mis", MANAGER)
    assert outside.value.field == "initiative"
    with pytest.raises(NotFound):
        app.link_to_priority("WK999904", "2027", energy, "warmte", "geen agenda", MANAGER)
    linked = app.links_of_initiative(energy)
    assert [(a.area, key) for a, key in linked] == [(OUDE_HAVEN, "warmte")]
    assert app.unlink_from_priority(OUDE_HAVEN, "2027", energy, "warmte", "toch niet", MANAGER)
    assert app.links_of_initiative(energy) == []


DRAFT_FILE = """\
reason: Eerste gebiedsagenda na de buurtgesprekken
priorities:
  - key: warmte
    title: Wijk van het gas af
    result: 400 woningen op het warmtenet
    indicators: [aansluitingen warmtenet]
    team: opgaveteam-energie
    challenges: [energietransitie]
    buurten: [BU99990202]
  - key: rondkomen
    title: Niemand valt tussen wal en schip
    team: opgaveteam-bestaanszekerheid
    challenges: [bestaanszekerheid]
"""


def test_the_cli_drafts_adopts_and_shows_an_agenda(loaded: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "agenda.yaml"
    path.write_text(DRAFT_FILE, encoding="utf-8")
    result = loaded.invoke(main, ["agenda", "draft", OUDE_HAVEN, "2027", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == "Concept van de gebiedsagenda WK999902 2027 vastgelegd.\n"
    again = loaded.invoke(main, ["agenda", "draft", OUDE_HAVEN, "2027", str(path)])
    assert again.output == "Het concept blijft gelijk; er is niets vastgelegd.\n"
    adopted = loaded.invoke(main, ["agenda", "adopt", OUDE_HAVEN, "2027", "--reason", "regie"])
    assert adopted.output == "Gebiedsagenda WK999902 2027 versie 1 vastgesteld.\n"
    shown = loaded.invoke(main, ["agenda", "show", OUDE_HAVEN, "2027"])
    body = json.loads(shown.output)
    assert [v["status"] for v in body["versions"]] == ["adopted"]
    assert [p["key"] for p in body["versions"][0]["priorities"]] == ["warmte", "rondkomen"]
    assert body["versions"][0]["priorities"][1] == {
        "key": "rondkomen",
        "title": "Niemand valt tussen wal en schip",
        "result": "",
        "indicators": [],
        "team": "opgaveteam-bestaanszekerheid",
        "challenges": ["bestaanszekerheid"],
        "buurten": [],
    }
    before = loaded.invoke(main, ["agenda", "show", OUDE_HAVEN, "2027", "--as-of", "2020-01-01"])
    assert before.exit_code == 1 and "geen gebiedsagenda" in before.output
    frozen = loaded.invoke(main, ["agenda", "draft", OUDE_HAVEN, "2027", str(path)])
    assert frozen.exit_code == 1  # adopted: revise first


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (DRAFT_FILE.replace("team: opgaveteam-energie", "team: geen-team"),
         "priorities.0.team: Dit team bestaat niet."),
        (DRAFT_FILE.replace("buurten: [BU99990202]", "buurten: [BU99990101]"),
         "priorities.0.buurten.0: Dit gebied ligt niet in het gebied van de agenda."),
        (DRAFT_FILE.replace("challenges: [bestaanszekerheid]", "challenges: [geen]"),
         "priorities.1.challenges.0: Deze opgave bestaat niet."),
        (DRAFT_FILE.replace("key: rondkomen", "key: warmte"),
         "priorities.1.key: Deze code staat al eerder in de lijst."),
        (DRAFT_FILE.replace("key: rondkomen", "key: Rond komen"),
         "priorities.1.key: Gebruik 1 tot 40 kleine letters, cijfers en -, beginnend met een"
         " letter."),
        (DRAFT_FILE.replace("reason: Eerste gebiedsagenda na de buurtgesprekken\n", ""),
         "reason: Dit veld is verplicht."),
    ],
)  # fmt: skip
def test_a_bad_draft_file_exits_2_naming_the_field(
    loaded: CliRunner, tmp_path: Path, text: str, line: str
) -> None:
    path = tmp_path / "agenda.yaml"
    path.write_text(text, encoding="utf-8")
    result = loaded.invoke(main, ["agenda", "draft", OUDE_HAVEN, "2027", str(path)])
    assert result.exit_code == 2, result.output
    assert line in result.output.splitlines()


def test_regie_decides_the_order_of_the_challenges_stacking_in_an_area(demo: Container) -> None:
    app = demo.app
    # By hand from the demo's teams.yaml: Havenfront (BU99990202) is a focus area of
    # energietransitie, bestaanszekerheid and veilig-opgroeien; so all three land in its wijk
    # Oude Haven too. Centrum's buurt BU99990101 is a focus area of klimaatadaptatie only.
    assert app.challenges_landing(HAVENFRONT) == [
        "energietransitie",
        "bestaanszekerheid",
        "veilig-opgroeien",
    ]
    assert app.challenges_landing(OUDE_HAVEN) == app.challenges_landing(HAVENFRONT)
    assert app.challenges_landing(CENTRUM_BUURT) == ["klimaatadaptatie"]
    assert app.challenge_order(OUDE_HAVEN) is None
    with clock_at(app, FEB):
        order = ["bestaanszekerheid", "veilig-opgroeien", "energietransitie"]
        assert app.decide_challenge_order(OUDE_HAVEN, order, "armoede eerst", REGIE)
        assert not app.decide_challenge_order(OUDE_HAVEN, order, "nogmaals", REGIE)
    decided = app.challenge_order(OUDE_HAVEN)
    assert decided is not None
    assert decided.order == order
    assert (decided.decided_at, decided.decided_by, decided.reason) == (
        FEB,
        "staff:rita",
        "armoede eerst",
    )
    # As it was: nothing decided before February, the order from then on.
    assert app.challenge_order_as_of(OUDE_HAVEN, datetime(2027, 2, 1, tzinfo=UTC)) is None
    then = app.challenge_order_as_of(OUDE_HAVEN, datetime(2027, 2, 16, tzinfo=UTC))
    assert then is not None and then.order == order
    assert [decided.rank(c) for c in ("bestaanszekerheid", "energietransitie", "x")] == [
        1,
        3,
        None,
    ]
    with pytest.raises(InvalidChoice) as stray:
        app.decide_challenge_order(OUDE_HAVEN, ["klimaatadaptatie"], "hoort hier niet", REGIE)
    assert stray.value.field == "order"
    with pytest.raises(InvalidChoice) as twice:
        app.decide_challenge_order(OUDE_HAVEN, ["bestaanszekerheid"] * 2, "dubbel", REGIE)
    assert twice.value.field == "order"


def test_the_demo_has_agendas_and_regie_s_order_where_challenges_stack(
    tmp_path: Path,
) -> None:
    container = build(Settings(var_dir=tmp_path / "var"))
    try:
        app = container.app
        load_demo(app)
        year = str(app.clock().year)
        # By hand from demo/data/agendas.yaml.
        states = {(a.area, a.period): a.latest.status for a in app.agendas() if a.latest}
        assert states == {
            ("WK999901", year): "adopted",
            (OUDE_HAVEN, year): "adopted",
            ("WK999903", year): "adopted",
            ("WK999904", year): "draft",
        }
        stacked = app.agenda(OUDE_HAVEN, year)
        assert stacked is not None and stacked.adopted is not None
        assert [p.key for p in stacked.adopted.priorities] == ["rondkomen", "spelen", "warmte"]
        order = app.challenge_order(OUDE_HAVEN)
        assert order is not None
        assert order.order == ["bestaanszekerheid", "veilig-opgroeien", "energietransitie"]
        assert len(app.challenges_landing(OUDE_HAVEN)) >= 3
        # Demo initiatives are linked, each inside the agenda's area.
        index = app.area_index()
        links = [(a, link) for a in app.agendas() for link in a.links.values()]
        assert any(a.area == OUDE_HAVEN for a, _ in links)
        for agenda, link in links:
            place = app.get_initiative(link.initiative_id).location.area_code
            assert agenda.area in index.ancestors(place)
            assert link.suggested and link.reason
    finally:
        container.close()
