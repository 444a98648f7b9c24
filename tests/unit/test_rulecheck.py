"""Rulebook checks: unknown references and ambiguous rules are refused, naming rule and field."""

from __future__ import annotations

import pytest

from participatie.domain.routing import Book, ChallengeFacts, Rule
from participatie.domain.rulecheck import (
    RuleBookInvalid,
    RuleProblem,
    check_ambiguity,
    check_book,
    check_references,
)

# The starting theme list, written out by hand.
THEMES = (
    "groen", "energie", "verkeer", "veiligheid", "wonen", "armoede",
    "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
)  # fmt: skip

TEAMS = ["regie", "noord", "zuid", "groen-team", "opgave-team"]
# GM0001 → WK01 → BU0101, BU0102; GM0001 → WK02 → BU0201
CHAINS = [
    ["GM0001"],
    ["WK01", "GM0001"],
    ["WK02", "GM0001"],
    ["BU0101", "WK01", "GM0001"],
    ["BU0102", "WK01", "GM0001"],
    ["BU0201", "WK02", "GM0001"],
]
AREAS = sorted({code for chain in CHAINS for code in chain})
CHALLENGE = ChallengeFacts("klimaat", "opgave-team", ("groen",), ("BU0102",))


def book(*rules: Rule) -> Book:
    return Book("t", 5, tuple(rules), {"klimaat": CHALLENGE})


def problems(*rules: Rule) -> list[RuleProblem]:
    return check_book(book(*rules), TEAMS, AREAS, THEMES, CHAINS)


def test_a_sound_rulebook_has_no_problems() -> None:
    assert (
        problems(
            Rule("wijk-1", "noord", areas=("WK01",)),
            Rule("wijk-2", "zuid", areas=("WK02",)),
            Rule("buurt-groen", "groen-team", areas=("BU0101",), themes=("groen",)),
            Rule("klimaat", "opgave-team", challenge="klimaat"),
        )
        == []
    )


@pytest.mark.parametrize(
    ("rule", "field", "culprit"),
    [
        (Rule("r1", "nergens"), "lead", "nergens"),
        (Rule("r1", "noord", involved=("zuid", "spook")), "involved", "spook"),
        (Rule("r1", "noord", areas=("WK99",)), "match.areas", "WK99"),
        (Rule("r1", "noord", themes=("astrologie",)), "match.themes", "astrologie"),
        (Rule("r1", "noord", challenge="onbekend"), "match.challenge", "onbekend"),
    ],
)
def test_an_unknown_reference_names_the_rule_and_the_field(
    rule: Rule, field: str, culprit: str
) -> None:
    found = check_references(book(rule), TEAMS, AREAS, THEMES)
    assert [(p.rule, p.field) for p in found] == [("r1", field)]
    assert culprit in found[0].message


def test_equal_priority_equally_specific_overlapping_rules_with_different_leads_are_refused() -> (
    None
):
    found = problems(
        Rule("groen-a", "noord", themes=("groen",), priority=5),
        Rule("verkeer-b", "zuid", themes=("verkeer",), priority=5),
    )
    # An initiative about groen and verkeer matches both; only the rule id would decide.
    assert [(p.rule, p.field) for p in found] == [("verkeer-b", "priority")]
    assert "groen-a" in found[0].message


def test_different_priority_breaks_the_tie() -> None:
    assert (
        problems(
            Rule("groen-a", "noord", themes=("groen",), priority=5),
            Rule("verkeer-b", "zuid", themes=("verkeer",), priority=6),
        )
        == []
    )


def test_same_outcome_is_no_conflict() -> None:
    assert (
        problems(
            Rule("groen-a", "noord", themes=("groen",)),
            Rule("verkeer-b", "noord", themes=("verkeer",)),
        )
        == []
    )


def test_rules_in_disjoint_areas_do_not_conflict() -> None:
    assert (
        problems(Rule("a", "noord", areas=("BU0101",)), Rule("b", "zuid", areas=("BU0102",))) == []
    )


def test_a_wijk_and_its_buurt_differ_in_specificity_so_they_do_not_conflict() -> None:
    assert problems(Rule("a", "noord", areas=("WK01",)), Rule("b", "zuid", areas=("BU0101",))) == []


def test_overlapping_area_lists_at_the_same_depth_conflict() -> None:
    found = problems(
        Rule("a", "noord", areas=("BU0101", "BU0201")),
        Rule("b", "zuid", areas=("BU0201",)),
    )
    assert [(p.rule, p.field) for p in found] == [("b", "priority")]
    assert "BU0201" in found[0].message


def test_different_initiator_kinds_never_match_the_same_initiative() -> None:
    assert (
        problems(
            Rule("a", "noord", initiator_kinds=("business",)),
            Rule("b", "zuid", initiator_kinds=("resident",)),
        )
        == []
    )


def test_challenge_rules_conflict_where_their_focus_areas_meet() -> None:
    other = ChallengeFacts("hitte", "groen-team", ("groen",), ("BU0102",))
    b = Book(
        "t",
        5,
        (
            Rule("klimaat", "opgave-team", challenge="klimaat"),
            Rule("hitte", "groen-team", challenge="hitte"),
        ),
        {"klimaat": CHALLENGE, "hitte": other},
    )
    found = check_ambiguity(b, CHAINS)
    assert [(p.rule, p.field) for p in found] == [("klimaat", "priority")]


def test_the_exception_lists_every_problem() -> None:
    error = RuleBookInvalid([RuleProblem("r1", "lead", "onbekend team 'x'")])
    assert "regel r1, veld lead: onbekend team 'x'" in str(error)


# -- the ambiguity check, pair by pair: expected problems written out by hand ------------------

HITTE = ChallengeFacts("hitte", "groen-team", ("groen",), ("BU0102",))
LEEG = ChallengeFacts("leeg", "groen-team", (), ("BU0102",))  # no themes: can never match
R = Rule
AMBIGUITY = [
    # (rules, [(rule named, rule it conflicts with, area in the message)])
    ([R("a", "noord"), R("b", "zuid")], [("b", "a", "GM0001")]),
    ([R("a", "noord"), R("b", "zuid", priority=1)], []),
    ([R("a", "noord", involved=("zuid",)), R("b", "noord")], [("b", "a", "GM0001")]),
    ([R("a", "noord", involved=("noord",)), R("b", "noord")], []),  # the lead is not involved
    (
        [R("a", "noord", involved=("zuid", "regie")), R("b", "noord", involved=("regie", "zuid"))],
        [],
    ),
    (
        [
            R("a", "noord", initiator_kinds=("business", "resident")),
            R("b", "zuid", initiator_kinds=("resident",)),
        ],
        [("b", "a", "GM0001")],
    ),
    ([R("a", "noord", initiator_kinds=("resident",)), R("b", "zuid")], []),  # more specific
    (
        [R("a", "noord", areas=("WK01", "BU0101")), R("b", "zuid", areas=("BU0101",))],
        [("b", "a", "BU0101")],
    ),
    (
        [R("a", "noord", areas=("WK01",)), R("b", "zuid", areas=("WK01", "WK02"))],
        [("b", "a", "WK01")],
    ),
    ([R("a", "noord", challenge="klimaat"), R("b", "zuid", areas=("BU0102",))], []),
    ([R("a", "noord", challenge="leeg"), R("b", "zuid", challenge="leeg")], []),
    (
        [
            R("a", "opgave-team", challenge="klimaat", areas=("WK01",)),
            R("b", "groen-team", challenge="hitte", areas=("BU0102",)),
        ],
        [("b", "a", "BU0102")],
    ),
    (
        [
            R("a", "noord", themes=("groen",)),
            R("b", "zuid", themes=("verkeer",)),
            R("c", "regie", themes=("water",)),
        ],
        [("b", "a", "GM0001"), ("c", "a", "GM0001"), ("c", "b", "GM0001")],
    ),
    # a theme rule and a municipality-wide area rule: the area is nearer, so no tie
    ([R("a", "noord", themes=("groen",)), R("b", "zuid", areas=("GM0001",))], []),
    # a rule that does not match a chain does not hide the others there
    ([R("x", "noord", areas=("WK02",)), R("a", "noord"), R("b", "zuid")], [("b", "a", "GM0001")]),
    # an initiator-kind rule and a theme rule: one initiative can meet both
    (
        [R("a", "noord", initiator_kinds=("resident",)), R("b", "zuid", themes=("groen",))],
        [("b", "a", "GM0001")],
    ),
    # a pair that can never share an initiative does not hide the pairs after it
    (
        [
            R("a", "noord", initiator_kinds=("business",)),
            R("b", "zuid", initiator_kinds=("resident",)),
            R("c", "regie", initiator_kinds=("resident",)),
        ],
        [("c", "b", "GM0001")],
    ),
    # a pair with the same outcome does not hide the pairs after it
    (
        [R("a", "noord"), R("b", "noord", involved=("noord",)), R("c", "zuid")],
        [("c", "a", "GM0001"), ("c", "b", "GM0001")],
    ),
]


@pytest.mark.parametrize(("rules", "expected"), AMBIGUITY)
def test_the_ambiguity_check_pair_by_pair(
    rules: list[Rule], expected: list[tuple[str, str, str]]
) -> None:
    b = Book("t", 5, tuple(rules), {"klimaat": CHALLENGE, "hitte": HITTE, "leeg": LEEG})
    found = check_ambiguity(b, CHAINS)
    assert len(set(found)) == len(found)  # problems are values: hashable, each once
    assert [(p.rule, p.field) for p in found] == [(rule, "priority") for rule, _, _ in expected]
    leads = {r.id: r.lead for r in rules}
    priorities = {r.id: r.priority for r in rules}
    for problem, (rule, other, area) in zip(found, expected, strict=True):
        assert problem.message == (
            f"gelijke prioriteit ({priorities[rule]}) en even specifiek als regel {other}, "
            f"die ook kan gelden (bijvoorbeeld in gebied {area}) maar naar "
            f"'{leads[other]}' leidt in plaats van '{leads[rule]}'; geef een van beide een "
            "andere prioriteit"
        )


def test_every_unknown_reference_of_a_rule_is_named_in_order() -> None:
    rule = Rule(
        "r1",
        "nergens",
        areas=("WK01", "WK98", "WK99"),
        themes=("groen", "astrologie"),
        involved=("noord", "spook", "geest"),
        challenge="onbekend",
    )
    found = check_references(book(rule, Rule("r2", "noord")), TEAMS, AREAS, THEMES)
    assert [(p.rule, p.field, p.message) for p in found] == [
        ("r1", "lead", "onbekend team 'nergens'"),
        ("r1", "involved", "onbekend team 'spook'"),
        ("r1", "involved", "onbekend team 'geest'"),
        ("r1", "match.areas", "onbekend gebied 'WK98' op de kaart"),
        ("r1", "match.areas", "onbekend gebied 'WK99' op de kaart"),
        ("r1", "match.themes", "onbekend thema 'astrologie'"),
        ("r1", "match.challenge", "onbekende opgave 'onbekend'"),
    ]


def test_the_exception_counts_and_lists_the_problems() -> None:
    error = RuleBookInvalid([RuleProblem("r1", "lead", "x"), RuleProblem("r2", "involved", "y")])
    assert str(error) == (
        "het regelboek is afgekeurd (2 fouten):\n"
        "  - regel r1, veld lead: x\n"
        "  - regel r2, veld involved: y"
    )
    assert [p.rule for p in error.problems] == ["r1", "r2"]


def test_a_challenge_is_as_deep_as_its_nearest_focus_area() -> None:
    near = ChallengeFacts("dichtbij", "opgave-team", ("groen",), ("BU0101", "WK01"))
    far = ChallengeFacts("wijk", "groen-team", ("groen",), ("WK01",))
    b = Book(
        "t",
        5,
        (Rule("a", "opgave-team", challenge="dichtbij"), Rule("b", "groen-team", challenge="wijk")),
        {"dichtbij": near, "wijk": far},
    )
    # In buurt BU0101 "dichtbij" is a buurt deep and "wijk" a wijk deep: no tie there; they tie
    # only in wijk WK01 itself, which is what the problem names.
    chains = [["BU0101", "WK01", "GM0001"], ["WK01", "GM0001"]]
    [problem] = check_ambiguity(b, chains)
    assert problem.rule == "b" and "bijvoorbeeld in gebied WK01)" in problem.message


def test_an_area_constraint_and_a_far_focus_area_make_the_area_count() -> None:
    town = ChallengeFacts("stad", "opgave-team", ("groen",), ("GM0001",))
    near = ChallengeFacts("buurt", "groen-team", ("groen",), ("BU0101",))
    b = Book(
        "t",
        5,
        (
            Rule("a", "opgave-team", areas=("BU0101",), challenge="stad"),
            Rule("b", "groen-team", areas=("BU0101",), challenge="buurt"),
        ),
        {"stad": town, "buurt": near},
    )
    # Both are a buurt deep in BU0101 (a by its area, b by its area and focus): a tie there.
    [problem] = check_ambiguity(b, CHAINS)
    assert problem.rule == "b" and "bijvoorbeeld in gebied BU0101)" in problem.message


def test_a_retired_theme_is_named_as_retired_not_unknown() -> None:
    rule = Rule("r1", "noord", themes=("groen", "verkeer", "astrologie"))
    active = [t for t in THEMES if t != "verkeer"]
    found = check_references(book(rule), TEAMS, AREAS, active, retired=["verkeer"])
    assert found == [
        RuleProblem("r1", "match.themes", "thema 'verkeer' is ingetrokken"),
        RuleProblem("r1", "match.themes", "onbekend thema 'astrologie'"),
    ]
    # The whole check passes the retired themes on.
    whole = check_book(book(rule), TEAMS, AREAS, active, CHAINS, retired=["verkeer"])
    assert [p.message for p in whole] == [
        "thema 'verkeer' is ingetrokken",
        "onbekend thema 'astrologie'",
    ]
    # Without the list of retired themes, a retired one is simply unknown.
    assert [p.message for p in check_references(book(rule), TEAMS, AREAS, active)] == [
        "onbekend thema 'verkeer'",
        "onbekend thema 'astrologie'",
    ]
