"""Teams, challenges (opgaven) and the directory that lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import CapacityOutOfRange, NoCapacity, ReasonRequired
from participatie.domain.values import Actor, TeamKind

# More than this many open cases, or hours a week, is no team's capacity but a typing error
# (10,000 hours a week would be some 270 full-time people on participation work alone).
MAX_CAPACITY = 10_000
# The hours a week one open case at full weight takes of a team (the default of the setting
# PARTICIPATIE_CAPACITY_HOURS_PER_CASE).
DEFAULT_HOURS_PER_CASE = 4


@dataclass(frozen=True)
class Capacity:
    """What a team can carry: open cases, hours a week, or both (None: not given)."""

    cases: int | None
    hours_per_week: int | None

    def in_cases(self, hours_per_case: int) -> float | None:
        """The capacity a load in cases is held against: the cases when given (the team said
        so itself), else the hours turned into cases at `hours_per_case`."""
        if self.cases is not None:
            return float(self.cases)
        if self.hours_per_week is None:
            return None
        return round(self.hours_per_week / hours_per_case, 2)


@dataclass(frozen=True)
class CapacityRecord:
    """One capacity a team was given: by whom, when and why."""

    capacity: Capacity
    at: datetime
    actor: str
    reason: str


def check_capacity(cases: int | None, hours_per_week: int | None) -> None:
    """Refuse a capacity a person must correct: neither figure, or one out of range."""
    if cases is None and hours_per_week is None:
        raise NoCapacity()
    for field, value in (("cases", cases), ("hours_per_week", hours_per_week)):
        # bool is an int to Python, but True cases is a mistake, not a capacity of one.
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CAPACITY
        ):
            raise CapacityOutOfRange(field, MAX_CAPACITY)


class Team(Aggregate):
    """An area team, challenge team, line department or the regie team."""

    class Registered(Aggregate.Created):
        code: str
        name: str
        kind: TeamKind
        areas: list[str]
        email: str | None
        actor: Actor

    class Changed(Aggregate.Event):
        name: str
        areas: list[str]
        email: str | None
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Team)
            aggregate.name = self.name
            aggregate.areas = list(self.areas)
            aggregate.email = self.email

    class CapacitySet(Aggregate.Event):
        cases: int | None
        hours_per_week: int | None
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Team)
            aggregate.capacity = Capacity(self.cases, self.hours_per_week)
            aggregate.capacity_history.append(
                CapacityRecord(aggregate.capacity, self.timestamp, self.actor.id, self.reason)
            )

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:team:{code}")

    def __init__(
        self,
        code: str,
        name: str,
        kind: TeamKind,
        areas: list[str],
        email: str | None,
        actor: Actor,
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.areas = list(areas)
        self.email = email
        # Set here, not by Registered: teams registered before capacities existed load as
        # teams without one.
        self.capacity: Capacity | None = None
        self.capacity_history: list[CapacityRecord] = []

    def change(
        self, name: str, areas: list[str], email: str | None, actor: Actor, at: datetime
    ) -> bool:
        """Record a change; return False (and record nothing) when nothing differs."""
        if (name, list(areas), email) == (self.name, self.areas, self.email):
            return False
        self.trigger_event(
            self.Changed, name=name, areas=list(areas), email=email, actor=actor, timestamp=at
        )
        return True

    def set_capacity(
        self,
        cases: int | None,
        hours_per_week: int | None,
        reason: str,
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Record what the team can carry; return False (and record nothing) when it stays the
        same. A capacity is a choice someone must be able to explain later: it needs a reason."""
        check_capacity(cases, hours_per_week)
        if not reason.strip():
            raise ReasonRequired("set_capacity")
        if self.capacity == Capacity(cases, hours_per_week):
            return False
        self.trigger_event(
            self.CapacitySet,
            cases=cases,
            hours_per_week=hours_per_week,
            reason=reason.strip(),
            actor=actor,
            timestamp=at,
        )
        return True


class Challenge(Aggregate):
    """A societal challenge owned by a challenge team, landing in focus areas."""

    class Defined(Aggregate.Created):
        code: str
        name: str
        themes: list[str]
        team: str
        focus_areas: list[str]
        actor: Actor

    class Changed(Aggregate.Event):
        name: str
        themes: list[str]
        team: str
        focus_areas: list[str]
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Challenge)
            aggregate.name = self.name
            aggregate.themes = list(self.themes)
            aggregate.team = self.team
            aggregate.focus_areas = list(self.focus_areas)

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:challenge:{code}")

    def __init__(
        self,
        code: str,
        name: str,
        themes: list[str],
        team: str,
        focus_areas: list[str],
        actor: Actor,
    ) -> None:
        self.code = code
        self.name = name
        self.themes = list(themes)
        self.team = team
        self.focus_areas = list(focus_areas)

    def change(
        self,
        name: str,
        themes: list[str],
        team: str,
        focus_areas: list[str],
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Record a change; return False (and record nothing) when nothing differs."""
        new = (name, list(themes), team, list(focus_areas))
        if new == (self.name, self.themes, self.team, self.focus_areas):
            return False
        self.trigger_event(
            self.Changed,
            name=name,
            themes=list(themes),
            team=team,
            focus_areas=list(focus_areas),
            actor=actor,
            timestamp=at,
        )
        return True


class Directory(Aggregate):
    """The list of team and challenge codes, so they can be enumerated without a view."""

    class Listed(Aggregate.Event):
        kind: str  # "team" or "challenge"
        code: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Directory)
            target = aggregate.teams if self.kind == "team" else aggregate.challenges
            target.append(self.code)

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "participatie:directory")

    def __init__(self) -> None:
        self.teams: list[str] = []
        self.challenges: list[str] = []

    def list_team(self, code: str, at: datetime) -> None:
        if code not in self.teams:
            self.trigger_event(self.Listed, kind="team", code=code, timestamp=at)

    def list_challenge(self, code: str, at: datetime) -> None:
        if code not in self.challenges:
            self.trigger_event(self.Listed, kind="challenge", code=code, timestamp=at)
