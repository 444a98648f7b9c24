"""ParticipatieApp's organisation part: the area map, teams and challenges (the directory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from participatie.application.core import AppCore
from participatie.domain.areas import Area, AreaMap
from participatie.domain.errors import InvariantViolation, NotFound, UnknownTeam
from participatie.domain.organisation import Challenge, Directory, Team
from participatie.domain.values import Actor, TeamKind
from participatie.maps.geo import AreaIndex

Listed = TypeVar("Listed", Team, Challenge)


class OrganisationCommands(AppCore):
    """The area map and the directory of teams and challenges."""

    _area_indexes: dict[str, AreaIndex]

    # -- areas -----------------------------------------------------------------------------------

    def import_area_map(self, label: str, areas: list[Area], source: str, actor: Actor) -> None:
        root = next((a for a in areas if a.parent is None), None)
        if root is None:
            raise InvariantViolation("areas", "the map has no municipality")
        try:
            area_map = self._area_map(to_change=True)
        except NotFound:
            area_map = AreaMap._create(
                AreaMap.Created,
                id=AreaMap.create_id(),
                municipality_code=root.code,
                municipality_name=root.name,
                timestamp=self.clock(),
            )
        area_map.import_version(label, areas, source, actor, self.clock())
        self.save_all(area_map)

    def _area_map(self, to_change: bool = False) -> AreaMap:
        load = self._get if to_change else self._read
        area_map: AreaMap = load(AreaMap.create_id(), AreaMap)
        return area_map

    def area_map_version(self) -> str | None:
        """Return the current map version label, or None before the first import."""
        return self._area_map().current_version if self.has_area_map() else None

    def area_map_versions(self) -> list[str]:
        """Every imported map version label, oldest first."""
        return list(self._area_map().versions) if self.has_area_map() else []

    def municipality(self) -> tuple[str, str]:
        """Return the municipality's code and name (from the area map)."""
        area_map = self._area_map()
        return area_map.municipality_code, area_map.municipality_name

    def has_area_map(self) -> bool:
        map_id = AreaMap.create_id()
        return map_id in self._readonly or map_id in self.repository  # maps are never removed

    def area_index(self, version: str | None = None, checked: bool = False) -> AreaIndex:
        """Return the index of map `version` (default: current); cached, versions never change.

        `checked`: the kept area map was brought up to date just now (by `current_book`)."""
        if version is not None and version in self._area_indexes:
            return self._area_indexes[version]
        kept = self._readonly.get(AreaMap.create_id()) if checked else None
        area_map = kept if isinstance(kept, AreaMap) else self._area_map()
        label = version or area_map.current_version
        assert label is not None
        if label not in self._area_indexes:
            self._area_indexes[label] = AreaIndex(area_map.areas(label), version=label)
        return self._area_indexes[label]

    # -- teams and challenges --------------------------------------------------------------------

    def register_team(
        self,
        code: str,
        name: str,
        kind: TeamKind,
        areas: Iterable[str],
        email: str | None,
        actor: Actor,
    ) -> bool:
        """Create or change a team; return whether anything was recorded."""

        def same_kind(team: Team) -> None:
            if team.kind is not kind:
                raise InvariantViolation("kind", f"team '{code}' is a {team.kind.value} team")

        fields = {"name": name, "areas": list(areas), "email": email}
        return self._create_or_change(
            Team,
            Team.Registered,
            Directory.list_team,
            code,
            fields,
            actor,
            created_with={"kind": kind},
            check=same_kind,
        )

    def define_challenge(
        self,
        code: str,
        name: str,
        themes: Iterable[str],
        team: str,
        focus_areas: Iterable[str],
        actor: Actor,
    ) -> bool:
        """Create or change a challenge; return whether anything was recorded."""
        fields = {
            "name": name,
            "themes": list(themes),
            "team": team,
            "focus_areas": list(focus_areas),
        }
        return self._create_or_change(
            Challenge, Challenge.Defined, Directory.list_challenge, code, fields, actor
        )

    def _create_or_change(
        self,
        kind: type[Listed],
        created: type[Team.Registered] | type[Challenge.Defined],
        list_in: Callable[[Directory, str, datetime], None],
        code: str,
        fields: dict[str, Any],
        actor: Actor,
        *,
        created_with: dict[str, Any] | None = None,
        check: Callable[[Listed], None] | None = None,
    ) -> bool:
        """Change the team or challenge `code` to `fields` (after `check`), or create it from a
        `created` event and list it in the directory (`list_in`); return whether anything was
        recorded. `created_with`: what only a new one is given (a team's kind never changes).
        """
        member_id = kind.create_id(code)
        if member_id in self.repository:
            member: Listed = self._get(member_id, kind)
            if check is not None:
                check(member)
            changed = member.change(**fields, actor=actor, at=self.clock())
            if changed:
                self.save_all(member)
            return changed
        directory = self._directory(to_change=True)
        new = kind._create(
            created,
            id=member_id,
            code=code,
            **(created_with or {}),
            **fields,
            actor=actor,
            timestamp=self.clock(),
        )
        list_in(directory, code, self.clock())
        self.save_all(new, directory)
        return True

    def set_team_capacity(
        self,
        code: str,
        cases: int | None,
        hours_per_week: int | None,
        reason: str,
        actor: Actor,
    ) -> bool:
        """Record what team `code` can carry; return whether anything was recorded (an
        unchanged capacity records nothing). An unknown team is refused as UnknownTeam."""
        team_id = Team.create_id(code)
        if team_id not in self.repository:
            raise UnknownTeam("code")
        team: Team = self._get(team_id, Team)
        changed = team.set_capacity(cases, hours_per_week, reason, actor, self.clock())
        if changed:
            self.save_all(team)
        return changed

    def _directory(self, to_change: bool = False) -> Directory:
        load = self._get if to_change else self._read
        try:
            directory: Directory = load(Directory.create_id(), Directory)
        except NotFound:
            directory = Directory._create(
                Directory.Created, id=Directory.create_id(), timestamp=self.clock()
            )
        return directory

    def teams(self) -> list[Team]:
        teams: list[Team] = self._listed("teams", Team)
        return teams

    def challenges(self) -> list[Challenge]:
        challenges: list[Challenge] = self._listed("challenges", Challenge)
        return challenges

    def _listed(self, attribute: str, kind: Any) -> list[Any]:
        """The directory's teams or challenges, to read only; usually checked in one query."""
        directory_id = Directory.create_id()
        kept = self._readonly.get(directory_id)
        known = [(kind.create_id(c), kind) for c in getattr(kept, attribute)] if kept else []
        try:
            directory, *checked = self._read_all([(directory_id, Directory), *known])
        except NotFound:
            return []
        if directory is kept:  # unchanged: its members were checked in the same query
            return checked
        return self._read_all([(kind.create_id(c), kind) for c in getattr(directory, attribute)])
