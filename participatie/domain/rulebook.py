"""The RuleBook aggregate: routing rules published as numbered versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import InvariantViolation
from participatie.domain.values import Actor


class RuleBook(Aggregate):
    """Every published version of the routing rules; publishing never moves open work."""

    class Published(Aggregate.Event):
        label: str
        description: str
        default_acceptance_days: int
        rules: list[dict[str, Any]]
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, RuleBook)
            aggregate.versions[self.label] = {
                "description": self.description,
                "default_acceptance_days": self.default_acceptance_days,
                "rules": list(self.rules),
            }
            aggregate.current_version = self.label

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "participatie:rulebook")

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, Any]] = {}
        self.current_version: str | None = None

    def publish(
        self,
        label: str,
        description: str,
        default_acceptance_days: int,
        rules: list[dict[str, Any]],
        actor: Actor,
        at: datetime,
    ) -> None:
        if label in self.versions:
            raise InvariantViolation("version", f"rulebook version '{label}' already exists")
        if default_acceptance_days < 1:
            raise InvariantViolation("default_acceptance_days", "must be at least 1")
        self.trigger_event(
            self.Published,
            label=label,
            description=description,
            default_acceptance_days=default_acceptance_days,
            rules=rules,
            actor=actor,
            timestamp=at,
        )
