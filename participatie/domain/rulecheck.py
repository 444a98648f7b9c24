"""Checks a rulebook against the organisation and the area map before it may be published.

A rulebook is refused as a whole, never partly deactivated. Two kinds of problem are found:

- a reference to something that does not exist: a team (`lead`, `involved`), an area
  (`match.areas`), a theme (`match.themes`) or a challenge (`match.challenge`);
- an ambiguity: two rules that can match the same initiative, are equally specific, have the same
  priority and lead to different outcomes. Then only the rule id would decide, which is an accident
  of naming, not a policy. (Rules that differ in specificity do not conflict: the more specific one
  wins, as DESIGN.md §3 says, and priority only breaks ties.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from participatie.domain.errors import DomainError
from participatie.domain.routing import Book, Rule


@dataclass(frozen=True, order=True)
class RuleProblem:
    rule: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"regel {self.rule}, veld {self.field}: {self.message}"


class RuleBookInvalid(DomainError):
    """The rulebook cannot be published; `problems` names each rule and field."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"het regelboek is afgekeurd ({len(self.problems)} fouten):\n{lines}")


def check_references(
    book: Book,
    teams: Iterable[str],
    areas: Iterable[str],
    themes: Iterable[str],
    retired: Iterable[str] = (),
) -> list[RuleProblem]:
    """Every reference of a rule that names nothing usable: an unknown team, area or challenge,
    and a theme that is unknown or retired (`themes` are the active ones)."""
    known_teams, known_areas, known_themes = set(teams), set(areas), set(themes)
    retired_themes = set(retired)
    problems: list[RuleProblem] = []
    for rule in book.rules:
        if rule.lead not in known_teams:
            problems.append(RuleProblem(rule.id, "lead", f"onbekend team '{rule.lead}'"))
        for team in rule.involved:
            if team not in known_teams:
                problems.append(RuleProblem(rule.id, "involved", f"onbekend team '{team}'"))
        for code in rule.areas:
            if code not in known_areas:
                problems.append(
                    RuleProblem(rule.id, "match.areas", f"onbekend gebied '{code}' op de kaart")
                )
        for theme in rule.themes:
            if theme in retired_themes:
                problems.append(
                    RuleProblem(rule.id, "match.themes", f"thema '{theme}' is ingetrokken")
                )
            elif theme not in known_themes:
                problems.append(RuleProblem(rule.id, "match.themes", f"onbekend thema '{theme}'"))
        if rule.challenge is not None and rule.challenge not in book.challenges:
            problems.append(
                RuleProblem(rule.id, "match.challenge", f"onbekende opgave '{rule.challenge}'")
            )
    return problems


def _area_depth(rule: Rule, book: Book, chain: Sequence[str]) -> int | None:
    """Depth at which `rule`'s area and focus-area constraints match `chain` (None: no match)."""
    depth = 0
    if rule.areas:
        hits = [code for code in chain if code in rule.areas]
        if not hits:
            return None
        depth = len(chain) - chain.index(hits[0])
    if rule.challenge is not None:
        challenge = book.challenges.get(rule.challenge)
        if challenge is None:
            return None
        focus = [code for code in chain if code in challenge.focus_areas]
        if not focus or not challenge.themes:
            return None
        depth = max(depth, len(chain) - chain.index(focus[0]))
    return depth


def _can_share_facts(a: Rule, b: Rule) -> bool:
    """Whether some initiative (on a chain both match) satisfies both rules' other conditions.

    An initiative may have several themes, so two theme conditions can always both hold; only the
    initiator kind, of which there is exactly one, can exclude each other.
    """
    if a.initiator_kinds and b.initiator_kinds:
        return bool(set(a.initiator_kinds) & set(b.initiator_kinds))
    return True


def _outcome(rule: Rule) -> tuple[str, tuple[str, ...]]:
    return rule.lead, tuple(sorted(set(rule.involved) - {rule.lead}))


def check_ambiguity(book: Book, chains: Iterable[Sequence[str]]) -> list[RuleProblem]:
    """Find pairs of rules that tie on everything but their id for some area chain."""
    found: dict[tuple[str, str], RuleProblem] = {}
    for chain in chains:
        by_key: dict[tuple[int, int, int, int], list[Rule]] = {}
        for rule in book.rules:
            depth = _area_depth(rule, book, chain)
            if depth is None:
                continue
            key = (int(rule.challenge is not None), rule.dimensions, depth, rule.priority)
            by_key.setdefault(key, []).append(rule)
        for rules in by_key.values():
            for a, b in combinations(sorted(rules, key=lambda r: r.id), 2):
                if (a.id, b.id) in found or _outcome(a) == _outcome(b):
                    continue
                if not _can_share_facts(a, b):
                    continue
                found[(a.id, b.id)] = RuleProblem(
                    b.id,
                    "priority",
                    f"gelijke prioriteit ({b.priority}) en even specifiek als regel {a.id}, "
                    f"die ook kan gelden (bijvoorbeeld in gebied {chain[0]}) maar naar "
                    f"'{a.lead}' leidt in plaats van '{b.lead}'; geef een van beide een "
                    "andere prioriteit",
                )
    return sorted(found.values())


def check_book(
    book: Book,
    teams: Iterable[str],
    areas: Iterable[str],
    themes: Iterable[str],
    chains: Iterable[Sequence[str]],
    retired: Iterable[str] = (),
) -> list[RuleProblem]:
    """Return every problem of `book`; an empty list means it may be published."""
    return check_references(book, teams, areas, themes, retired) + check_ambiguity(book, chains)
