"""The moderation queue: initiatives whose public text waits for a moderator (or was hidden,
redacted or approved), oldest first, in pages. Staff only: it shows the text as submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from participatie.views.store import LIVE, ViewTables, stamp, unstamp

STATES = ("pending", "hidden", "redacted", "approved")
PAGE = 50


@dataclass(frozen=True)
class ModerationItem:
    initiative_id: str
    title: str
    description: str
    public_title: str | None
    public_description: str | None
    moderation: str
    area_code: str
    themes: list[str]
    submitted_at: datetime
    version: int


@dataclass(frozen=True)
class ModerationPage:
    items: list[ModerationItem]
    next_cursor: str | None  # the submission moment and id of the last item, to go on from


def moderation_queue(
    views: ViewTables, state: str = "pending", after: str | None = None, limit: int = PAGE
) -> ModerationPage:
    """Initiatives in moderation `state`, oldest submission first; `after` is a page's cursor."""
    if state not in STATES:
        raise ValueError(f"unknown moderation state {state!r}")
    where, params = "moderation = ?", [state]
    if after:
        moment, _, last_id = after.partition("/")
        where += " AND (submitted_at > ? OR (submitted_at = ? AND id > ?))"
        params += [moment, moment, last_id]
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                "SELECT id, title, description, public_title, public_description, moderation,"
                f" area_code, themes, submitted_at, version FROM {views.table(LIVE, 'initiatives')}"
                f" WHERE {where} ORDER BY submitted_at, id LIMIT ?"
            ),
            [*params, limit + 1],
        )
        rows = [tuple(r) for r in c.fetchall()]
    items = [
        ModerationItem(
            initiative_id=r[0],
            title=r[1],
            description=r[2] or "",
            public_title=r[3],
            public_description=r[4],
            moderation=r[5],
            area_code=r[6],
            themes=[t for t in (r[7] or "").split(",") if t],
            submitted_at=unstamp(r[8]) or datetime.min,
            version=int(r[9]),
        )
        for r in rows[:limit]
    ]
    cursor = None
    if len(rows) > limit:
        last = items[-1]
        cursor = f"{stamp(last.submitted_at)}/{last.initiative_id}"
    return ModerationPage(items, cursor)


def moderation_counts(views: ViewTables) -> dict[str, int]:
    """How many initiatives are in each moderation state."""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT moderation, COUNT(*) FROM {views.table(LIVE, 'initiatives')}"
                " GROUP BY moderation"
            )
        )
        found = {str(r[0]): int(r[1]) for r in (tuple(x) for x in c.fetchall())}
    return {state: found.get(state, 0) for state in STATES}
