"""Finding an initiative from the staff search box: by tracking code, by id (whole, or its first
8 or more hex digits) or by the words of its title, only among what the searcher may open.

Who may open what is `access.allowed(role, "detail", relation)`; `scope_of` turns it into the
scope the views filter on, and exact hits are checked with `access.sees` on the initiative
itself, as its detail page does. A tracking code is a secret: it is hashed to find its
initiative (as on the public tracking page) and never written anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING
from uuid import UUID

from participatie.application.schemas import N_
from participatie.domain.errors import NotFound
from participatie.domain.tracking import looks_like_code
from participatie.domain.values import Role
from participatie.staff import access
from participatie.views.queries.search import Scope, SearchPage, by_id_prefix, by_title
from participatie.views.store import ViewTables
from participatie.views.words import words

if TYPE_CHECKING:  # annotations only
    from participatie.application.app import ParticipatieApp

SHORTEST = 3  # letters or digits
LONGEST = 100  # characters
MOST_WORDS = 8
SHORTEST_ID = 8  # hex digits of an id's start
HEX = re.compile(r"[0-9a-f]+")
SEPARATORS = re.compile(r"[\s-]+")  # a tracking code is read aloud in groups; ids have hyphens
NOTHING = SearchPage([], None)


class SearchInvalid(ValueError):
    """The search text cannot be used; `message` (a Dutch msgid) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Query:
    text: str  # as typed, without surrounding space
    words: tuple[str, ...]  # normalised title words (views.words)
    hex: str | None  # the hex digits, when the text is 8 to 32 hex digits with separators
    code: bool = False  # the text has the shape of a tracking code read out over the phone

    @property
    def secret(self) -> bool:
        """Whether the text may be a tracking code: it never goes into an address."""
        return self.whole or self.code

    @property
    def whole(self) -> bool:
        """32 hex digits: a tracking code or a whole id, never the start of one."""
        return self.hex is not None and len(self.hex) == 32


def read(text: str) -> Query:
    """The query in `text`, or SearchInvalid (empty, too short, too long, too many words)."""
    text = text.strip()
    if not text:
        raise SearchInvalid(N_("Vul een titel, volgcode of nummer in."))
    if len(text) > LONGEST:
        raise SearchInvalid(N_("Typ hoogstens 100 tekens."))
    found = words(text)
    if sum(map(len, found)) < SHORTEST:
        raise SearchInvalid(N_("Typ minstens 3 letters of cijfers."))
    if len(found) > MOST_WORDS:
        raise SearchInvalid(N_("Zoek met hoogstens 8 woorden."))
    digits = SEPARATORS.sub("", text).lower()
    hex_digits = digits if HEX.fullmatch(digits) and SHORTEST_ID <= len(digits) <= 32 else None
    return Query(text, tuple(found), hex_digits, looks_like_code(text))


def scope_of(role: Role, teams: Iterable[str]) -> Scope:
    """What an account may open, as the views filter it (see access.allowed)."""
    mine = tuple(sorted(set(teams)))
    return Scope(
        everything=access.allowed(role, "detail", access.OTHER),
        lead=mine if access.allowed(role, "detail", access.LEAD) else (),
        involved=mine if access.allowed(role, "detail", access.INVOLVED) else (),
    )


def id_prefix(hex_digits: str) -> str:
    """The start of an id as ids are written (lower case, hyphens after 8, 12, 16, 20 digits)."""
    cuts = [0, 8, 12, 16, 20, 32]
    parts = [hex_digits[a:b] for a, b in pairwise(cuts)]
    return "-".join(p for p in parts if p)


@dataclass(frozen=True)
class Found:
    exact: UUID | None  # the one initiative meant (a tracking code, an id or its unique start)
    page: SearchPage  # otherwise: what the words or the start of an id found


def find(
    app: ParticipatieApp,
    views: ViewTables,
    role: Role,
    teams: Iterable[str],
    query: Query,
    after: str | None = None,
) -> Found:
    """What `query` finds among the initiatives an account in `role` with `teams` may open."""
    teams = tuple(teams)
    if query.code:
        found = app.find_by_tracking_code(query.text)
        if found is not None:
            return Found(found if _sees(app, role, teams, found) else None, NOTHING)
    if query.whole:
        found = app.find_by_tracking_code(query.text)
        if found is None:
            found = UUID(query.hex)
        return Found(found if _sees(app, role, teams, found) else None, NOTHING)
    scope = scope_of(role, teams)
    if query.hex is not None:
        page = by_id_prefix(views, id_prefix(query.hex), scope, after=after)
        if len(page.items) == 1 and after is None and page.next_cursor is None:
            return Found(UUID(page.items[0].initiative_id), page)
        if page.items:
            return Found(None, page)
        # No id starts so: a title word may look like hex digits ("deadbeef").
    return Found(None, by_title(views, query.words, scope, after=after))


def _sees(app: ParticipatieApp, role: Role, teams: tuple[str, ...], initiative_id: UUID) -> bool:
    try:
        initiative = app.get_initiative(initiative_id)
    except NotFound:
        return False
    return access.sees(role, teams, initiative.lead_team, initiative.involved_teams)
