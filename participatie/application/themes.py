"""ParticipatieApp's themes part: the municipality's theme list, versioned like the rulebook."""

from __future__ import annotations

from collections.abc import Iterable

from participatie.application.core import AppCore
from participatie.domain.errors import NotFound, UnknownTheme
from participatie.domain.themes import DEFAULT_THEMES, Theme, ThemeCatalogue, ThemeChange, ThemeList
from participatie.domain.values import Actor


class ThemeCommands(AppCore):
    """The current theme list (what new work may use), its versions, and applying a new one."""

    # The catalogue last built, with the kept theme list and version it was built from.
    _catalogue: tuple[ThemeList, int, ThemeCatalogue] | None = None

    def theme_list(self) -> ThemeCatalogue:
        """The current version, retired themes included; the starting list before any."""
        stored = self.theme_history()
        if stored is None:
            return DEFAULT_THEMES
        built = self._catalogue
        if built is not None and built[0] is stored and built[1] == stored.version:
            return built[2]  # the kept list is never changed: the same version, the same themes
        catalogue = stored.catalogue()
        self._catalogue = (stored, stored.version, catalogue)
        return catalogue

    def theme_history(self) -> ThemeList | None:
        """Every applied version (None before the first)."""
        try:
            stored: ThemeList = self._read(ThemeList.create_id(), ThemeList)
        except NotFound:
            return None
        return stored

    def apply_themes(
        self, label: str, themes: list[Theme], reason: str, actor: Actor
    ) -> ThemeChange:
        """Apply `themes` as version `label` (left-out themes stay, retired); return what
        changed. Nothing is recorded when the list would stay the same."""
        try:
            stored: ThemeList = self._get(ThemeList.create_id(), ThemeList)
        except NotFound:
            stored = ThemeList._create(
                ThemeList.Created, id=ThemeList.create_id(), timestamp=self.clock()
            )
        change = stored.apply_version(label, themes, reason, actor, self.clock())
        if stored.current_version == label:
            self.save_all(stored)
        return change

    def check_themes(self, field: str, codes: Iterable[str], kept: Iterable[str] = ()) -> None:
        """Refuse (UnknownTheme) codes that are not active now; codes in `kept` (what the work
        already had) may stay even when retired since."""
        allowed = set(self.theme_list().active_codes) | set(kept)
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            raise UnknownTheme(field, unknown)
