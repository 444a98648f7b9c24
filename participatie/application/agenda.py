"""ParticipatieApp's area agenda part: drafting, adopting and revising an area's agenda, linking
initiatives to its priorities, suggesting links, and the agenda as it was on a date.

Who may do what is decided by the callers (web pages and CLI, through participatie.staff.access);
what is checked here holds for every caller: the area exists, the period is well-formed, each
priority names a team, challenges and buurten that exist (the buurten inside the area), and a
linked initiative lies in the area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from participatie.application.core import AppCore
from participatie.domain.agenda import AgendaIndex, AreaAgenda, ChallengeOrder, Priority
from participatie.domain.errors import ConcurrencyConflict, InvalidChoice, NotFound
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor

PERIOD = re.compile(r"(\d{4})(?:-(\d{4}))?")


def check_period(period: str) -> None:
    """A year (2027) or a run of years (2027-2030)."""
    found = PERIOD.fullmatch(period)
    if found is None or (found[2] is not None and int(found[2]) < int(found[1])):
        raise InvalidChoice("period", f"'{period}' is not a year or a run of years")


def period_covers(period: str, year: int) -> bool:
    found = PERIOD.fullmatch(period)
    if found is None:
        return False
    first = int(found[1])
    last = int(found[2]) if found[2] else first
    return first <= year <= last


@dataclass(frozen=True)
class Suggestion:
    """A priority an initiative may serve, and why the platform thinks so."""

    area: str
    period: str
    priority: Priority
    score: int
    why: tuple[str, ...]  # "area", "buurt", "challenge", "theme"


def _challenge_of(initiative: Initiative) -> str | None:
    """The challenge the initiative was routed for (the winning rule's), if any."""
    if initiative.routing is None or not initiative.routing.candidates:
        return None
    found = initiative.routing.candidates[0].get("challenge_code")
    return str(found) if found else None


class AgendaCommands(AppCore):
    """Area agendas: the commands, the reads, and the links to initiatives."""

    # -- reading -----------------------------------------------------------------------------------

    def agenda(self, area: str, period: str) -> AreaAgenda | None:
        try:
            found: AreaAgenda = self._read(AreaAgenda.create_id(area, period), AreaAgenda)
        except NotFound:
            return None
        return found

    def agendas(self, area: str | None = None) -> list[AreaAgenda]:
        """Every agenda (of one area), by area and then period."""
        try:
            index: AgendaIndex = self._read(AgendaIndex.create_id(), AgendaIndex)
        except NotFound:
            return []
        wanted = sorted(e for e in index.entries if area is None or e[0] == area)
        return self._read_all([(AreaAgenda.create_id(a, p), AreaAgenda) for a, p in wanted])

    def agenda_as_of(self, area: str, period: str, at: datetime) -> AreaAgenda | None:
        """The agenda as it was at `at`, replayed from its events (None: it did not exist yet)."""
        found: AreaAgenda | None = self._as_of(AreaAgenda.create_id(area, period), at)
        return found

    def challenge_order_as_of(self, area: str, at: datetime) -> ChallengeOrder | None:
        """Regie's order for `area` as it was at `at` (None: none was decided yet)."""
        found: ChallengeOrder | None = self._as_of(ChallengeOrder.create_id(area), at)
        return found

    def _as_of(self, aggregate_id: UUID, at: datetime) -> Any:
        """An aggregate replayed from its events up to `at`; None when it had none yet."""
        events = [
            e
            for e in self.history(aggregate_id)
            if isinstance(e, Aggregate.Event) and e.timestamp <= at
        ]
        if not events:
            return None
        return self.repository.get(aggregate_id, version=events[-1].originator_version)

    def links_of_initiative(self, initiative_id: UUID) -> list[tuple[AreaAgenda, str]]:
        """The (agenda, priority key) pairs an initiative is linked to."""
        return [
            (agenda, key)
            for agenda in self.agendas()
            for (linked, key) in agenda.links
            if linked == initiative_id
        ]

    # -- commands ----------------------------------------------------------------------------------

    def draft_agenda(
        self,
        area: str,
        period: str,
        priorities: list[Priority],
        reason: str,
        actor: Actor,
        expected_version: int | None = None,
    ) -> bool:
        """Start the agenda or change its draft; False when nothing changed."""
        check_period(period)
        self._check_priorities(area, priorities)
        agenda = self._agenda_to_change(area, period, actor, expected_version, create=True)
        changed = agenda.draft(priorities, reason, actor, self.clock())
        if changed:
            index = self._index()
            index.add(area, period, self.clock())
            self.save_all(agenda, index)
        return changed

    def adopt_agenda(
        self, area: str, period: str, reason: str, actor: Actor, expected_version: int | None = None
    ) -> int:
        agenda = self._agenda_to_change(area, period, actor, expected_version)
        number = agenda.adopt(reason, actor, self.clock())
        self.save_all(agenda)
        return number

    def revise_agenda(
        self, area: str, period: str, reason: str, actor: Actor, expected_version: int | None = None
    ) -> int:
        agenda = self._agenda_to_change(area, period, actor, expected_version)
        number = agenda.revise(reason, actor, self.clock())
        self.save_all(agenda)
        return number

    def link_to_priority(
        self,
        area: str,
        period: str,
        initiative_id: UUID,
        key: str,
        reason: str,
        actor: Actor,
        suggested: bool = False,
    ) -> bool:
        """Link an initiative in the area to a priority; False when it already was."""
        agenda = self._agenda_to_change(area, period, actor, None)
        self._check_in_area(initiative_id, area)
        changed = agenda.link(initiative_id, key, reason, actor, self.clock(), suggested)
        if changed:
            self.save_all(agenda)
        return changed

    def unlink_from_priority(
        self, area: str, period: str, initiative_id: UUID, key: str, reason: str, actor: Actor
    ) -> bool:
        agenda = self._agenda_to_change(area, period, actor, None)
        changed = agenda.unlink(initiative_id, key, reason, actor, self.clock())
        if changed:
            self.save_all(agenda)
        return changed

    def suggest_priorities(self, initiative_id: UUID) -> list[Suggestion]:
        """Priorities of the agendas in force where the initiative lies that it may serve.

        A priority is suggested when the initiative is in the agenda's area (and in one of the
        priority's buurten, if it names any) and it shares a challenge or a theme with one of
        the priority's challenges; the best matches first. A person confirms each link.
        """
        initiative = self.get_initiative(initiative_id)
        chain = self.area_index().ancestors(initiative.location.area_code)
        year = initiative.created_on.year
        challenges = {c.code: c for c in self.challenges()}
        routed = _challenge_of(initiative)
        found: list[Suggestion] = []
        for agenda in self.agendas():
            adopted = agenda.adopted
            if (
                agenda.area not in chain
                or adopted is None
                or not period_covers(agenda.period, year)
            ):
                continue
            for priority in adopted.priorities:
                if priority.buurten and not set(priority.buurten) & set(chain):
                    continue
                why = ["area"] + (["buurt"] if priority.buurten else [])
                if routed is not None and routed in priority.challenges:
                    why.append("challenge")
                served = [challenges[c] for c in priority.challenges if c in challenges]
                if {t for c in served for t in c.themes} & set(initiative.themes):
                    why.append("theme")
                if "challenge" in why or "theme" in why:
                    score = len(why) + ("challenge" in why)
                    found.append(
                        Suggestion(agenda.area, agenda.period, priority, score, tuple(why))
                    )
        found.sort(key=lambda s: (-s.score, s.area, s.period, s.priority.key))
        return found

    def challenge_order(self, area: str) -> ChallengeOrder | None:
        """The order regie decided among the challenges of `area` (None: not decided yet)."""
        try:
            found: ChallengeOrder = self._read(ChallengeOrder.create_id(area), ChallengeOrder)
        except NotFound:
            return None
        return found

    def challenge_orders(self) -> list[ChallengeOrder]:
        """Every area's decided order (not the emptied ones), by area. The orders' ids are
        kept; each call reads only the log after the head the last call saw."""
        head = int(self.recorder.max_notification_id() or 0)
        if head > self._orders_seen:
            found = self.notifications(ChallengeOrder.Started, start=self._orders_seen + 1)
            self._order_ids.extend(UUID(str(n.originator_id)) for n in found if n.id <= head)
            self._orders_seen = head
        orders = self._read_all([(i, ChallengeOrder) for i in self._order_ids])
        return sorted((o for o in orders if o.order), key=lambda o: o.area)

    def orders_nearest_first(self) -> list[tuple[str, list[str]]]:
        """(area, its order) for every decided order of an area on the current map, deeper
        areas first: what a queue sorted by regie's order needs (views.queries.rank_case)."""
        index = self.area_index()
        found = [(o.area, list(o.order)) for o in self.challenge_orders() if o.area in index]
        return sorted(found, key=lambda e: (-len(index.ancestors(e[0])), e[0]))

    def challenges_landing(self, area: str) -> list[str]:
        """Codes of the challenges that land in `area`: a focus area lies in it, or it lies in
        a focus area (a challenge focused on a whole wijk lands in each of its buurten)."""
        index = self.area_index()
        found = []
        for challenge in self.challenges():
            for focus in challenge.focus_areas:
                if focus in index and (
                    area in index.ancestors(focus) or focus in index.ancestors(area)
                ):
                    found.append(challenge.code)
                    break
        return found

    def decide_challenge_order(
        self,
        area: str,
        order: list[str],
        reason: str,
        actor: Actor,
        expected_version: int | None = None,
    ) -> bool:
        """Record the order among the challenges landing in `area`; False when unchanged."""
        if area not in self.area_index():
            raise InvalidChoice("area", f"unknown area '{area}'")
        landing = set(self.challenges_landing(area))
        stray = [c for c in order if c not in landing]
        if stray:
            raise InvalidChoice("order", f"not landing in {area}: {', '.join(stray)}")
        order_id = ChallengeOrder.create_id(area)
        try:
            found: ChallengeOrder = self._get(order_id, ChallengeOrder)
        except NotFound:
            found = ChallengeOrder._create(
                ChallengeOrder.Started, id=order_id, area=area, timestamp=self.clock()
            )
        if expected_version is not None and found.version != expected_version:
            raise ConcurrencyConflict(order_id, expected_version, found.version)
        changed = found.decide(order, reason, actor, self.clock())
        if changed:
            self.save_all(found)
        return changed

    # -- checks ------------------------------------------------------------------------------------

    def _agenda_to_change(
        self,
        area: str,
        period: str,
        actor: Actor,
        expected_version: int | None,
        create: bool = False,
    ) -> AreaAgenda:
        agenda_id = AreaAgenda.create_id(area, period)
        try:
            agenda: AreaAgenda = self._get(agenda_id, AreaAgenda)
        except NotFound:
            if not create:
                raise NotFound(f"no agenda for {area} in {period}") from None
            if area not in self.area_index():
                raise InvalidChoice("area", f"unknown area '{area}'") from None
            agenda = AreaAgenda._create(
                AreaAgenda.Started,
                id=agenda_id,
                area=area,
                period=period,
                actor=actor,
                timestamp=self.clock(),
            )
            return agenda
        if expected_version is not None and agenda.version != expected_version:
            raise ConcurrencyConflict(agenda_id, expected_version, agenda.version)
        return agenda

    def _index(self) -> AgendaIndex:
        try:
            index: AgendaIndex = self._get(AgendaIndex.create_id(), AgendaIndex)
        except NotFound:
            index = AgendaIndex._create(
                AgendaIndex.Created, id=AgendaIndex.create_id(), timestamp=self.clock()
            )
        return index

    def _check_priorities(self, area: str, priorities: list[Priority]) -> None:
        index = self.area_index()
        if area not in index:
            raise InvalidChoice("area", f"unknown area '{area}'")
        teams = {t.code for t in self.teams()}
        challenges = {c.code for c in self.challenges()}
        for p in priorities:
            if p.team not in teams:
                raise InvalidChoice("priorities", f"priority '{p.key}': unknown team '{p.team}'")
            for code in p.challenges:
                if code not in challenges:
                    raise InvalidChoice(
                        "priorities", f"priority '{p.key}': unknown challenge '{code}'"
                    )
            for code in p.buurten:
                if code not in index or area not in index.ancestors(code):
                    raise InvalidChoice(
                        "priorities", f"priority '{p.key}': '{code}' is not in area {area}"
                    )

    def _check_in_area(self, initiative_id: UUID, area: str) -> Initiative:
        initiative = self.get_initiative(initiative_id)
        chain = self.area_index().ancestors(initiative.location.area_code)
        if area not in chain:
            raise InvalidChoice("initiative", f"the initiative does not lie in area {area}")
        return initiative
