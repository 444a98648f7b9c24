"""The area agenda (gebiedsagenda): per area and period, a ranked list of priorities.

An area manager drafts it; regie (or the configured role) adopts it, which freezes that version;
revising starts a new draft from the adopted one, so every adopted version stays as it was. Staff
link initiatives to priorities (many to many, each with a reason). Every step is an event with
who, when and why; the agenda's state on any date is its events up to that date.

A priority keeps its `key` across versions, so links and reports follow it through revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import IllegalTransition, InvalidChoice, InvariantViolation
from participatie.domain.values import Actor

DRAFT, ADOPTED, SUPERSEDED = "draft", "adopted", "superseded"
MAX_PRIORITIES = 12  # "a handful of focus priorities"; a longer list is no choice


@dataclass(frozen=True)
class Priority:
    """One priority of an agenda: what it is for, who owns it, what it serves and covers."""

    key: str  # stable within the agenda, across versions
    title: str
    result: str  # the intended result
    indicators: tuple[str, ...]
    team: str  # the owning team
    challenges: tuple[str, ...]  # challenge codes it serves
    buurten: tuple[str, ...]  # area codes it covers (empty: the whole area)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "result": self.result,
            "indicators": list(self.indicators),
            "team": self.team,
            "challenges": list(self.challenges),
            "buurten": list(self.buurten),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Priority:
        return cls(
            key=str(data["key"]),
            title=str(data["title"]),
            result=str(data.get("result") or ""),
            indicators=tuple(data.get("indicators") or ()),
            team=str(data["team"]),
            challenges=tuple(data.get("challenges") or ()),
            buurten=tuple(data.get("buurten") or ()),
        )


@dataclass(frozen=True)
class AgendaVersion:
    number: int
    status: str  # draft, adopted or superseded
    priorities: tuple[Priority, ...]
    changed_at: datetime
    changed_by: str
    reason: str
    adopted_at: datetime | None = None
    adopted_by: str | None = None


@dataclass(frozen=True)
class Link:
    """An initiative linked to a priority, by whom and why."""

    initiative_id: UUID
    priority: str
    reason: str
    actor: str
    at: datetime
    suggested: bool  # the platform suggested it and a person confirmed it


class AreaAgenda(Aggregate):
    """The agenda of one area for one period."""

    class Started(Aggregate.Created):
        area: str
        period: str
        actor: Actor

    class Drafted(Aggregate.Event):
        version: int
        priorities: list[dict[str, Any]]
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaAgenda)
            aggregate.versions[self.version] = AgendaVersion(
                self.version,
                DRAFT,
                tuple(Priority.from_dict(p) for p in self.priorities),
                self.timestamp,
                self.actor.id,
                self.reason,
            )

    class Adopted(Aggregate.Event):
        version: int
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaAgenda)
            for number, old in list(aggregate.versions.items()):
                if old.status == ADOPTED:
                    aggregate.versions[number] = _with(old, status=SUPERSEDED)
            draft = aggregate.versions[self.version]
            aggregate.versions[self.version] = _with(
                draft, status=ADOPTED, adopted_at=self.timestamp, adopted_by=self.actor.id
            )

    class Revised(Aggregate.Event):
        """A new draft, starting from the adopted version (which stays as it was)."""

        version: int
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaAgenda)
            adopted = aggregate.versions[self.version - 1]
            aggregate.versions[self.version] = AgendaVersion(
                self.version,
                DRAFT,
                adopted.priorities,
                self.timestamp,
                self.actor.id,
                self.reason,
            )

    class InitiativeLinked(Aggregate.Event):
        initiative_id: UUID
        priority: str
        reason: str
        actor: Actor
        suggested: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaAgenda)
            aggregate.links[(self.initiative_id, self.priority)] = Link(
                self.initiative_id,
                self.priority,
                self.reason,
                self.actor.id,
                self.timestamp,
                self.suggested,
            )

    class InitiativeUnlinked(Aggregate.Event):
        initiative_id: UUID
        priority: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaAgenda)
            aggregate.links.pop((self.initiative_id, self.priority), None)

    @staticmethod
    def create_id(area: str, period: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:agenda:{area}:{period}")

    def __init__(self, area: str, period: str, actor: Actor) -> None:
        self.area = area
        self.period = period
        self.versions: dict[int, AgendaVersion] = {}
        self.links: dict[tuple[UUID, str], Link] = {}

    # -- reading ---------------------------------------------------------------------------------

    @property
    def latest(self) -> AgendaVersion | None:
        """The newest version: the draft being worked on, or the adopted one."""
        return self.versions[max(self.versions)] if self.versions else None

    @property
    def adopted(self) -> AgendaVersion | None:
        """The version in force: the last adopted one."""
        found = [v for v in self.versions.values() if v.status == ADOPTED]
        return found[-1] if found else None

    def priority(self, key: str) -> Priority | None:
        """The priority `key` as the newest version has it."""
        latest = self.latest
        return next((p for p in latest.priorities if p.key == key), None) if latest else None

    def links_of(self, key: str) -> list[Link]:
        return [link for (_, k), link in self.links.items() if k == key]

    # -- commands --------------------------------------------------------------------------------

    def draft(self, priorities: list[Priority], reason: str, actor: Actor, at: datetime) -> bool:
        """Set the draft's ranked priorities (the first version, or a revision's draft).

        Refused when the newest version is adopted (frozen: revise first). Records nothing and
        returns False when the draft would stay the same."""
        latest = self.latest
        if latest is not None and latest.status != DRAFT:
            raise IllegalTransition("draft_agenda", latest.status)
        _check_priorities(priorities, reason)
        if latest is not None and list(latest.priorities) == list(priorities):
            return False
        version = latest.number if latest is not None else 1
        self.trigger_event(
            self.Drafted,
            version=version,
            priorities=[p.as_dict() for p in priorities],
            reason=reason,
            actor=actor,
            timestamp=at,
        )
        return True

    def adopt(self, reason: str, actor: Actor, at: datetime) -> int:
        """Adopt the draft: it is frozen from now on and in force. Returns its number."""
        latest = self.latest
        if latest is None or latest.status != DRAFT:
            raise IllegalTransition("adopt_agenda", latest.status if latest else "empty")
        if not latest.priorities:
            raise InvariantViolation("priorities", "an agenda needs at least one priority")
        _check_reason(reason)
        self.trigger_event(
            self.Adopted, version=latest.number, reason=reason, actor=actor, timestamp=at
        )
        return latest.number

    def revise(self, reason: str, actor: Actor, at: datetime) -> int:
        """Start a new draft from the adopted version. Returns the new version's number."""
        latest = self.latest
        if latest is None or latest.status != ADOPTED:
            raise IllegalTransition("revise_agenda", latest.status if latest else "empty")
        _check_reason(reason)
        self.trigger_event(
            self.Revised, version=latest.number + 1, reason=reason, actor=actor, timestamp=at
        )
        return latest.number + 1

    def link(
        self,
        initiative_id: UUID,
        key: str,
        reason: str,
        actor: Actor,
        at: datetime,
        suggested: bool = False,
    ) -> bool:
        """Link an initiative to priority `key`; False (nothing recorded) if already linked."""
        if self.priority(key) is None:
            raise InvalidChoice("priority", f"no priority '{key}' on this agenda")
        _check_reason(reason)
        if (initiative_id, key) in self.links:
            return False
        self.trigger_event(
            self.InitiativeLinked,
            initiative_id=initiative_id,
            priority=key,
            reason=reason,
            actor=actor,
            suggested=suggested,
            timestamp=at,
        )
        return True

    def unlink(
        self, initiative_id: UUID, key: str, reason: str, actor: Actor, at: datetime
    ) -> bool:
        """Remove a link; False (nothing recorded) if there was none."""
        _check_reason(reason)
        if (initiative_id, key) not in self.links:
            return False
        self.trigger_event(
            self.InitiativeUnlinked,
            initiative_id=initiative_id,
            priority=key,
            reason=reason,
            actor=actor,
            timestamp=at,
        )
        return True


def _with(version: AgendaVersion, **changes: Any) -> AgendaVersion:
    return replace(version, **changes)


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidChoice("reason", "a reason is required")


def _check_priorities(priorities: list[Priority], reason: str) -> None:
    _check_reason(reason)
    if len(priorities) > MAX_PRIORITIES:
        raise InvalidChoice("priorities", f"at most {MAX_PRIORITIES} priorities")
    keys = [p.key for p in priorities]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise InvalidChoice("priorities", f"priority keys appear twice: {', '.join(twice)}")
    for priority in priorities:
        if not priority.title.strip():
            raise InvalidChoice("priorities", f"priority '{priority.key}' has no title")
        if not priority.team:
            raise InvalidChoice("priorities", f"priority '{priority.key}' has no owning team")


class AgendaIndex(Aggregate):
    """Which agendas exist (area and period), so they can be listed without scanning the log."""

    class Listed(Aggregate.Event):
        area: str
        period: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AgendaIndex)
            aggregate.entries.append((self.area, self.period))

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "participatie:agenda-index")

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []

    def add(self, area: str, period: str, at: datetime) -> None:
        if (area, period) not in self.entries:
            self.trigger_event(self.Listed, area=area, period=period, timestamp=at)


class ChallengeOrder(Aggregate):
    """The order regie decided among the challenges landing in one area (first matters most).

    Where challenges stack up, someone has to choose: this records that choice, each time with
    who, when and why, and is shown wherever the area's work is shown."""

    class Started(Aggregate.Created):
        area: str

    class Decided(Aggregate.Event):
        order: list[str]
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ChallengeOrder)
            aggregate.order = list(self.order)
            aggregate.decided_at = self.timestamp
            aggregate.decided_by = self.actor.id
            aggregate.reason = self.reason

    @staticmethod
    def create_id(area: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:challenge-order:{area}")

    def __init__(self, area: str) -> None:
        self.area = area
        self.order: list[str] = []
        self.decided_at: datetime | None = None
        self.decided_by: str | None = None
        self.reason = ""

    def decide(self, order: list[str], reason: str, actor: Actor, at: datetime) -> bool:
        """Record the order; False (nothing recorded) when it is the order already in force."""
        _check_reason(reason)
        twice = sorted({c for c in order if order.count(c) > 1})
        if twice:
            raise InvalidChoice("order", f"challenges appear twice: {', '.join(twice)}")
        if list(order) == self.order:
            return False
        self.trigger_event(
            self.Decided, order=list(order), reason=reason, actor=actor, timestamp=at
        )
        return True

    def rank(self, code: str) -> int | None:
        """1 for the first challenge of the order; None for one the order does not name."""
        return self.order.index(code) + 1 if code in self.order else None
