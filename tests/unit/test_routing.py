"""route(facts, rulebook): deterministic, one lead team, most specific wins, regie fallback."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from participatie.domain.routing import Book, ChallengeFacts, RoutingFacts, Rule, match, route
from participatie.domain.values import REGIE_TEAM

THEMES = ("groen", "energie", "verkeer", "veiligheid", "wonen")


CHAINS = {
    "BU00010101": ("BU00010101", "WK000101", "GM0001"),
    "BU00010102": ("BU00010102", "WK000101", "GM0001"),
    "BU00010201": ("BU00010201", "WK000102", "GM0001"),
    "WK000101": ("WK000101", "GM0001"),
    "GM0001": ("GM0001",),
}
AREAS = sorted({code for chain in CHAINS.values() for code in chain})
KINDS = ("resident", "business", "organisation")
TEAMS = ("gebied-noord", "gebied-zuid", "lijn-verkeer", "opgave-energie", "regie")
CHALLENGES = {
    "energie": ChallengeFacts("energie", "opgave-energie", ("energie", "wonen"), ("BU00010101",))
}


def facts(area: str = "BU00010101", themes: tuple[str, ...] = ("groen",), kind: str = "resident"):  # type: ignore[no-untyped-def]
    return RoutingFacts(area, CHAINS[area], themes, kind, "v1")


def book(*rules: Rule) -> Book:
    return Book("2026-1", 5, rules, CHALLENGES)


rules_strategy = st.builds(
    Rule,
    id=st.text("abcdefgh-", min_size=2, max_size=6),
    lead=st.sampled_from(TEAMS),
    priority=st.integers(0, 3),
    areas=st.lists(st.sampled_from(AREAS), max_size=2).map(tuple),
    themes=st.lists(st.sampled_from(THEMES[:5]), max_size=2).map(tuple),
    initiator_kinds=st.lists(st.sampled_from(KINDS), max_size=2).map(tuple),
    challenge=st.sampled_from([None, None, "energie"]),
    involved=st.lists(st.sampled_from(TEAMS), max_size=2).map(tuple),
    acceptance_days=st.sampled_from([None, 3, 10]),
)
facts_strategy = st.builds(
    facts,
    area=st.sampled_from(sorted(CHAINS)),
    themes=st.lists(st.sampled_from(THEMES[:5]), min_size=1, max_size=3, unique=True).map(tuple),
    kind=st.sampled_from(KINDS),
)


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(rules_strategy, max_size=8, unique_by=lambda r: r.id), f=facts_strategy)
def test_routing_is_deterministic_whatever_the_rule_order(
    rules: list[Rule], f: RoutingFacts
) -> None:
    first = route(f, book(*rules))
    shuffled = rules[:]
    random.Random(len(rules)).shuffle(shuffled)
    assert route(f, book(*shuffled)) == first
    assert route(f, book(*rules)) == first


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(rules_strategy, max_size=8, unique_by=lambda r: r.id), f=facts_strategy)
def test_exactly_one_lead_team_and_the_winner_is_a_best_match(
    rules: list[Rule], f: RoutingFacts
) -> None:
    decision = route(f, book(*rules))
    assert decision.lead_team in TEAMS
    assert decision.lead_team not in decision.involved_teams
    matches = [m for m in (match(r, f, book(*rules)) for r in rules) if m is not None]
    if not matches:
        assert (decision.lead_team, decision.rule_id) == (REGIE_TEAM, None)
        assert decision.acceptance_days == 5
        return
    winner = next(m for m in matches if m.rule.id == decision.rule_id)
    assert all(m.key <= winner.key for m in matches)
    assert decision.lead_team == winner.rule.lead
    assert decision.candidates[0]["rule"] == winner.rule.id
    assert len(decision.candidates) == len(matches)


@given(f=facts_strategy)
def test_no_rules_means_regie(f: RoutingFacts) -> None:
    decision = route(f, book())
    assert decision.lead_team == REGIE_TEAM
    assert decision.explanation.startswith("Geen regel")


def test_buurt_beats_wijk_beats_municipality() -> None:
    rules = (
        Rule("gemeente", "regie", areas=("GM0001",)),
        Rule("wijk", "gebied-noord", areas=("WK000101",)),
        Rule("buurt", "gebied-zuid", areas=("BU00010101",)),
    )
    assert route(facts("BU00010101"), book(*rules)).rule_id == "buurt"
    assert route(facts("BU00010102"), book(*rules)).rule_id == "wijk"
    assert route(facts("BU00010201"), book(*rules)).rule_id == "gemeente"
    decision = route(facts("BU00010101"), book(*rules))
    assert "kleiner gebied" in decision.explanation
    assert [c["rule"] for c in decision.candidates] == ["buurt", "wijk", "gemeente"]


def test_challenge_focus_area_with_theme_leads_and_area_team_is_involved() -> None:
    rules = (
        Rule("buurt", "gebied-noord", areas=("BU00010101",)),
        Rule("energie", "opgave-energie", challenge="energie"),
    )
    decision = route(facts("BU00010101", ("energie",)), book(*rules))
    assert (decision.lead_team, decision.involved_teams) == ("opgave-energie", ("gebied-noord",))
    assert "opgave" in decision.explanation
    # Without a shared theme, or outside the focus area, the challenge does not land.
    assert route(facts("BU00010101", ("groen",)), book(*rules)).lead_team == "gebied-noord"
    assert route(facts("BU00010102", ("energie",)), book(*rules)).lead_team == "regie"


def test_priority_breaks_a_tie_between_equally_specific_rules() -> None:
    rules = (
        Rule("laag", "gebied-noord", priority=1, areas=("WK000101",)),
        Rule("hoog", "lijn-verkeer", priority=5, areas=("WK000101",)),
    )
    decision = route(facts("BU00010102"), book(*rules))
    assert decision.rule_id == "hoog"
    assert "hogere prioriteit" in decision.explanation


def test_business_only_rule_beats_a_plain_area_rule_for_businesses_only() -> None:
    rules = (
        Rule("wijk", "gebied-noord", areas=("WK000101",)),
        Rule("ondernemers", "lijn-verkeer", themes=("ondernemen",), initiator_kinds=("business",)),
    )
    business = facts("BU00010101", ("ondernemen",), "business")
    resident = facts("BU00010101", ("ondernemen",), "resident")
    assert route(business, book(*rules)).rule_id == "ondernemers"
    assert route(resident, book(*rules)).rule_id == "wijk"


def test_decision_records_versions_facts_and_acceptance_days() -> None:
    rules = (Rule("wijk", "gebied-noord", areas=("WK000101",), acceptance_days=3),)
    decision = route(facts("BU00010101"), book(*rules))
    assert (decision.rulebook_version, decision.map_version) == ("2026-1", "v1")
    assert decision.acceptance_days == 3
    assert decision.facts["area_chain"] == ["BU00010101", "WK000101", "GM0001"]
