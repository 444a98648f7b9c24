"""The staff search in the views: initiatives by the words of their title and description or
the start of their id, only those a scope lets the searcher see, newest first, with keyset
paging.

Each word given must start a word of the title ("buurtmoes" finds "Buurtmoestuin") or have the
Dutch stem of a word of the title or description ("speeltuinen" finds "speeltuin"); the words
are read through the indexes of `initiative_words` and of the staff's stems in
`initiative_stems` (views.words), never by reading every title.

`public_search` is the public's: only what a moderator let be public, by its public text's
stems, with filters (area with its sub-areas, theme, status, submission dates) and paging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from participatie.views.rows import stamp
from participatie.views.store import LIVE, ViewTables, unstamp
from participatie.views.words import PUBLIC, STAFF, stem

PAGE = 25
# Appended to a prefix, the upper end of the range of texts that start with it (by code point).
HIGHEST = "\U0010ffff"


@dataclass(frozen=True)
class Scope:
    """What a search may show: everything, or what one of `lead` leads or one of `involved`
    is involved in (participatie.staff.search derives it from the access rules)."""

    everything: bool
    lead: tuple[str, ...] = ()
    involved: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    initiative_id: str
    title: str
    status: str
    area_code: str
    lead_team: str | None
    submitted_at: datetime


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    next_cursor: str | None  # the id of the last item, when more follow


COLUMNS = "i.id, i.title, i.status, i.area_code, i.lead_team, i.submitted_at"


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scope(scope: Scope) -> tuple[str, list[Any]]:
    if scope.everything:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    if scope.lead:
        parts.append(f"i.lead_team IN ({', '.join('?' for _ in scope.lead)})")
        params += scope.lead
    for team in scope.involved:
        parts.append(r"(',' || i.involved_teams || ',') LIKE ? ESCAPE '\'")
        params.append(f"%,{_like(team)},%")
    if not parts:
        return " AND 1 = 0", []
    return f" AND ({' OR '.join(parts)})", params


def _page(
    views: ViewTables, where: str, params: list[Any], scope: Scope, after: str | None, limit: int
) -> SearchPage:
    table = views.table(LIVE, "initiatives")
    condition, scope_params = _scope(scope)
    keyset, keyset_params = "", []
    if after is not None:
        keyset = (
            f" AND (i.submitted_at, i.id) < (SELECT submitted_at, id FROM {table} WHERE id = ?)"
        )
        keyset_params = [after]
    statement = (
        f"SELECT {COLUMNS} FROM {table} i WHERE {where}{condition}{keyset}"
        " ORDER BY i.submitted_at DESC, i.id DESC LIMIT ?"
    )
    with views.cursor(commit=False) as c:
        c.execute(views.sql(statement), [*params, *scope_params, *keyset_params, limit + 1])
        rows = [tuple(r) for r in c.fetchall()]
    items = [_hit(r) for r in rows[:limit]]
    more = len(rows) > limit
    return SearchPage(items, items[-1].initiative_id if more else None)


def _hit(r: tuple[Any, ...]) -> SearchHit:
    submitted = unstamp(r[5])
    assert submitted is not None  # every row has its submission
    return SearchHit(str(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], submitted)


def by_title(
    views: ViewTables,
    words: Sequence[str],
    scope: Scope,
    *,
    after: str | None = None,
    limit: int = PAGE,
) -> SearchPage:
    """Initiatives in `scope` that match each of `words` (normalised by views.words), newest
    first; `after`: the id the previous page ended with.

    A word matches when a word of the title starts with it ("buurtmoes" finds "Buurtmoestuin")
    or when it has the Dutch stem of a word of the title or description ("speeltuinen" finds
    "speeltuin", "bomen" finds "boom"; the staff's stems in `initiative_stems`)."""
    if not words:
        return SearchPage([], None)
    words_table = views.table(LIVE, "initiative_words")
    stems_table = views.table(LIVE, "initiative_stems")
    # The longest word is likely the rarest: its initiatives are read first, the others are
    # checked per initiative through the primary keys (initiative_id, word), (scope, stem, id).
    first, *others = sorted(set(words), key=lambda w: (-len(w), w))
    where = (
        f"i.id IN (SELECT initiative_id FROM {words_table} WHERE word >= ? AND word < ?"
        f" UNION SELECT initiative_id FROM {stems_table} WHERE scope = ? AND stem = ?)"
    )
    params: list[Any] = [first, first + HIGHEST, STAFF, stem(first)]
    for word in others:
        where += (
            f" AND (EXISTS (SELECT 1 FROM {words_table} w WHERE w.initiative_id = i.id"
            " AND w.word >= ? AND w.word < ?)"
            f" OR EXISTS (SELECT 1 FROM {stems_table} s WHERE s.scope = ? AND s.stem = ?"
            " AND s.initiative_id = i.id))"
        )
        params += [word, word + HIGHEST, STAFF, stem(word)]
    return _page(views, where, params, scope, after, limit)


def by_id_prefix(
    views: ViewTables, prefix: str, scope: Scope, *, after: str | None = None, limit: int = PAGE
) -> SearchPage:
    """Initiatives in `scope` whose id (lower-case, with hyphens) starts with `prefix`."""
    where = f"i.id{views.binary} >= ? AND i.id{views.binary} < ?"
    return _page(views, where, [prefix, prefix + HIGHEST], scope, after, limit)


@dataclass(frozen=True)
class PublicHit:
    initiative_id: str
    title: str  # the public title
    status: str
    area_code: str
    submitted_at: datetime
    supporters: int


@dataclass(frozen=True)
class PublicPage:
    items: list[PublicHit]
    next_cursor: str | None  # "<submitted>|<id>" of the last item, when more follow


@dataclass(frozen=True)
class PublicFilters:
    words: tuple[str, ...] = ()  # normalised words (views.words); each must match a stem
    area: str | None = None  # the area or any area under it
    theme: str | None = None
    status: str | None = None
    since: datetime | None = None  # submitted at or after
    until: datetime | None = None  # submitted before


def public_search(
    views: ViewTables, filters: PublicFilters, *, after: str | None = None, limit: int = PAGE
) -> PublicPage:
    """Published initiatives matching `filters`, newest first, a page at a time.

    Every word must have the stem of a word of the public title or description. The longest
    stem (likely the rarest) is read newest first from its index (scope, stem, submitted), the
    other words and the filters are checked per match through primary keys, and reading stops
    at the page's end: a search reads about as much at 100,000 initiatives as at 1,000. Without
    words the initiatives are read newest first through their index on the submission moment.
    """
    table = views.table(LIVE, "initiatives")
    stems_table = views.table(LIVE, "initiative_stems")
    wanted = sorted({stem(word) for word in filters.words}, key=lambda s: (-len(s), s))
    where: list[str] = []
    params: list[Any] = []
    if wanted:
        source = f"{stems_table} d JOIN {table} i ON i.id = d.initiative_id"
        order, moment, ident = (
            "d.submitted_at DESC, d.initiative_id DESC",
            "d.submitted_at",
            ("d.initiative_id"),
        )
        where += ["d.scope = ?", "d.stem = ?"]
        params += [PUBLIC, wanted[0]]
    else:
        source = f"{table} i"
        order, moment, ident = "i.submitted_at DESC, i.id DESC", "i.submitted_at", "i.id"
        where.append("i.public_title IS NOT NULL")
    for found in wanted[1:]:
        where.append(
            f"EXISTS (SELECT 1 FROM {stems_table} s WHERE s.scope = ? AND s.stem = ?"
            " AND s.initiative_id = i.id)"
        )
        params += [PUBLIC, found]
    if filters.area:
        where.append(
            f"EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiative_areas')} a"
            " WHERE a.initiative_id = i.id AND a.area_code = ?)"
        )
        params.append(filters.area)
    if filters.theme:
        where.append(
            f"EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiative_themes')} t"
            " WHERE t.initiative_id = i.id AND t.theme = ?)"
        )
        params.append(filters.theme)
    if filters.status:
        where.append("i.status = ?")
        params.append(filters.status)
    if filters.since:
        where.append(f"{moment} >= ?")
        params.append(stamp(filters.since))
    if filters.until:
        where.append(f"{moment} < ?")
        params.append(stamp(filters.until))
    if after:
        when, _, last = after.partition("|")
        where.append(f"({moment} < ? OR ({moment} = ? AND {ident} < ?))")
        params += [when, when, last]
    statement = (
        "SELECT i.id, i.public_title, i.status, i.area_code, i.submitted_at, i.supporters"
        f" FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    )
    with views.cursor(commit=False) as c:
        c.execute(views.sql(statement), [*params, limit + 1])
        rows = [tuple(r) for r in c.fetchall()]
    items = []
    for r in rows[:limit]:
        submitted = unstamp(r[4])
        assert submitted is not None
        items.append(PublicHit(str(r[0]), str(r[1]), str(r[2]), str(r[3]), submitted, int(r[5])))
    more = len(rows) > limit and items
    cursor = f"{stamp(items[-1].submitted_at)}|{items[-1].initiative_id}" if more else None
    return PublicPage(items, cursor)


def similar_open(
    views: ViewTables, area: str, text: str, *, least: int = 2, limit: int = 3
) -> list[tuple[PublicHit, int]]:
    """Open published initiatives in `area` (and under it) whose public text shares at least
    `least` content stems with `text` (a new title), most shared first, then newest: what a
    resident is shown before submitting the same thing again."""
    rows = _alike(views, PUBLIC, "i.public_title", "i.supporters", area, text, least, limit)
    found = []
    for r in rows:
        submitted = unstamp(r[4])
        assert submitted is not None
        hit = PublicHit(str(r[0]), str(r[1]), str(r[2]), str(r[3]), submitted, int(r[5]))
        found.append((hit, int(r[6])))
    return found


def likely_duplicates(
    views: ViewTables,
    initiative_id: str,
    area: str,
    title: str,
    scope: Scope,
    *,
    least: int = 2,
    limit: int = 5,
) -> list[tuple[SearchHit, int]]:
    """Other open initiatives in `area` (and under it), within what `scope` lets staff see,
    whose title or description shares at least `least` content stems with `title` (the title
    of the initiative on screen), most shared first, then newest: likely duplicates."""
    condition, params = _scope(scope)
    rows = _alike(
        views,
        STAFF,
        "i.title",
        "i.lead_team",
        area,
        title,
        least,
        limit,
        f" AND i.id <> ?{condition}",
        [initiative_id, *params],
    )
    found = []
    for r in rows:
        submitted = unstamp(r[4])
        assert submitted is not None
        hit = SearchHit(str(r[0]), str(r[1]), str(r[2]), str(r[3]), r[5], submitted)
        found.append((hit, int(r[6])))
    return found


def _alike(
    views: ViewTables,
    scope_name: str,
    title_column: str,
    extra_column: str,
    area: str,
    text: str,
    least: int,
    limit: int,
    condition: str = "",
    params: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """(id, title, status, area, submitted, extra, shared) of the open initiatives in `area`
    whose stems of `scope_name` share at least `least` content stems with `text`."""
    from participatie.views.model import OPEN_STATUSES
    from participatie.views.words import content_stems

    wanted = content_stems(text)
    if not wanted:
        return []
    least = min(least, len(wanted))
    table = views.table(LIVE, "initiatives")
    marks = ", ".join("?" for _ in wanted)
    open_marks = ", ".join("?" for _ in OPEN_STATUSES)
    columns = f"i.id, {title_column}, i.status, i.area_code, i.submitted_at, {extra_column}"
    statement = (
        f"SELECT {columns}, COUNT(*) AS shared"
        f" FROM {views.table(LIVE, 'initiative_stems')} s JOIN {table} i ON i.id = s.initiative_id"
        f" WHERE s.scope = ? AND s.stem IN ({marks}) AND i.status IN ({open_marks})"
        f" AND EXISTS (SELECT 1 FROM {views.table(LIVE, 'initiative_areas')} a"
        f" WHERE a.initiative_id = i.id AND a.area_code = ?){condition}"
        f" GROUP BY {columns}"
        " HAVING COUNT(*) >= ? ORDER BY shared DESC, i.submitted_at DESC, i.id DESC LIMIT ?"
    )
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(statement),
            [scope_name, *wanted, *OPEN_STATUSES, area, *params, least, limit],
        )
        return [tuple(r) for r in c.fetchall()]
