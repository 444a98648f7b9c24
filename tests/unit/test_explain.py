"""A routing decision's explanation in the page's language, against hand-written sentences."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from web.explain import routing_explanation
from web.i18n import COOKIE, init_app


def candidate(rule: str, matched: list[str], key: tuple[int, int, int, int]) -> dict[str, Any]:
    challenge, dimensions, depth, priority = key
    return {
        "rule": rule,
        "lead": "team",
        "priority": priority,
        "challenge": bool(challenge),
        "challenge_code": "warmte" if challenge else None,
        "dimensions": dimensions,
        "area_depth": depth,
        "matched_on": matched,
    }


ONLY = candidate("r-centrum", ["gebied WK999901", "thema groen, spelen"], (0, 2, 3, 0))
CHALLENGE = candidate(
    "r-warmte", ["opgave warmte (focusgebied WK999902, thema energie)"], (1, 1, 3, 0)
)
PLAIN = candidate("r-energie", ["thema energie"], (0, 1, 0, 0))
SMALL = candidate("r-buurt", ["gebied BU99990101"], (0, 1, 4, 0))
LARGE = candidate("r-wijk", ["gebied WK999901"], (0, 1, 3, 0))
URGENT = candidate("r-b", ["initiatiefnemer business"], (0, 1, 0, 5))
SAME_A = candidate("r-a", ["thema groen"], (0, 1, 0, 0))
SAME_B = candidate("r-b", ["thema groen"], (0, 1, 0, 0))

CASES = [
    (
        {"rule_id": None, "candidates": [], "explanation": "x"},
        "Geen regel van toepassing: naar het regieteam.",
        "No rule applies: to the regie team.",
    ),
    (
        {"rule_id": "r-centrum", "candidates": [ONLY], "explanation": "x"},
        "Regel r-centrum (gebied WK999901; thema groen, spelen) is de enige passende regel.",
        "Rule r-centrum (area WK999901; theme groen, spelen) is the only matching rule.",
    ),
    (
        {"rule_id": "r-warmte", "candidates": [CHALLENGE, PLAIN], "explanation": "x"},
        "Regel r-warmte (opgave warmte (focusgebied WK999902, thema energie)) wint van"
        " r-energie: een opgave met focusgebied en thema gaat voor een gewone regel.",
        "Rule r-warmte (challenge warmte (focus area WK999902, theme energie)) beats"
        " r-energie: a challenge with a focus area and theme goes before an ordinary rule.",
    ),
    (
        {"rule_id": "r-centrum", "candidates": [ONLY, LARGE], "explanation": "x"},
        "Regel r-centrum (gebied WK999901; thema groen, spelen) wint van r-wijk: meer"
        " voorwaarden (specifieker).",
        "Rule r-centrum (area WK999901; theme groen, spelen) beats r-wijk: more conditions"
        " (more specific).",
    ),
    (
        {"rule_id": "r-buurt", "candidates": [SMALL, LARGE], "explanation": "x"},
        "Regel r-buurt (gebied BU99990101) wint van r-wijk: een kleiner gebied (specifieker).",
        "Rule r-buurt (area BU99990101) beats r-wijk: a smaller area (more specific).",
    ),
    (
        {"rule_id": "r-b", "candidates": [URGENT, SAME_A], "explanation": "x"},
        "Regel r-b (initiatiefnemer business) wint van r-a: een hogere prioriteit.",
        "Rule r-b (initiator business) beats r-a: a higher priority.",
    ),
    (
        {"rule_id": "r-a", "candidates": [SAME_A, SAME_B], "explanation": "x"},
        "Regel r-a (thema groen) wint van r-b: gelijk, de laagste regel-id beslist.",
        "Rule r-a (theme groen) beats r-b: a tie, the lowest rule id decides.",
    ),
    # What cannot be read is shown as stored, in both languages.
    (
        {
            "rule_id": "r-x",
            "candidates": [candidate("r-x", ["iets nieuws"], (0, 1, 0, 0))],
            "explanation": "Regel r-x (iets nieuws) is de enige passende regel.",
        },
        "Regel r-x (iets nieuws) is de enige passende regel.",
        "Regel r-x (iets nieuws) is de enige passende regel.",
    ),
    (
        {"rule_id": "r-y", "candidates": [{"rule": "r-y"}], "explanation": "Oud formaat."},
        "Oud formaat.",
        "Oud formaat.",
    ),
]


@pytest.fixture(scope="module")
def app() -> Flask:
    flask = Flask(__name__)
    init_app(flask)
    return flask


@pytest.mark.parametrize(("decision", "dutch", "english"), CASES)
def test_the_explanation_reads_in_the_page_s_language(
    app: Flask, decision: dict[str, Any], dutch: str, english: str
) -> None:
    for language, expected in (("nl", dutch), ("en", english)):
        with app.test_request_context(headers={"Cookie": f"{COOKIE}={language}"}):
            assert routing_explanation(decision) == expected
