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
        """A new version; `source` is the YAML text as its author wrote it (comments, layout),
        or None when it was published from data rather than from a text."""

        class_version = 2

        label: str
        description: str
        default_acceptance_days: int
        rules: list[dict[str, Any]]
        actor: Actor
        source: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 kept only the parsed rules, not the text they were read from."""
            state["source"] = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, RuleBook)
            aggregate.versions[self.label] = {
                "description": self.description,
                "default_acceptance_days": self.default_acceptance_days,
                "rules": list(self.rules),
            }
            if self.source is not None:
                aggregate.sources[self.label] = self.source
            aggregate.current_version = self.label

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "participatie:rulebook")

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, Any]] = {}
        self.current_version: str | None = None
        self.sources: dict[str, str] = {}  # the text of each version that was published as one

    def publish(
        self,
        label: str,
        description: str,
        default_acceptance_days: int,
        rules: list[dict[str, Any]],
        actor: Actor,
        at: datetime,
        source: str | None = None,
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
            source=source,
            timestamp=at,
        )
