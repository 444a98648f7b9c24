"""Backtest: what a candidate rulebook would do differently with every initiative so far."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from participatie.application.app import ParticipatieApp
from participatie.domain.routing import Book, route


@dataclass(frozen=True)
class Move:
    """One initiative that the candidate would route to another lead team."""

    initiative_id: UUID
    title: str
    status: str
    area_code: str
    from_team: str
    to_team: str
    from_rule: str | None
    to_rule: str | None


@dataclass(frozen=True)
class BacktestResult:
    candidate_version: str
    current_version: str | None
    total: int
    moves: list[Move]

    @property
    def summary(self) -> list[tuple[str, str, int]]:
        """(from team, to team, count), largest first, then alphabetical."""
        counts = Counter((m.from_team, m.to_team) for m in self.moves)
        return sorted(
            ((a, b, n) for (a, b), n in counts.items()), key=lambda row: (-row[2], row[0], row[1])
        )

    def lines(self) -> list[str]:
        """The report in Dutch, as `participatie rules backtest` prints it."""
        out = [
            f"Backtest van regelboek {self.candidate_version} "
            f"(gepubliceerd: {self.current_version or 'geen'}) op {self.total} initiatieven:",
            f"  {self.total - len(self.moves)} gelijk, {len(self.moves)} naar een ander team.",
        ]
        if not self.moves:
            return out
        out.append("")
        out.append("Van → naar (aantal):")
        width = max(len(a) for a, _, _ in self.summary)
        for a, b, n in self.summary:
            out.append(f"  {a:<{width}} → {b}  {n}")
        out.append("")
        out.append("Initiatieven:")
        for m in self.moves:
            out.append(
                f"  {m.initiative_id}  [{m.status}, {m.area_code}]  {m.from_team} → {m.to_team}"
                f"  (regel {m.from_rule or '-'} → {m.to_rule or '-'})  {m.title}"
            )
        return out


def backtest(app: ParticipatieApp, candidate: Book) -> BacktestResult:
    """Route every initiative through `candidate` on its facts and the map version it is on.

    "From" is what the rulebook decided when the initiative was (last) routed; an initiative
    that is not routed yet is compared with the published rulebook.
    """
    published = app.rulebook()
    current = published.current_version if published else None
    book_now = app.current_book() if current else None
    moves: list[Move] = []
    ids = app.initiative_ids()
    for initiative_id in ids:
        initiative = app.get_initiative(initiative_id)
        facts = app.routing_facts(initiative)
        before = initiative.routing
        if before is None:
            if book_now is None:
                continue
            before = route(facts, book_now)
        after = route(facts, candidate)
        if after.lead_team != before.lead_team:
            moves.append(
                Move(
                    initiative_id=initiative_id,
                    title=initiative.title,
                    status=initiative.status.value,
                    area_code=facts.area_code,
                    from_team=before.lead_team,
                    to_team=after.lead_team,
                    from_rule=before.rule_id,
                    to_rule=after.rule_id,
                )
            )
    return BacktestResult(candidate.version, current, len(ids), moves)
