"""Themes as the municipality's reference data: numbered versions of one list.

A theme is a code with a Dutch and an English label, active or retired. Each applied version is
an event with who, when and why. A theme is never deleted: one left out of a new version stays
in the list as retired, with its labels, so initiatives and rules that used it stay readable.
Until a municipality applies its own list, the platform's starting list holds (DEFAULT_THEMES).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import InvalidChoice, InvariantViolation
from participatie.domain.values import Actor

THEME_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


@dataclass(frozen=True)
class Theme:
    """One theme: its code, labels, whether new work may use it, and how Open311 lists it."""

    code: str
    nl: str
    en: str
    active: bool = True
    description: str = ""  # one sentence for residents (Open311's service description)
    keywords: str = ""  # comma-separated search words (Open311)
    group: str = ""  # a heading to group themes under (Open311)

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.nl

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Theme:
        return cls(
            code=str(data["code"]),
            nl=str(data["nl"]),
            en=str(data["en"]),
            active=bool(data.get("active", True)),
            description=str(data.get("description") or ""),
            keywords=str(data.get("keywords") or ""),
            group=str(data.get("group") or ""),
        )


@dataclass(frozen=True)
class ThemeCatalogue:
    """One version of the theme list, retired themes included, in the order given."""

    version: str | None  # None: the starting list, before any version was applied
    themes: tuple[Theme, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code, retired ones included: what stored work and filters may hold."""
        return tuple(t.code for t in self.themes)

    @property
    def active(self) -> tuple[Theme, ...]:
        return tuple(t for t in self.themes if t.active)

    @property
    def active_codes(self) -> tuple[str, ...]:
        """What new work (submissions, rules, challenges) may use."""
        return tuple(t.code for t in self.themes if t.active)

    def get(self, code: str) -> Theme | None:
        return next((t for t in self.themes if t.code == code), None)

    def label(self, code: str, language: str) -> str:
        """The theme's label in `language`; an unknown code shows as itself."""
        theme = self.get(code)
        return theme.label(language) if theme else code


def _theme(code: str, nl: str, en: str, description: str, keywords: str, group: str) -> Theme:
    return Theme(code, nl, en, True, description, keywords, group)


LIVING = "Leefomgeving"
SOCIETY = "Samenleving"
DEFAULT_THEMES = ThemeCatalogue(
    None,
    (
        _theme(
            "groen",
            "Groen",
            "Green",
            "Bomen, plantsoenen, geveltuinen en ander groen in de buurt.",
            "bomen, planten, geveltuin, park, vergroenen",
            LIVING,
        ),
        _theme(
            "energie",
            "Energie",
            "Energy",
            "Energie besparen, zonnepanelen, warmte en de energietransitie in de buurt.",
            "zonnepanelen, isoleren, warmtenet, duurzaam",
            LIVING,
        ),
        _theme(
            "verkeer",
            "Verkeer",
            "Traffic",
            "Verkeersveiligheid, fietsen, lopen, parkeren en bereikbaarheid.",
            "fiets, parkeren, oversteekplaats, snelheid, stoep",
            LIVING,
        ),
        _theme(
            "veiligheid",
            "Veiligheid",
            "Safety",
            "Een veilige buurt: verlichting, overlast en op elkaar letten.",
            "verlichting, overlast, buurtpreventie",
            SOCIETY,
        ),
        _theme(
            "wonen",
            "Wonen",
            "Housing",
            "Woningen, woonvormen en de woonomgeving.",
            "woning, woongroep, bouwen, huren",
            LIVING,
        ),
        _theme(
            "armoede",
            "Armoede",
            "Poverty",
            "Rondkomen, schulden voorkomen en meedoen: bestaanszekerheid.",
            "schulden, minima, voedselbank, bestaanszekerheid",
            SOCIETY,
        ),
        _theme(
            "jeugd",
            "Jeugd",
            "Youth",
            "Kinderen en jongeren: spelen, ontmoeten en veilig opgroeien.",
            "speeltuin, jongeren, kinderen, jongerenplek",
            SOCIETY,
        ),
        _theme(
            "ondernemen",
            "Ondernemen",
            "Business",
            "Winkels, markten, bedrijven en ondernemers in de buurt.",
            "winkel, markt, bedrijf, ondernemer",
            "Economie",
        ),
        _theme(
            "zorg",
            "Zorg",
            "Care",
            "Zorg en welzijn: ouderen, mantelzorg, eenzaamheid en elkaar helpen.",
            "ouderen, mantelzorg, welzijn, eenzaamheid",
            SOCIETY,
        ),
        _theme(
            "cultuur",
            "Cultuur",
            "Culture",
            "Kunst, cultuur, evenementen en erfgoed.",
            "kunst, muziek, festival, erfgoed",
            SOCIETY,
        ),
        _theme(
            "sport",
            "Sport",
            "Sport",
            "Sporten en bewegen in de buurt.",
            "sportveld, bewegen, vereniging, trapveld",
            SOCIETY,
        ),
        _theme(
            "openbare_ruimte",
            "Openbare ruimte",
            "Public space",
            "Straten, pleinen, bankjes, afval en het beheer van de openbare ruimte.",
            "straat, plein, bankje, afval, onderhoud",
            LIVING,
        ),
    ),
)


@dataclass(frozen=True)
class ThemeChange:
    """What applying a version changed, against the list before it."""

    added: tuple[str, ...]
    retired: tuple[str, ...]
    reactivated: tuple[str, ...]
    relabelled: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return not (self.added or self.retired or self.reactivated or self.relabelled)


def compare(before: ThemeCatalogue, after: ThemeCatalogue) -> ThemeChange:
    old = {t.code: t for t in before.themes}
    added, retired, reactivated, relabelled = [], [], [], []
    for theme in after.themes:
        was = old.get(theme.code)
        if was is None:
            added.append(theme.code)
            continue
        if was.active and not theme.active:
            retired.append(theme.code)
        elif theme.active and not was.active:
            reactivated.append(theme.code)
        if replace_active(was, theme.active) != theme:
            relabelled.append(theme.code)
    return ThemeChange(tuple(added), tuple(retired), tuple(reactivated), tuple(relabelled))


def replace_active(theme: Theme, active: bool) -> Theme:
    return Theme(
        theme.code, theme.nl, theme.en, active, theme.description, theme.keywords, theme.group
    )


@dataclass(frozen=True)
class VersionRecord:
    """Who applied a version, when and why."""

    label: str
    at: datetime
    actor: str
    reason: str


THEME_LIST_ID = uuid5(NAMESPACE_URL, "participatie:themes")  # one theme list per deployment


class ThemeList(Aggregate):
    """Every applied version of the municipality's theme list."""

    class Applied(Aggregate.Event):
        label: str
        themes: list[dict[str, Any]]
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ThemeList)
            aggregate.versions[self.label] = [dict(t) for t in self.themes]
            aggregate.current_version = self.label
            aggregate.history.append(
                VersionRecord(self.label, self.timestamp, self.actor.id, self.reason)
            )

    @staticmethod
    def create_id() -> UUID:
        return THEME_LIST_ID

    def __init__(self) -> None:
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self.current_version: str | None = None
        self.history: list[VersionRecord] = []

    def catalogue(self, label: str | None = None) -> ThemeCatalogue:
        """Version `label` (default: the current one); the starting list before any version."""
        label = label or self.current_version
        if label is None:
            return DEFAULT_THEMES
        return ThemeCatalogue(label, tuple(Theme.from_dict(t) for t in self.versions[label]))

    def apply_version(
        self, label: str, themes: list[Theme], reason: str, actor: Actor, at: datetime
    ) -> ThemeChange:
        """Record `themes` as version `label`; themes of the current list left out are kept,
        retired. Returns what changed; records nothing (and returns an empty change) when a
        list already applied would stay the same."""
        if label in self.versions:
            raise InvalidChoice("version", f"theme list version '{label}' already exists")
        if not reason.strip():
            raise InvalidChoice("reason", "a change of the theme list needs a reason")
        codes = [t.code for t in themes]
        for code in codes:
            if not THEME_CODE.fullmatch(code):
                raise InvalidChoice("themes", f"'{code}' is not a valid theme code")
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise InvalidChoice("themes", f"theme codes appear twice: {', '.join(twice)}")
        before = self.catalogue()
        kept = [replace_active(t, False) for t in before.themes if t.code not in codes]
        after = ThemeCatalogue(label, (*themes, *kept))
        if not after.active:
            raise InvariantViolation("themes", "at least one theme must stay active")
        change = compare(before, after)
        unchanged = change.nothing and [t.code for t in after.themes] == list(before.codes)
        if unchanged and self.current_version is not None:
            return change  # the first version is always recorded: the list is then the town's
        self.trigger_event(
            self.Applied,
            label=label,
            themes=[t.as_dict() for t in after.themes],
            reason=reason,
            actor=actor,
            timestamp=at,
        )
        return change
