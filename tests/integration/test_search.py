"""The staff search on SQLite and PostgreSQL, against a hand-written table of five initiatives.

    #  title                                  lead    involved  submitted (UTC)
    1  Buurtmoestuin aan de Graanstraat       team-a  –         1 March
    2  Moestuin bij de school                 team-b  team-a    2 March
    3  Café en buurtkeuken                    team-b  –         3 March
    4  Buurthuis open op zondag               team-b  –         4 March
    5  Speeltuin Buurtmoestuinstraat          team-a  –         5 March (to team-b on 6 March)

A word given must start a title word (case and accents aside); results come newest first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import Forward, Route
from participatie.domain.values import Actor, Role, RoutingDecision, TeamKind
from participatie.staff import search
from participatie.views.projector import Projector, ViewsProjection, check
from participatie.views.queries.search import Scope, by_id_prefix, by_title
from tests.conftest import submission
from tests.services import catch_up

ADMIN = Actor("u-admin", Role.ADMIN)
ROUTER = Actor.system("router")
TABLE = [
    ("Buurtmoestuin aan de Graanstraat", "team-a", ()),
    ("Moestuin bij de school", "team-b", ("team-a",)),
    ("Café en buurtkeuken", "team-b", ()),
    ("Buurthuis open op zondag", "team-b", ()),
    ("Speeltuin Buurtmoestuinstraat", "team-a", ()),
]
EVERYTHING = Scope(everything=True)
TEAM_A = Scope(everything=False, lead=("team-a",), involved=("team-a",))
TEAM_C = Scope(everything=False, lead=("team-c",), involved=("team-c",))
NOBODY = Scope(everything=False)


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, tzinfo=UTC)


@pytest.fixture
def built(container: Container) -> tuple[Container, list[str], list[str]]:
    """The table, projected: the container, the ids (as text) and the tracking codes."""
    app = container.app
    for code in ("team-a", "team-b", "team-c", "regie"):
        kind = TeamKind.REGIE if code == "regie" else TeamKind.AREA
        app.register_team(code, code.title(), kind, [], None, ADMIN)
    schema = SubmissionSchema(app.area_index())
    ids, codes = [], []
    for day, (title, lead, involved) in enumerate(TABLE, start=1):
        data = submission(title=title, location={"area_code": "BU00010101"})
        result = app.submit(schema.load_submission(data), at=at(day))
        decision = RoutingDecision(lead, involved, "r", "2026-1", "v1", 5, "regel")
        app.act(result.initiative_id, Route(decision=decision), actor=ROUTER, at=at(day))
        ids.append(str(result.initiative_id))
        codes.append(result.tracking_code)
    manager = Actor("u-a", Role.AREA_MANAGER, "team-a")
    app.act(UUID(ids[4]), Forward(to_team="team-b", reason="Hoort bij B"), actor=manager, at=at(6))
    catch_up(Projector(ViewsProjection(container.views, app)))
    return container, ids, codes


def numbers(ids: list[str], found: list[str]) -> list[int]:
    return [ids.index(i) + 1 for i in found]


@pytest.mark.parametrize(
    ("words", "scope", "expected"),
    [
        (["buurtmoestuin"], EVERYTHING, [5, 1]),
        (["buurt"], EVERYTHING, [5, 4, 3, 1]),
        (["moestuin"], EVERYTHING, [2]),  # the start of a word, not its middle
        (["cafe"], EVERYTHING, [3]),  # accents aside
        (["buurt", "zondag"], EVERYTHING, [4]),
        (["buurtmoestuin", "graan"], EVERYTHING, [1]),
        (["schoolplein"], EVERYTHING, []),
        (["buurt"], TEAM_A, [1]),  # 5 went to team-b
        (["moestuin"], TEAM_A, [2]),  # involved
        (["buurt"], TEAM_C, []),
        (["buurt"], NOBODY, []),
    ],
)
def test_title_words_find_the_hand_written_rows(
    built: tuple[Container, list[str], list[str]],
    words: list[str],
    scope: Scope,
    expected: list[int],
) -> None:
    container, ids, _ = built
    page = by_title(container.views, words, scope)
    assert numbers(ids, [hit.initiative_id for hit in page.items]) == expected
    assert page.next_cursor is None


def test_a_hit_says_title_status_area_team_and_submission(
    built: tuple[Container, list[str], list[str]],
) -> None:
    container, _, _ = built
    [hit] = by_title(container.views, ["graanstraat"], EVERYTHING).items
    assert (hit.title, hit.status, hit.area_code, hit.lead_team, hit.submitted_at) == (
        "Buurtmoestuin aan de Graanstraat",
        "routed",
        "BU00010101",
        "team-a",
        datetime(2026, 3, 1, 9, tzinfo=UTC),
    )


def test_pages_follow_each_other_by_the_last_id(
    built: tuple[Container, list[str], list[str]],
) -> None:
    container, ids, _ = built
    first = by_title(container.views, ["buurt"], EVERYTHING, limit=2)
    assert numbers(ids, [h.initiative_id for h in first.items]) == [5, 4]
    assert first.next_cursor == ids[3]
    second = by_title(container.views, ["buurt"], EVERYTHING, after=first.next_cursor, limit=2)
    assert numbers(ids, [h.initiative_id for h in second.items]) == [3, 1]
    assert second.next_cursor is None


def test_the_start_of_an_id_finds_it_within_the_scope(
    built: tuple[Container, list[str], list[str]],
) -> None:
    container, ids, _ = built
    start = ids[1][:8]
    assert numbers(
        ids, [h.initiative_id for h in by_id_prefix(container.views, start, EVERYTHING).items]
    ) == [2]
    assert numbers(
        ids, [h.initiative_id for h in by_id_prefix(container.views, ids[1][:13], TEAM_A).items]
    ) == [2]
    assert by_id_prefix(container.views, start, TEAM_C).items == []


def test_the_word_table_stays_equal_to_a_replay(
    built: tuple[Container, list[str], list[str]],
) -> None:
    container, _, _ = built
    position, differences = check(ViewsProjection(container.views, container.app))
    assert position > 0
    assert differences == []


@pytest.mark.parametrize(
    ("role", "teams", "found"),
    [
        (Role.AUDITOR, (), True),
        (Role.REGIE, ("regie",), True),
        (Role.AREA_MANAGER, ("team-a",), True),  # leads #1
        (Role.TEAM_MEMBER, ("team-a",), True),
        (Role.AREA_MANAGER, ("team-b",), False),
        (Role.ADMIN, (), False),
    ],
)
def test_a_tracking_code_or_an_id_finds_one_initiative_within_access(
    built: tuple[Container, list[str], list[str]], role: Role, teams: tuple[str, ...], found: bool
) -> None:
    container, ids, codes = built
    expected = UUID(ids[0]) if found else None
    for text in (codes[0], codes[0].lower().replace("-", " "), ids[0], ids[0][:10]):
        query = search.read(text)
        result = search.find(container.app, container.views, role, teams, query)
        assert result.exact == expected, text


def test_words_of_a_title_are_no_exact_hit(
    built: tuple[Container, list[str], list[str]],
) -> None:
    container, ids, _ = built
    result = search.find(
        container.app, container.views, Role.AUDITOR, (), search.read("Graanstraat")
    )
    assert result.exact is None
    assert numbers(ids, [h.initiative_id for h in result.page.items]) == [1]
