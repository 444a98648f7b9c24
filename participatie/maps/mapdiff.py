"""What a new area map version changes against the current one, for the import's preview."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from participatie.domain.areas import Area


@dataclass(frozen=True)
class Renamed:
    code: str
    old: str
    new: str


@dataclass(frozen=True)
class Moved:
    """An area that now lies in another parent (a buurt moved to another wijk)."""

    code: str
    name: str
    old_parent: str | None
    new_parent: str | None


@dataclass(frozen=True)
class MapDiff:
    """Areas added, removed, renamed, moved to another parent and redrawn, by code; an area can
    be renamed, moved and redrawn at once. `unchanged` counts the areas that stay as they are."""

    added: tuple[Area, ...]
    removed: tuple[Area, ...]
    renamed: tuple[Renamed, ...]
    moved: tuple[Moved, ...]
    redrawn: tuple[Area, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        """True when the new version is the same map."""
        return not (self.added or self.removed or self.renamed or self.moved or self.redrawn)

    def touched_codes(self) -> set[str]:
        """Codes of the new map's areas that are new or different."""
        return (
            {a.code for a in self.added}
            | {r.code for r in self.renamed}
            | {m.code for m in self.moved}
            | {a.code for a in self.redrawn}
        )


def _shape(geometry: Any) -> str:
    """A geometry as comparable text: a stored map holds lists where a fresh read holds tuples."""
    return json.dumps(geometry, sort_keys=True)


def compare(current: Sequence[Area], new: Sequence[Area]) -> MapDiff:
    """What importing `new` changes against `current` (each list sorted by code)."""
    before = {a.code: a for a in current}
    after = {a.code: a for a in new}
    renamed, moved, redrawn = [], [], []
    unchanged = 0
    for code in sorted(before.keys() & after.keys()):
        old, now = before[code], after[code]
        if old.name != now.name:
            renamed.append(Renamed(code, old.name, now.name))
        if old.parent != now.parent:
            moved.append(Moved(code, now.name, old.parent, now.parent))
        same_shape = _shape(old.geometry) == _shape(now.geometry)
        if not same_shape:
            redrawn.append(now)
        if old.name == now.name and old.parent == now.parent and same_shape:
            unchanged += 1
    return MapDiff(
        added=tuple(after[c] for c in sorted(after.keys() - before.keys())),
        removed=tuple(before[c] for c in sorted(before.keys() - after.keys())),
        renamed=tuple(renamed),
        moved=tuple(moved),
        redrawn=tuple(redrawn),
        unchanged=unchanged,
    )
