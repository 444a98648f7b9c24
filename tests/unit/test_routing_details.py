"""Routing's smaller promises, written out by hand: rule defaults, the explanation of each
candidate, immutability, and which teams a challenge winner involves."""

from __future__ import annotations

import dataclasses

import pytest

from participatie.domain.routing import (
    Book,
    ChallengeFacts,
    Match,
    RoutingFacts,
    Rule,
    match,
    route,
)

CHAIN = ("BU01", "WK01", "GM01")
ENERGIE = ChallengeFacts("energie", "opgaveteam-energie", ("energie",), ("BU01", "WK01"))
BOOK = Book("2026-1", 5, (), {"energie": ENERGIE})


def facts(themes: tuple[str, ...] = ("energie",), kind: str = "resident") -> RoutingFacts:
    return RoutingFacts("BU01", CHAIN, themes, kind, "kaart-1")


def test_a_rule_from_a_minimal_dict_takes_the_defaults() -> None:
    assert Rule.from_dict({"id": "r1", "lead": "noord"}) == Rule(
        id="r1",
        lead="noord",
        priority=0,
        areas=(),
        themes=(),
        initiator_kinds=(),
        challenge=None,
        involved=(),
        acceptance_days=None,
        description="",
    )
    assert Rule("r1", "noord").priority == 0
    full = Rule.from_dict(
        {
            "id": "r2",
            "lead": "zuid",
            "priority": "7",
            "match": {
                "areas": ["WK01"],
                "themes": ["groen"],
                "initiator_kinds": ["business"],
                "challenge": "energie",
            },
            "involved": ["noord"],
            "acceptance_days": 3,
            "description": "Zuid en groen",
        }
    )
    assert full == Rule(
        "r2", "zuid", 7, ("WK01",), ("groen",), ("business",), "energie", ("noord",), 3,
        "Zuid en groen",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "dimensions"),
    [
        (Rule("r", "t"), 0),
        (Rule("r", "t", areas=("WK01",)), 1),
        (Rule("r", "t", themes=("groen",)), 1),
        (Rule("r", "t", initiator_kinds=("resident",)), 1),
        (Rule("r", "t", challenge="energie"), 1),
        (Rule("r", "t", areas=("WK01",), themes=("groen",), challenge="energie"), 3),
        (
            Rule("r", "t", areas=("A",), themes=("b",), initiator_kinds=("c",), challenge="d"),
            4,
        ),
    ],
)
def test_dimensions_count_every_constrained_condition(rule: Rule, dimensions: int) -> None:
    assert rule.dimensions == dimensions


def test_routing_values_are_frozen() -> None:
    values = [
        facts(),
        ENERGIE,
        Rule("r", "t"),
        BOOK,
        Match(Rule("r", "t"), 0, ()),
    ]
    found = match(Rule("wijk", "noord", areas=("WK01",)), facts(), BOOK)  # as routing makes them
    assert found is not None
    for value in [*values, found, found.rule]:
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


def test_each_candidate_is_described_in_full() -> None:
    rule = Rule("opgave", "opgaveteam-energie", priority=2, challenge="energie")
    found = match(rule, facts(), BOOK)
    assert found is not None
    assert found.describe() == {
        "rule": "opgave",
        "lead": "opgaveteam-energie",
        "priority": 2,
        "challenge": True,
        "challenge_code": "energie",
        "dimensions": 1,
        "area_depth": 3,
        "matched_on": ["opgave energie (focusgebied BU01, thema energie)"],
    }
    plain = match(Rule("wijk", "noord", areas=("WK01",)), facts(), BOOK)
    assert plain is not None
    assert plain.describe() == {
        "rule": "wijk",
        "lead": "noord",
        "priority": 0,
        "challenge": False,
        "challenge_code": None,
        "dimensions": 1,
        "area_depth": 2,
        "matched_on": ["gebied WK01"],
    }


def test_the_focus_area_named_is_the_nearest() -> None:
    rule = Rule("opgave", "opgaveteam-energie", challenge="energie")
    found = match(rule, facts(("energie", "wonen")), BOOK)
    assert found is not None and found.matched_on == (
        "opgave energie (focusgebied BU01, thema energie)",
    )


def test_a_challenge_winner_involves_only_the_area_teams_of_plain_area_rules() -> None:
    book = Book(
        "2026-1",
        5,
        (
            Rule("opgave", "opgaveteam-energie", challenge="energie", involved=("lijn-geld",)),
            Rule("andere-opgave", "opgaveteam-ander", challenge="energie", priority=-1),
            Rule("wijk", "gebiedsteam-noord", areas=("WK01",)),
            Rule("buurt-energie", "buurtteam", areas=("BU01",), themes=("energie",)),
            Rule("thema", "lijn-energie", themes=("energie",)),  # no area: not involved
            Rule("bewoners", "bewonersloket", initiator_kinds=("resident",)),  # no area either
        ),
        {"energie": ENERGIE},
    )
    decision = route(facts(), book)
    assert decision.lead_team == "opgaveteam-energie"
    assert decision.involved_teams == ("lijn-geld", "buurtteam", "gebiedsteam-noord")


def test_a_plain_winner_involves_only_its_own_involved_teams() -> None:
    book = Book(
        "2026-1",
        5,
        (
            Rule("buurt", "buurtteam", areas=("BU01",), involved=("lijn-geld", "buurtteam")),
            Rule("wijk", "gebiedsteam-noord", areas=("WK01",)),
        ),
        {},
    )
    decision = route(facts(), book)
    assert (decision.lead_team, decision.involved_teams) == ("buurtteam", ("lijn-geld",))
    assert decision.explanation == (
        "Regel buurt (gebied BU01) wint van wijk: een kleiner gebied (specifieker)."
    )
