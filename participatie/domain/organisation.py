"""Teams, challenges (opgaven) and the directory that lists them."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.values import Actor, TeamKind


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
