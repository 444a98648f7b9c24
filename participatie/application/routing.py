"""ParticipatieApp's routing part: the facts routing uses, routing and rerouting an initiative,
and the rulebook (checking a candidate, publishing, the current book with its challenges)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from participatie.application.core import AppCore
from participatie.domain import workflow
from participatie.domain.areas import AreaMap
from participatie.domain.errors import ConcurrencyConflict, NotFound
from participatie.domain.initiative import Initiative
from participatie.domain.organisation import Challenge, Directory
from participatie.domain.routing import Book, ChallengeFacts, RoutingFacts, book_from, route
from participatie.domain.rulebook import RuleBook
from participatie.domain.rulecheck import RuleBookInvalid, check_book
from participatie.domain.values import Actor, Location, RoutingDecision, Status

if TYPE_CHECKING:
    from participatie.domain.organisation import Team
    from participatie.maps.geo import AreaIndex

    class _Uses(AppCore):
        """What this part uses of the organisation part."""

        def area_index(self, version: str | None = None, checked: bool = False) -> AreaIndex: ...
        def has_area_map(self) -> bool: ...
        def teams(self) -> list[Team]: ...
        def challenges(self) -> list[Challenge]: ...

else:
    _Uses = AppCore


class RoutingCommands(_Uses):
    """Route and reroute initiatives; check, publish and compile the rulebook."""

    _book: tuple[Any, Book] | None  # the compiled current book, under the key it was made for

    def routing_facts(self, initiative: Initiative, checked: bool = False) -> RoutingFacts:
        """Return the facts routing may use, resolved on the initiative's map version
        (`checked`: the kept area map was brought up to date just now)."""
        index = self.area_index(initiative.location.map_version, checked)
        code = initiative.location.area_code
        return RoutingFacts(
            area_code=code,
            area_chain=tuple(index.ancestors(code)),
            themes=tuple(initiative.themes),
            initiator_kind=initiative.initiator_kind.value,
            map_version=index.version,
        )

    def current_book(self) -> Book:
        """Return the published rulebook version with the current challenges.

        One query checks the rulebook, the directory and the challenges kept in memory (and the
        area map, when one is kept: routing needs it next); the compiled book is kept for as
        long as none of them changes.
        """
        directory_id = Directory.create_id()
        kept: Any = self._readonly.get(directory_id)
        known = [Challenge.create_id(c) for c in kept.challenges] if kept is not None else []
        area_map = [(AreaMap.create_id(), AreaMap)] if AreaMap.create_id() in self._readonly else []
        try:
            rulebook, directory, *checked = self._read_all(
                [(RuleBook.create_id(), RuleBook), (directory_id, Directory)]
                + [(i, Challenge) for i in known]
                + area_map
            )
            if area_map:
                checked.pop()
        except NotFound:
            raise NotFound("no rulebook has been published") from None
        if rulebook.current_version is None:
            raise NotFound("no rulebook has been published")
        if directory is kept:  # unchanged: its challenges were checked in the same query
            challenges = checked
        else:
            challenges = self._read_all(
                [(Challenge.create_id(c), Challenge) for c in directory.challenges]
            )
        key = (rulebook.version, tuple((c.id, c.version) for c in challenges))
        if self._book is None or self._book[0] != key:
            facts = [
                ChallengeFacts(c.code, c.team, tuple(c.themes), tuple(c.focus_areas))
                for c in challenges
            ]
            label = rulebook.current_version
            self._book = (key, book_from(label, rulebook.versions[label], facts))
        return self._book[1]

    def route_initiative(
        self, initiative_id: UUID, actor: Actor, at: datetime | None = None
    ) -> bool:
        """Route a submitted initiative; return False (and change nothing) if already routed."""
        initiative = self._get_young_initiative(initiative_id)
        if initiative.status is not Status.SUBMITTED:
            return False
        book = self.current_book()  # also brings the kept area map up to date
        decision = route(self.routing_facts(initiative, checked=True), book)
        initiative.route(decision, actor, at or self.clock())
        self.save_all(initiative)
        return True

    def current_facts(self, initiative: Initiative) -> RoutingFacts:
        """Return the facts as they are now: a point is placed again on the current map."""
        location = self.locate_on_current_map(initiative.location)
        index = self.area_index(location.map_version)
        return RoutingFacts(
            area_code=location.area_code,
            area_chain=tuple(index.ancestors(location.area_code)),
            themes=tuple(initiative.themes),
            initiator_kind=initiative.initiator_kind.value,
            map_version=index.version,
        )

    def locate_on_current_map(self, location: Location) -> Location:
        """Place a location on the current map version (keep it where that cannot be done)."""
        index = self.area_index()
        if location.is_point:
            assert location.lat is not None and location.lon is not None
            code = index.locate(location.lat, location.lon)
            if code is not None:
                return Location(code, location.lat, location.lon, index.version)
        elif location.area_code in index:
            return Location(location.area_code, None, None, index.version)
        return location

    def reroute_initiative(
        self,
        initiative_id: UUID,
        *,
        actor: Actor,
        reason: str,
        expected_version: int | None = None,
        dry_run: bool = False,
    ) -> RoutingDecision | None:
        """Route an open initiative again on today's facts, map and rulebook; record why.

        Returns the new decision, or None (and records nothing) when the lead and involved teams
        would stay the same. With `dry_run` nothing is recorded either way.
        """
        initiative = self.get_initiative(initiative_id)
        if expected_version is not None and initiative.version != expected_version:
            raise ConcurrencyConflict(initiative_id, expected_version, initiative.version)
        workflow.next_status("reroute", initiative.status)
        decision = route(self.current_facts(initiative), self.current_book())
        if decision.lead_team == initiative.lead_team and sorted(decision.involved_teams) == sorted(
            initiative.involved_teams
        ):
            return None
        if dry_run:
            return decision
        initiative.reroute(decision, actor, self.clock(), reason)
        self.save_all(initiative)
        return decision

    def candidate_book(
        self, label: str, default_acceptance_days: int, rules: list[dict[str, Any]]
    ) -> Book:
        """Build a rulebook that is not published yet and refuse it if anything is wrong.

        Raises RuleBookInvalid naming each rule and field (unknown team, area, theme or
        challenge; equally specific rules of equal priority with different outcomes).
        """
        challenges = [
            ChallengeFacts(c.code, c.team, tuple(c.themes), tuple(c.focus_areas))
            for c in self.challenges()
        ]
        book = book_from(
            label, {"default_acceptance_days": default_acceptance_days, "rules": rules}, challenges
        )
        index = self.area_index() if self.has_area_map() else None
        themes = self.theme_list()
        problems = check_book(
            book,
            teams=[t.code for t in self.teams()],
            areas=index.areas if index else (),
            themes=themes.active_codes,
            chains=index.chains() if index else (),
            retired=[t.code for t in themes.themes if not t.active],
        )
        if problems:
            raise RuleBookInvalid(problems)
        return book

    def publish_rulebook(
        self,
        label: str,
        description: str,
        default_acceptance_days: int,
        rules: list[dict[str, Any]],
        actor: Actor,
        source: str | None = None,
    ) -> None:
        """Validate and publish a new rulebook version; open work is not moved.

        `source` is the YAML text the version was read from, kept as written for the editor."""
        self.candidate_book(label, default_acceptance_days, rules)
        try:
            rulebook: RuleBook = self._get(RuleBook.create_id(), RuleBook)
        except NotFound:
            rulebook = RuleBook._create(
                RuleBook.Created, id=RuleBook.create_id(), timestamp=self.clock()
            )
        rulebook.publish(
            label, description, default_acceptance_days, rules, actor, self.clock(), source
        )
        self.save_all(rulebook)

    def rulebook(self) -> RuleBook | None:
        try:
            rulebook: RuleBook = self._read(RuleBook.create_id(), RuleBook)
        except NotFound:
            return None
        return rulebook
