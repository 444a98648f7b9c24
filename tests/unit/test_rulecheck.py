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
from participatie.domain.values import THEMES

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
