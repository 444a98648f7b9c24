"""Point → buurt resolution and the area hierarchy of one map version (shapely + STRtree)."""

from __future__ import annotations

from collections.abc import Sequence

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from participatie.domain.areas import Area
from participatie.domain.values import AreaLevel


class AreaIndex:
    """Answers "which buurt is this point in" and "what is above this area" for one map version."""

    def __init__(self, areas: Sequence[Area], version: str | None = None) -> None:
        self.version = version
        self.areas = {a.code: a for a in areas}
        self._buurten = sorted(
            (a for a in areas if a.level is AreaLevel.NEIGHBOURHOOD), key=lambda a: a.code
        )
        self._shapes: list[BaseGeometry] = [shape(a.geometry) for a in self._buurten]
        self._tree = STRtree(self._shapes)

    def locate(self, lat: float, lon: float) -> str | None:
        """Return the buurt code covering the point, or None outside the municipality.

        A point on a shared border is covered by several buurten; the lowest code wins, so the
        answer never depends on the order of the input.
        """
        point = Point(lon, lat)
        hits = [
            self._buurten[i].code
            for i in self._tree.query(point, predicate="intersects")
            if self._shapes[i].covers(point)
        ]
        return min(hits) if hits else None

    def __contains__(self, code: object) -> bool:
        return code in self.areas

    def ancestors(self, code: str) -> list[str]:
        """Return `code` and every area above it, nearest first."""
        chain: list[str] = []
        current: str | None = code
        while current is not None and current in self.areas:
            chain.append(current)
            current = self.areas[current].parent
        return chain

    def chains(self) -> list[list[str]]:
        """Return the ancestor chain of every area (every place an initiative can land)."""
        return [self.ancestors(code) for code in sorted(self.areas)]

    def level(self, code: str) -> AreaLevel:
        return self.areas[code].level

    def name(self, code: str) -> str:
        return self.areas[code].name

    def children(self, code: str) -> list[str]:
        return sorted(a.code for a in self.areas.values() if a.parent == code)

    @property
    def root(self) -> str:
        return next(a.code for a in self.areas.values() if a.parent is None)
