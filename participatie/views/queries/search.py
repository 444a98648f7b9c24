"""The staff search in the views: initiatives by the words of their title or the start of their
id, only those a scope lets the searcher see, newest first, with keyset paging.

Each word given must start a word of the title ("buurtmoes" finds "Buurtmoestuin"); the words
are read through the index of `initiative_words` (views.words), never by reading every title,
so a search costs about the same at 1,000 and at 100,000 initiatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from participatie.views.store import LIVE, ViewTables, unstamp

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
    """Initiatives in `scope` with a title word starting with each of `words` (normalised by
    views.words), newest first; `after`: the id the previous page ended with."""
    if not words:
        return SearchPage([], None)
    words_table = views.table(LIVE, "initiative_words")
    # The longest word is likely the rarest: its initiatives are read first, the others are
    # checked per initiative through the primary key (initiative_id, word).
    first, *others = sorted(set(words), key=lambda w: (-len(w), w))
    where = f"i.id IN (SELECT initiative_id FROM {words_table} WHERE word >= ? AND word < ?)"
    params: list[Any] = [first, first + HIGHEST]
    for word in others:
        where += (
            f" AND EXISTS (SELECT 1 FROM {words_table} w WHERE w.initiative_id = i.id"
            " AND w.word >= ? AND w.word < ?)"
        )
        params += [word, word + HIGHEST]
    return _page(views, where, params, scope, after, limit)


def by_id_prefix(
    views: ViewTables, prefix: str, scope: Scope, *, after: str | None = None, limit: int = PAGE
) -> SearchPage:
    """Initiatives in `scope` whose id (lower-case, with hyphens) starts with `prefix`."""
    where = f"i.id{views.binary} >= ? AND i.id{views.binary} < ?"
    return _page(views, where, [prefix, prefix + HIGHEST], scope, after, limit)
