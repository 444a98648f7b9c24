"""Routing: a pure function from the facts of an initiative and a rulebook to a decision.

Most specific match wins. Specificity is compared as (challenge match, number of constrained
dimensions, depth of the matched area): a challenge's focus area plus theme beats any plain rule;
a rule constraining theme and initiator kind beats one constraining only the area; a buurt beats a
wijk beats the municipality. Explicit priority breaks ties, then the rule id (so the outcome never
depends on rule order). No match → regie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from participatie.domain.values import REGIE_TEAM, RoutingDecision


@dataclass(frozen=True)
class RoutingFacts:
    """What routing may look at; nothing else about the initiative is used."""

    area_code: str
    area_chain: tuple[str, ...]  # area_code and every area above it, nearest first
    themes: tuple[str, ...]
    initiator_kind: str
    map_version: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "area_code": self.area_code,
            "area_chain": list(self.area_chain),
            "themes": list(self.themes),
            "initiator_kind": self.initiator_kind,
            "map_version": self.map_version,
        }


@dataclass(frozen=True)
class ChallengeFacts:
    code: str
    team: str
    themes: tuple[str, ...]
    focus_areas: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    lead: str
    priority: int = 0
    areas: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    initiator_kinds: tuple[str, ...] = ()
    challenge: str | None = None
    involved: tuple[str, ...] = ()
    acceptance_days: int | None = None
    description: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        match = data.get("match") or {}
        return cls(
            id=data["id"],
            lead=data["lead"],
            priority=int(data.get("priority") or 0),
            areas=tuple(match.get("areas") or ()),
            themes=tuple(match.get("themes") or ()),
            initiator_kinds=tuple(match.get("initiator_kinds") or ()),
            challenge=match.get("challenge"),
            involved=tuple(data.get("involved") or ()),
            acceptance_days=data.get("acceptance_days"),
            description=data.get("description") or "",
        )

    @property
    def dimensions(self) -> int:
        return sum(bool(x) for x in (self.areas, self.themes, self.initiator_kinds, self.challenge))


@dataclass(frozen=True)
class Book:
    """One rulebook version plus the challenges it can refer to."""

    version: str
    default_acceptance_days: int
    rules: tuple[Rule, ...]
    challenges: dict[str, ChallengeFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    rule: Rule
    area_depth: int  # how far below the top the matched area sits (0: no area constraint)
    matched_on: tuple[str, ...]

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (
            int(self.rule.challenge is not None),
            self.rule.dimensions,
            self.area_depth,
            self.rule.priority,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "lead": self.rule.lead,
            "priority": self.rule.priority,
            "challenge": self.rule.challenge is not None,
            "challenge_code": self.rule.challenge,
            "dimensions": self.rule.dimensions,
            "area_depth": self.area_depth,
            "matched_on": list(self.matched_on),
        }


def match(rule: Rule, facts: RoutingFacts, book: Book) -> Match | None:
    """Return how `rule` matches `facts`, or None when it does not."""
    matched: list[str] = []
    depth = 0
    chain = facts.area_chain
    if rule.areas:
        hits = [code for code in chain if code in rule.areas]
        if not hits:
            return None
        depth = len(chain) - chain.index(hits[0])  # nearest hit; the municipality has depth 1
        matched.append(f"gebied {hits[0]}")
    if rule.themes:
        shared = sorted(set(rule.themes) & set(facts.themes))
        if not shared:
            return None
        matched.append(f"thema {', '.join(shared)}")
    if rule.initiator_kinds:
        if facts.initiator_kind not in rule.initiator_kinds:
            return None
        matched.append(f"initiatiefnemer {facts.initiator_kind}")
    if rule.challenge is not None:
        challenge = book.challenges.get(rule.challenge)
        if challenge is None:
            return None
        focus = [code for code in chain if code in challenge.focus_areas]
        shared = sorted(set(challenge.themes) & set(facts.themes))
        if not focus or not shared:
            return None
        depth = max(depth, len(chain) - chain.index(focus[0]))
        matched.append(
            f"opgave {challenge.code} (focusgebied {focus[0]}, thema {', '.join(shared)})"
        )
    return Match(rule, depth, tuple(matched))


def route(facts: RoutingFacts, book: Book) -> RoutingDecision:
    """Return where the initiative goes and why; deterministic and free of side effects."""
    matches = [m for m in (match(rule, facts, book) for rule in book.rules) if m is not None]
    matches.sort(key=lambda m: (tuple(-k for k in m.key), m.rule.id))
    candidates = tuple(m.describe() for m in matches)
    if not matches:
        return RoutingDecision(
            lead_team=REGIE_TEAM,
            involved_teams=(),
            rule_id=None,
            rulebook_version=book.version,
            map_version=facts.map_version,
            acceptance_days=book.default_acceptance_days,
            explanation="Geen regel van toepassing: naar het regieteam.",
            facts=facts.as_dict(),
            candidates=(),
        )
    winner = matches[0]
    involved = list(winner.rule.involved)
    if winner.rule.challenge is not None:
        # A challenge landing in an area: the challenge team leads, the area team is involved.
        involved += [m.rule.lead for m in matches[1:] if m.rule.challenge is None and m.rule.areas]
    involved = [t for t in dict.fromkeys(involved) if t != winner.rule.lead]
    return RoutingDecision(
        lead_team=winner.rule.lead,
        involved_teams=tuple(involved),
        rule_id=winner.rule.id,
        rulebook_version=book.version,
        map_version=facts.map_version,
        acceptance_days=winner.rule.acceptance_days or book.default_acceptance_days,
        explanation=_why(winner, matches[1:]),
        facts=facts.as_dict(),
        candidates=candidates,
    )


def _why(winner: Match, others: list[Match]) -> str:
    text = f"Regel {winner.rule.id} ({'; '.join(winner.matched_on)})"
    if not others:
        return text + " is de enige passende regel."
    runner_up = others[0]
    reasons = {
        0: "een opgave met focusgebied en thema gaat voor een gewone regel",
        1: "meer voorwaarden (specifieker)",
        2: "een kleiner gebied (specifieker)",
        3: "een hogere prioriteit",
    }
    for position, (mine, theirs) in enumerate(zip(winner.key, runner_up.key, strict=True)):
        if mine != theirs:
            return f"{text} wint van {runner_up.rule.id}: {reasons[position]}."
    return f"{text} wint van {runner_up.rule.id}: gelijk, de laagste regel-id beslist."


def book_from(label: str, published: dict[str, Any], challenges: list[ChallengeFacts]) -> Book:
    """Build a Book from a published rulebook version and the current challenges."""
    return Book(
        version=label,
        default_acceptance_days=int(published["default_acceptance_days"]),
        rules=tuple(Rule.from_dict(rule) for rule in published["rules"]),
        challenges={c.code: c for c in challenges},
    )
