"""The AreaMap aggregate: the municipality's areas, imported as numbered map versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import InvariantViolation
from participatie.domain.values import Actor, AreaLevel


@dataclass(frozen=True)
class Area:
    """One gemeente, wijk or buurt with its CBS code, parent code and GeoJSON geometry."""

    code: str
    name: str
    level: AreaLevel
    parent: str | None
    geometry: dict[str, Any]


AREA_MAP_ID = uuid5(NAMESPACE_URL, "participatie:areamap")


class AreaMap(Aggregate):
    """All versions of one municipality's area division; a re-division is a new version."""

    class Created(Aggregate.Created):
        municipality_code: str
        municipality_name: str

    class VersionImported(Aggregate.Event):
        label: str
        areas: list[Area]
        source: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaMap)
            aggregate.versions[self.label] = list(self.areas)
            aggregate.current_version = self.label

    @staticmethod
    def create_id() -> UUID:
        """One deployment serves one municipality, so there is one area map."""
        return AREA_MAP_ID

    def __init__(self, municipality_code: str, municipality_name: str) -> None:
        self.municipality_code = municipality_code
        self.municipality_name = municipality_name
        self.versions: dict[str, list[Area]] = {}
        self.current_version: str | None = None

    def import_version(
        self, label: str, areas: list[Area], source: str, actor: Actor, at: datetime
    ) -> None:
        if label in self.versions:
            raise InvariantViolation("version", f"map version '{label}' already exists")
        codes = [a.code for a in areas]
        if len(set(codes)) != len(codes):
            raise InvariantViolation("areas", "area codes must be unique within a version")
        roots = [a for a in areas if a.parent is None]
        if len(roots) != 1 or roots[0].code != self.municipality_code:
            raise InvariantViolation("areas", f"exactly one root, {self.municipality_code}")
        known = set(codes)
        for area in areas:
            if area.parent is not None and area.parent not in known:
                raise InvariantViolation("areas", f"{area.code}: unknown parent {area.parent}")
        self.trigger_event(
            self.VersionImported,
            label=label,
            areas=areas,
            source=source,
            actor=actor,
            timestamp=at,
        )

    def areas(self, label: str | None = None) -> list[Area]:
        """Return the areas of map version `label` (default: the current version)."""
        label = label or self.current_version
        if label is None or label not in self.versions:
            raise InvariantViolation("version", f"no map version '{label}'")
        return self.versions[label]
