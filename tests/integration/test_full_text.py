"""Full-text search with Dutch stems, on SQLite and PostgreSQL: the public finds only what is
public, by its public text; staff find their initiatives by title and description. The
expected hits are written by hand for a fixture of Dutch texts where stemming matters."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.commands import HidePublicText
from participatie.domain.values import Actor, Role
from participatie.views.projector import Projector, ViewsProjection, check
from participatie.views.queries.search import PublicFilters, public_search
from participatie.views.words import words
from tests.conftest import submission
from tests.services import catch_up

REGIE = Actor("u-regie", Role.REGIE, "regie")
WEST, EAST = "BU00010101", "BU00010102"
# key: (title, description, buurt, theme, consent, submitted)
TEXTS = {
    "speeltuin": (
        "Nieuwe speeltuin in het Westpark",
        "De oude toestellen zijn kapot; kinderen spelen nu op straat.",
        WEST,
        "groen",
        True,
        datetime(2026, 3, 2, 9, tzinfo=UTC),
    ),
    "boom": (
        "Omgewaaide boom op het fietspad",
        "Na de storm ligt er een boom dwars over het pad.",
        EAST,
        "openbare_ruimte",
        True,
        datetime(2026, 4, 6, 9, tzinfo=UTC),
    ),
    "bankjes": (
        "Bankjes bij de vijver",
        "Ouderen willen even kunnen uitrusten bij de speeltuinen en de bomen.",
        WEST,
        "openbare_ruimte",
        True,
        datetime(2026, 5, 4, 9, tzinfo=UTC),
    ),
    "geheim": (
        "Boom voor mijn deur",
        "Deze tekst mag niet openbaar: de indiener gaf geen toestemming.",
        EAST,
        "groen",
        False,
        datetime(2026, 6, 1, 9, tzinfo=UTC),
    ),
    "verborgen": (
        "Speeltuin met kapotte schommel",
        "Een moderator heeft deze tekst verborgen.",
        WEST,
        "groen",
        True,
        datetime(2026, 6, 8, 9, tzinfo=UTC),
    ),
}


@pytest.fixture
def stored(container: Container) -> dict[str, UUID]:
    app = container.app
    ids = {}
    for key, (title, description, area, theme, consent, at) in TEXTS.items():
        app.clock = lambda at=at: at
        data = SubmissionSchema(app.area_index()).load_submission(
            submission(
                title=title,
                description=description,
                themes=[theme],
                location={"area_code": area},
                consent_to_publish=consent,
            )
        )
        ids[key] = app.submit(data).initiative_id
    app.act(ids["verborgen"], HidePublicText(reason="Scheldwoord"), actor=REGIE)
    catch_up(Projector(ViewsProjection(container.views, app)))
    return ids


def found(container: Container, ids: dict[str, UUID], text: str, **filters: object) -> list[str]:
    names = {str(v): k for k, v in ids.items()}
    page = public_search(container.views, PublicFilters(tuple(words(text)), **filters))  # type: ignore[arg-type]
    return [names[h.initiative_id] for h in page.items]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("speeltuinen", ["bankjes", "speeltuin"]),  # "speeltuin" in a title, plural in a text
        ("speeltuin", ["bankjes", "speeltuin"]),
        ("bomen", ["bankjes", "boom"]),  # "boom" finds "bomen" and back
        ("boom", ["bankjes", "boom"]),
        ("Boom fietspad", ["boom"]),  # every word must match
        ("BOMEN storm", ["boom"]),
        ("kinderen", ["speeltuin"]),
        ("schommel", []),  # hidden by a moderator: nothing of it is searched
        ("toestemming", []),  # no consent: never public
        ("tuin", []),  # compound words are not split
    ],
)
def test_the_public_finds_published_text_by_dutch_stems(
    container: Container, stored: dict[str, UUID], text: str, expected: list[str]
) -> None:
    assert found(container, stored, text) == expected


def test_filters_and_paging(container: Container, stored: dict[str, UUID]) -> None:
    assert found(container, stored, "", area=WEST) == ["bankjes", "speeltuin"]
    assert found(container, stored, "", area="WK000101") == ["bankjes", "boom", "speeltuin"]
    assert found(container, stored, "", theme="groen") == ["speeltuin"]
    assert found(container, stored, "bomen", theme="openbare_ruimte") == ["bankjes", "boom"]
    assert found(container, stored, "", status="submitted") == ["bankjes", "boom", "speeltuin"]
    assert found(container, stored, "", status="completed") == []
    april = datetime(2026, 4, 1, tzinfo=UTC)
    may = datetime(2026, 5, 1, tzinfo=UTC)
    assert found(container, stored, "", since=april) == ["bankjes", "boom"]
    assert found(container, stored, "", since=april, until=may) == ["boom"]
    # A page at a time: each published initiative once, newest first.
    seen, after = [], None
    while True:
        page = public_search(container.views, PublicFilters(), after=after, limit=2)
        seen += [h.initiative_id for h in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    names = {str(v): k for k, v in stored.items()}
    assert [names[i] for i in seen] == ["bankjes", "boom", "speeltuin"]


def test_the_stems_of_both_scopes_are_kept_and_checked(
    container: Container, stored: dict[str, UUID]
) -> None:
    views = container.views
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT scope, stem FROM {views.table('v_', 'initiative_stems')}"
                " WHERE initiative_id = ? ORDER BY scope, stem"
            ),
            [str(stored["geheim"])],
        )
        rows = [tuple(r) for r in c.fetchall()]
    # Without consent: the title only, for staff; nothing public. By hand: "Boom voor mijn deur".
    assert rows == [("staff", "boom"), ("staff", "deur"), ("staff", "mijn"), ("staff", "voor")]
    assert check(ViewsProjection(container.views, container.app))[1] == []


def test_staff_see_likely_duplicates_in_the_area_within_what_they_may_open(
    container: Container, stored: dict[str, UUID]
) -> None:
    """The detail page's likely duplicates of "Nieuwe speeltuin in het Westpark" (by hand: its
    meaningful stems are nieuw, speeltuin, westpark): open initiatives in the same buurt that
    share two of them, most shared first; never itself, another buurt or a closed one; and
    only what the staff member may open."""
    from participatie.domain.commands import Withdraw
    from participatie.domain.values import TeamKind
    from participatie.views.queries.search import Scope, likely_duplicates

    app = container.app
    system = Actor.system("test")
    app.register_team("west", "Gebiedsteam West", TeamKind.AREA, [], "west@example.org", system)
    rules = [{"id": "west", "lead": "west", "match": {"areas": [WEST]}}]
    app.publish_rulebook("1", "", 5, rules, system)
    more = {
        "drie": ("Nieuwe speeltuin Westpark", WEST),  # three shared
        "twee": ("Speeltuin in het Westpark opknappen", WEST),  # two shared
        "oost": ("Nieuwe speeltuin in het Westpark", EAST),  # another buurt
        "een": ("Het Westpark schoonmaken", WEST),  # one shared
        "dicht": ("Speeltuin Westpark vernieuwen", WEST),  # closed below
    }
    ids = dict(stored)
    for key, (title, area) in more.items():
        data = SubmissionSchema(app.area_index()).load_submission(
            submission(title=title, location={"area_code": area})
        )
        ids[key] = app.submit(data).initiative_id
    app.route_initiative(ids["twee"], system)
    app.act(ids["dicht"], Withdraw(reason="Dubbel"), actor=REGIE)
    catch_up(Projector(ViewsProjection(container.views, app)))
    names = {str(v): k for k, v in ids.items()}

    def duplicates(scope: Scope) -> list[tuple[str, int]]:
        found = likely_duplicates(
            container.views,
            str(ids["speeltuin"]),
            WEST,
            "Nieuwe speeltuin in het Westpark",
            scope,
        )
        return [(names[hit.initiative_id], shared) for hit, shared in found]

    assert duplicates(Scope(everything=True)) == [("drie", 3), ("twee", 2)]
    assert duplicates(Scope(everything=False, lead=("west",))) == [("twee", 2)]
    assert duplicates(Scope(everything=False, involved=("west",))) == []
    assert duplicates(Scope(everything=False)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # By hand, from TEXTS: staff search the title (a word's start) and the stems of title
        # and description, public or not; "verborgen" is hidden from the public only.
        ("speeltuinen", ["verborgen", "bankjes", "speeltuin"]),  # stems: titles, a description
        ("speel", ["verborgen", "speeltuin"]),  # the start of a title word
        ("bomen", ["geheim", "bankjes", "boom"]),  # "Boom voor mijn deur" has no consent
        ("kinderen", ["speeltuin"]),  # in a description only
        ("schommel kapot", ["verborgen"]),  # "kapotte" by its start, "schommel" by both
        ("tuin", []),  # compounds are not split, and no title word starts with it
    ],
)
def test_staff_find_by_dutch_stems_of_title_and_description(
    container: Container, stored: dict[str, UUID], text: str, expected: list[str]
) -> None:
    from participatie.views.queries.search import Scope, by_title

    names = {str(v): k for k, v in stored.items()}
    page = by_title(container.views, words(text), Scope(everything=True))
    assert [names[h.initiative_id] for h in page.items] == expected
    assert by_title(container.views, words(text), Scope(everything=False)).items == []
