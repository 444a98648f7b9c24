"""Oracle for routing: hand-written cases, each with the expected lead team and why it wins.

The rule (DESIGN.md §3, routing.py): most specific match wins, explicit priority breaks ties,
no match → regie. "Most specific" is, in this order:
  1. a challenge rule (focus area + shared theme) beats any plain rule;
  2. more constrained dimensions (area, theme, initiator kind, challenge) beat fewer;
  3. a nearer matched area beats a farther one: buurt > wijk > municipality > no area at all;
  4. then the higher explicit priority; 5. then the lowest rule id.
Every expectation below was worked out by hand from that rule, not by running the code.

The map (fictional):
  GM0001 municipality
  ├── WK000101 wijk Noord ── BU00010101 buurt Noord-A, BU00010102 buurt Noord-B
  └── WK000102 wijk Zuid  ── BU00010201 buurt Zuid-A
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from participatie.domain.routing import Book, ChallengeFacts, RoutingFacts, Rule, match, route
from participatie.domain.values import REGIE_TEAM

# Each area and every area above it, nearest first (written out by hand from the map above).
CHAINS: dict[str, tuple[str, ...]] = {
    "BU00010101": ("BU00010101", "WK000101", "GM0001"),
    "BU00010102": ("BU00010102", "WK000101", "GM0001"),
    "BU00010201": ("BU00010201", "WK000102", "GM0001"),
    "WK000101": ("WK000101", "GM0001"),
    "GM0001": ("GM0001",),
}

CHALLENGES: dict[str, ChallengeFacts] = {
    # Lands only in buurt Noord-A.
    "energie": ChallengeFacts(
        "energie", "opgaveteam-energie", ("energie", "wonen"), ("BU00010101",)
    ),
    # Lands in the whole municipality and, nearer, in buurt Zuid-A.
    "klimaat": ChallengeFacts(
        "klimaat", "opgaveteam-klimaat", ("groen",), ("GM0001", "BU00010201")
    ),
    # Lands in wijk Zuid.
    "groen-zuid": ChallengeFacts("groen-zuid", "opgaveteam-groen-zuid", ("groen",), ("WK000102",)),
}

DEFAULT_DAYS = 5
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # Area only, one rule per level.
        Rule("gemeente", "gebiedsteam-stad", areas=("GM0001",)),
        Rule("wijk-noord", "gebiedsteam-noord", areas=("WK000101",)),
        Rule("buurt-noord-a", "buurtteam-noord-a", areas=("BU00010101",), acceptance_days=3),
        # One rule naming two nested areas: its nearest match is what counts.
        Rule("stad-en-noord-a", "team-stad-en-noord-a", areas=("GM0001", "BU00010101")),
        # No area.
        Rule("thema-groen", "lijn-groen", themes=("groen",)),
        Rule("alleen-ondernemers", "ondernemersloket", initiator_kinds=("business",)),
        Rule("vangnet", "team-vangnet"),  # matches everything, constrains nothing
        # Two or three dimensions.
        Rule("noord-verkeer", "lijn-verkeer-noord", areas=("WK000101",), themes=("verkeer",)),
        Rule(
            "ondernemers",
            "lijn-economie",
            themes=("ondernemen",),
            initiator_kinds=("business",),
        ),
        Rule(
            "noord-a-energie-bewoners",
            "lijn-energie",
            areas=("BU00010101",),
            themes=("energie",),
            initiator_kinds=("resident",),
        ),
        # Challenges.
        Rule("opgave-energie", "opgaveteam-energie", challenge="energie", acceptance_days=10),
        Rule("opgave-klimaat", "opgaveteam-klimaat", challenge="klimaat"),
        Rule("opgave-groen-zuid", "opgaveteam-groen-zuid", challenge="groen-zuid"),
        # Priorities, all on wijk Noord or the municipality.
        Rule("prio-a-laag", "team-laag", priority=1, areas=("WK000101",)),
        Rule("prio-b-hoog", "team-hoog", priority=5, areas=("WK000101",)),
        Rule("prio-c-gelijk", "team-gelijk", priority=1, areas=("WK000101",)),
        Rule("gemeente-spoed", "team-spoed", priority=99, areas=("GM0001",)),
    )
}

# The phrases the explanation uses for why the winner beat the runner-up.
CHALLENGE_WINS = "een opgave met focusgebied en thema gaat voor een gewone regel"
MORE_CONDITIONS = "meer voorwaarden (specifieker)"
NEARER_AREA = "een kleiner gebied (specifieker)"
HIGHER_PRIORITY = "een hogere prioriteit"
LOWEST_ID = "gelijk, de laagste regel-id beslist"
ONLY_RULE = "is de enige passende regel"
NO_RULE = "Geen regel van toepassing"


@dataclass(frozen=True)
class Case:
    name: str
    rules: tuple[str, ...]  # the rulebook, by rule id, in this order
    area: str
    themes: tuple[str, ...]
    kind: str
    lead: str  # expected lead team
    winner: str | None  # expected rule id (None: no rule, regie)
    matched: tuple[str, ...]  # every matching rule, best first
    why: str  # the phrase the explanation must contain
    days: int  # acceptance days of the decision
    involved: tuple[str, ...] = ()


CASES: tuple[Case, ...] = (
    # --- nested areas ---------------------------------------------------------------------------
    # All three rules constrain only the area; the buurt is the nearest ancestor of the
    # initiative's buurt, then the wijk, then the municipality.
    Case(
        "buurt rule beats wijk and municipality rules",
        ("gemeente", "wijk-noord", "buurt-noord-a"),
        "BU00010101", ("groen",), "resident",
        "buurtteam-noord-a", "buurt-noord-a", ("buurt-noord-a", "wijk-noord", "gemeente"),
        NEARER_AREA, 3,
    ),
    # Same rulebook in the order buurt, wijk, municipality: the order of the rules is irrelevant.
    Case(
        "rule order does not matter for nested areas",
        ("buurt-noord-a", "gemeente", "wijk-noord"),
        "BU00010101", ("groen",), "resident",
        "buurtteam-noord-a", "buurt-noord-a", ("buurt-noord-a", "wijk-noord", "gemeente"),
        NEARER_AREA, 3,
    ),
    # The sibling buurt Noord-B is not inside buurt Noord-A: that rule does not match; the wijk
    # is then the nearest matching area.
    Case(
        "a sibling buurt is not matched by the other buurt's rule",
        ("gemeente", "wijk-noord", "buurt-noord-a"),
        "BU00010102", ("groen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord", "gemeente"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # Without a buurt rule, the wijk is nearer than the municipality.
    Case(
        "wijk rule beats municipality rule",
        ("gemeente", "wijk-noord"),
        "BU00010101", ("groen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord", "gemeente"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # Buurt Zuid-A lies in neither wijk Noord nor buurt Noord-A: only the municipality matches.
    Case(
        "another wijk falls back to the municipality rule",
        ("gemeente", "wijk-noord", "buurt-noord-a"),
        "BU00010201", ("groen",), "resident",
        "gebiedsteam-stad", "gemeente", ("gemeente",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # An initiative placed on the whole wijk is not inside buurt Noord-A (a buurt is below the
    # wijk, not above it), so the buurt rule does not match.
    Case(
        "an initiative on a wijk is not matched by a buurt rule inside it",
        ("gemeente", "wijk-noord", "buurt-noord-a"),
        "WK000101", ("groen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord", "gemeente"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # stad-en-noord-a names the municipality and buurt Noord-A; for an initiative in buurt
    # Noord-A its nearest match is the buurt, which is nearer than the wijk of wijk-noord.
    # (Counting its farthest match, the municipality, would wrongly hand it to wijk-noord.)
    Case(
        "a rule naming nested areas counts its nearest matching area",
        ("wijk-noord", "stad-en-noord-a"),
        "BU00010101", ("groen",), "resident",
        "team-stad-en-noord-a", "stad-en-noord-a", ("stad-en-noord-a", "wijk-noord"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # In buurt Noord-B stad-en-noord-a only matches through the municipality: the wijk wins.
    Case(
        "a rule naming nested areas matches a sibling buurt only through the municipality",
        ("wijk-noord", "stad-en-noord-a"),
        "BU00010102", ("groen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord", "stad-en-noord-a"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # --- area versus theme, number of conditions ------------------------------------------------
    # Both constrain one dimension; the municipality is an area and the theme rule has none,
    # so the municipality-wide rule is the more specific one.
    Case(
        "a municipality-wide rule beats a theme-only rule",
        ("thema-groen", "gemeente"),
        "BU00010101", ("groen",), "resident",
        "gebiedsteam-stad", "gemeente", ("gemeente", "thema-groen"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # Same with a wijk rule, in buurt Noord-B.
    Case(
        "a wijk rule beats a theme-only rule",
        ("thema-groen", "wijk-noord"),
        "BU00010102", ("groen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord", "thema-groen"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # The theme-only rule applies when no area rule does.
    Case(
        "a theme-only rule wins where no area rule matches",
        ("thema-groen", "wijk-noord"),
        "BU00010201", ("groen",), "resident",
        "lijn-groen", "thema-groen", ("thema-groen",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # One condition beats none.
    Case(
        "a theme-only rule beats a catch-all rule",
        ("vangnet", "thema-groen"),
        "BU00010101", ("groen",), "resident",
        "lijn-groen", "thema-groen", ("thema-groen", "vangnet"),
        MORE_CONDITIONS, DEFAULT_DAYS,
    ),
    # The theme does not match; the catch-all still does.
    Case(
        "a catch-all rule takes what nothing else matches",
        ("vangnet", "thema-groen"),
        "BU00010201", ("cultuur",), "resident",
        "team-vangnet", "vangnet", ("vangnet",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # Two conditions (wijk + theme) beat one condition, even a nearer area (buurt).
    Case(
        "an area and theme rule beats a buurt-only rule",
        ("gemeente", "buurt-noord-a", "noord-verkeer"),
        "BU00010101", ("verkeer",), "resident",
        "lijn-verkeer-noord", "noord-verkeer", ("noord-verkeer", "buurt-noord-a", "gemeente"),
        MORE_CONDITIONS, DEFAULT_DAYS,
    ),
    # Without the theme the two-condition rule does not match; the buurt wins again.
    Case(
        "an area and theme rule needs its theme",
        ("gemeente", "buurt-noord-a", "noord-verkeer"),
        "BU00010101", ("groen",), "resident",
        "buurtteam-noord-a", "buurt-noord-a", ("buurt-noord-a", "gemeente"),
        NEARER_AREA, 3,
    ),
    # An initiative with several themes matches a rule sharing any one of them.
    Case(
        "one shared theme of several is enough",
        ("gemeente", "noord-verkeer"),
        "BU00010102", ("groen", "verkeer"), "resident",
        "lijn-verkeer-noord", "noord-verkeer", ("noord-verkeer", "gemeente"),
        MORE_CONDITIONS, DEFAULT_DAYS,
    ),
    # --- initiator kind ---------------------------------------------------------------------------
    # Theme + initiator kind is two conditions against the wijk rule's one.
    Case(
        "a business rule with a theme beats a wijk rule for a business",
        ("wijk-noord", "ondernemers"),
        "BU00010101", ("ondernemen",), "business",
        "lijn-economie", "ondernemers", ("ondernemers", "wijk-noord"),
        MORE_CONDITIONS, DEFAULT_DAYS,
    ),
    # A resident is not a business: the business rule does not match.
    Case(
        "a business rule does not match a resident",
        ("wijk-noord", "ondernemers"),
        "BU00010101", ("ondernemen",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # Initiator kind only is one condition without an area, like a theme-only rule.
    Case(
        "a municipality-wide rule beats an initiator-kind-only rule",
        ("alleen-ondernemers", "gemeente"),
        "BU00010101", ("groen",), "business",
        "gebiedsteam-stad", "gemeente", ("gemeente", "alleen-ondernemers"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # Three conditions (buurt + theme + kind) beat two (wijk + theme).
    Case(
        "three conditions beat two",
        ("noord-verkeer", "noord-a-energie-bewoners", "wijk-noord"),
        "BU00010101", ("energie", "verkeer"), "resident",
        "lijn-energie", "noord-a-energie-bewoners",
        ("noord-a-energie-bewoners", "noord-verkeer", "wijk-noord"),
        MORE_CONDITIONS, DEFAULT_DAYS,
    ),
    # --- challenges -------------------------------------------------------------------------------
    # The energy challenge lands in buurt Noord-A with a shared theme: the challenge team leads
    # and the area team of the buurt is involved.
    Case(
        "a challenge in its focus area with a shared theme leads",
        ("buurt-noord-a", "opgave-energie"),
        "BU00010101", ("energie",), "resident",
        "opgaveteam-energie", "opgave-energie", ("opgave-energie", "buurt-noord-a"),
        CHALLENGE_WINS, 10, ("buurtteam-noord-a",),
    ),
    # A challenge beats a plain rule with more conditions (buurt + theme + kind); that rule is
    # an area rule, so its team is involved.
    Case(
        "a challenge beats a plain rule with three conditions",
        ("noord-a-energie-bewoners", "opgave-energie"),
        "BU00010101", ("energie",), "resident",
        "opgaveteam-energie", "opgave-energie", ("opgave-energie", "noord-a-energie-bewoners"),
        CHALLENGE_WINS, 10, ("lijn-energie",),
    ),
    # No shared theme (groen is not an energy theme): the challenge does not land.
    Case(
        "a challenge without a shared theme does not match",
        ("buurt-noord-a", "opgave-energie"),
        "BU00010101", ("groen",), "resident",
        "buurtteam-noord-a", "buurt-noord-a", ("buurt-noord-a",),
        ONLY_RULE, 3,
    ),
    # Buurt Noord-B is outside the energy challenge's focus area.
    Case(
        "a challenge outside its focus area does not match",
        ("wijk-noord", "opgave-energie"),
        "BU00010102", ("energie",), "resident",
        "gebiedsteam-noord", "wijk-noord", ("wijk-noord",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # The focus area is a buurt below the wijk the initiative is placed on: no match, regie.
    Case(
        "a challenge focused on a buurt does not catch the whole wijk",
        ("opgave-energie",),
        "WK000101", ("energie",), "resident",
        REGIE_TEAM, None, (),
        NO_RULE, DEFAULT_DAYS,
    ),
    # Two challenges share the theme groen; in buurt Zuid-A klimaat's nearest focus area is the
    # buurt itself, nearer than groen-zuid's wijk. (Counting klimaat's farthest focus area, the
    # municipality, would wrongly give it to groen-zuid.)
    Case(
        "between challenges the nearer focus area wins",
        ("opgave-groen-zuid", "opgave-klimaat"),
        "BU00010201", ("groen",), "resident",
        "opgaveteam-klimaat", "opgave-klimaat", ("opgave-klimaat", "opgave-groen-zuid"),
        NEARER_AREA, DEFAULT_DAYS,
    ),
    # In wijk Noord only klimaat lands (through the municipality).
    Case(
        "a challenge focused on the municipality lands everywhere",
        ("opgave-groen-zuid", "opgave-klimaat"),
        "BU00010102", ("groen",), "resident",
        "opgaveteam-klimaat", "opgave-klimaat", ("opgave-klimaat",),
        ONLY_RULE, DEFAULT_DAYS,
    ),
    # --- priority -------------------------------------------------------------------------------
    # Both constrain wijk Noord only: a tie on specificity; priority 5 beats 1, although the id
    # "prio-a-laag" would come first.
    Case(
        "explicit priority breaks a tie",
        ("prio-a-laag", "prio-b-hoog"),
        "BU00010101", ("groen",), "resident",
        "team-hoog", "prio-b-hoog", ("prio-b-hoog", "prio-a-laag"),
        HIGHER_PRIORITY, DEFAULT_DAYS,
    ),
    # Same, rule order reversed.
    Case(
        "explicit priority breaks a tie whatever the rule order",
        ("prio-b-hoog", "prio-a-laag"),
        "BU00010101", ("groen",), "resident",
        "team-hoog", "prio-b-hoog", ("prio-b-hoog", "prio-a-laag"),
        HIGHER_PRIORITY, DEFAULT_DAYS,
    ),
    # A tie on specificity and on priority: the lowest rule id decides, not the rule order.
    Case(
        "equal priority falls back to the lowest rule id",
        ("prio-c-gelijk", "prio-a-laag"),
        "BU00010101", ("groen",), "resident",
        "team-laag", "prio-a-laag", ("prio-a-laag", "prio-c-gelijk"),
        LOWEST_ID, DEFAULT_DAYS,
    ),
    # Priority only breaks ties: a municipality rule with priority 99 still loses to a buurt rule.
    Case(
        "priority does not beat a more specific rule",
        ("gemeente-spoed", "buurt-noord-a"),
        "BU00010101", ("groen",), "resident",
        "buurtteam-noord-a", "buurt-noord-a", ("buurt-noord-a", "gemeente-spoed"),
        NEARER_AREA, 3,
    ),
    # Among three tied wijk rules the highest priority wins; the others follow by priority, then id.
    Case(
        "priority orders all tied candidates",
        ("prio-c-gelijk", "prio-a-laag", "prio-b-hoog", "gemeente"),
        "BU00010102", ("groen",), "resident",
        "team-hoog", "prio-b-hoog", ("prio-b-hoog", "prio-a-laag", "prio-c-gelijk", "gemeente"),
        HIGHER_PRIORITY, DEFAULT_DAYS,
    ),
    # --- no match -------------------------------------------------------------------------------
    Case(
        "no matching rule sends the initiative to regie",
        ("buurt-noord-a", "noord-verkeer"),
        "BU00010201", ("groen",), "resident",
        REGIE_TEAM, None, (),
        NO_RULE, DEFAULT_DAYS,
    ),
    Case(
        "an empty rulebook sends everything to regie",
        (),
        "BU00010101", ("groen",), "resident",
        REGIE_TEAM, None, (),
        NO_RULE, DEFAULT_DAYS,
    ),
)  # fmt: skip


def facts(case: Case) -> RoutingFacts:
    return RoutingFacts(case.area, CHAINS[case.area], case.themes, case.kind, "kaart-1")


def book(rule_ids: tuple[str, ...]) -> Book:
    return Book("regels-7", DEFAULT_DAYS, tuple(RULES[r] for r in rule_ids), CHALLENGES)


def _name(case: Case) -> str:
    return case.name.replace(" ", "-")


def test_every_case_name_is_unique_and_every_rule_is_used() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    assert {r for c in CASES for r in c.rules} == set(RULES)


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_route_picks_the_expected_lead_team(case: Case) -> None:
    decision = route(facts(case), book(case.rules))
    assert (decision.lead_team, decision.rule_id) == (case.lead, case.winner)
    assert decision.involved_teams == case.involved
    assert decision.acceptance_days == case.days


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_the_decision_lists_every_matching_rule_best_first(case: Case) -> None:
    decision = route(facts(case), book(case.rules))
    assert tuple(c["rule"] for c in decision.candidates) == case.matched


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_the_explanation_names_the_winner_the_runner_up_and_why(case: Case) -> None:
    explanation = route(facts(case), book(case.rules)).explanation
    assert case.why in explanation
    if case.winner is not None:
        assert explanation.startswith(f"Regel {case.winner} (")
    if len(case.matched) > 1:
        assert f"wint van {case.matched[1]}:" in explanation


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_routing_is_deterministic_for_the_same_input_and_any_rule_order(case: Case) -> None:
    first = route(facts(case), book(case.rules))
    assert route(facts(case), book(case.rules)) == first
    assert route(facts(case), book(tuple(reversed(case.rules)))) == first


def test_the_decision_records_the_versions_and_the_facts_it_used() -> None:
    case = CASES[0]
    decision = route(facts(case), book(case.rules))
    assert (decision.rulebook_version, decision.map_version) == ("regels-7", "kaart-1")
    assert decision.facts == {
        "area_code": "BU00010101",
        "area_chain": ["BU00010101", "WK000101", "GM0001"],
        "themes": ["groen"],
        "initiator_kind": "resident",
        "map_version": "kaart-1",
    }


def test_the_winning_candidate_says_what_it_matched_on() -> None:
    case = next(c for c in CASES if c.winner == "stad-en-noord-a")
    winner = route(facts(case), book(case.rules)).candidates[0]
    assert winner["rule"] == "stad-en-noord-a"
    assert winner["lead"] == "team-stad-en-noord-a"
    assert winner["matched_on"] == ["gebied BU00010101"]
    assert winner["area_depth"] == 3


def test_a_regie_decision_has_no_rule_and_no_candidates() -> None:
    case = next(c for c in CASES if c.name == "an empty rulebook sends everything to regie")
    decision = route(facts(case), book(case.rules))
    assert decision.rule_id is None
    assert decision.candidates == ()
    assert decision.involved_teams == ()
    assert decision.explanation == "Geen regel van toepassing: naar het regieteam."


# match(): how one rule matches one initiative. Depth counts from the top: the municipality is 1,
# a wijk 2, a buurt 3; 0 means the rule has no area (or focus area); None means no match.
MATCHES: tuple[tuple[str, str, tuple[str, ...], str, int | None], ...] = (
    # rule id                    area          themes        kind        depth
    ("gemeente",                 "BU00010101", ("groen",),   "resident", 1),
    ("wijk-noord",               "BU00010101", ("groen",),   "resident", 2),
    ("buurt-noord-a",            "BU00010101", ("groen",),   "resident", 3),
    ("buurt-noord-a",            "BU00010102", ("groen",),   "resident", None),
    ("buurt-noord-a",            "WK000101",   ("groen",),   "resident", None),
    ("wijk-noord",               "WK000101",   ("groen",),   "resident", 2),
    ("wijk-noord",               "BU00010201", ("groen",),   "resident", None),
    ("gemeente",                 "GM0001",     ("groen",),   "resident", 1),
    ("stad-en-noord-a",          "BU00010101", ("groen",),   "resident", 3),
    ("stad-en-noord-a",          "BU00010102", ("groen",),   "resident", 1),
    ("thema-groen",              "BU00010101", ("groen",),   "resident", 0),
    ("thema-groen",              "BU00010101", ("verkeer",), "resident", None),
    ("vangnet",                  "BU00010201", ("cultuur",), "business", 0),
    ("alleen-ondernemers",       "BU00010101", ("groen",),   "business", 0),
    ("alleen-ondernemers",       "BU00010101", ("groen",),   "resident", None),
    ("noord-a-energie-bewoners", "BU00010101", ("energie",), "resident", 3),
    ("noord-a-energie-bewoners", "BU00010101", ("energie",), "business", None),
    ("opgave-energie",           "BU00010101", ("wonen",),   "resident", 3),
    ("opgave-energie",           "BU00010101", ("groen",),   "resident", None),
    ("opgave-energie",           "BU00010102", ("energie",), "resident", None),
    ("opgave-klimaat",           "BU00010201", ("groen",),   "resident", 3),
    ("opgave-klimaat",           "BU00010101", ("groen",),   "resident", 1),
    ("opgave-groen-zuid",        "BU00010201", ("groen",),   "resident", 2),
)  # fmt: skip


@pytest.mark.parametrize(("rule_id", "area", "themes", "kind", "depth"), MATCHES)
def test_match_gives_the_depth_of_the_nearest_matching_area(
    rule_id: str, area: str, themes: tuple[str, ...], kind: str, depth: int | None
) -> None:
    found = match(
        RULES[rule_id], RoutingFacts(area, CHAINS[area], themes, kind, "kaart-1"), book(())
    )
    if depth is None:
        assert found is None
    else:
        assert found is not None
        assert found.area_depth == depth


def test_a_challenge_rule_for_an_unknown_challenge_never_matches() -> None:
    orphan = Rule("opgave-weg", "opgaveteam-weg", challenge="bestaat-niet")
    case = CASES[0]
    assert match(orphan, facts(case), book(())) is None
