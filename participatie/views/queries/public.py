"""What anyone may see: one public initiative with its timeline, public lists and counts.

No personal data; a description only where its initiator agreed to publish it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from participatie.views.queries.common import area_counts
from participatie.views.store import LIVE, ViewTables, unstamp
from participatie.views.tallies import OPEN

# The one rule of what is public: an initiative whose initiator agreed to publish it and whose
# text a moderator approved or redacted (or the municipality approves automatically): then it
# has a public title. Every public entrance (pages, the support request by form and API,
# Open311) asks it, so an initiative that is not published is, to anyone outside, the same as
# one that does not exist; and what they see is the public text, never the text as submitted.
PUBLISHED = "public_title IS NOT NULL"


def published_initiative(views: ViewTables, initiative_id: str) -> dict[str, Any] | None:
    """What anyone may see of one initiative, or None when it is unknown or not published."""
    return public_initiative(views, initiative_id, published_only=True)


def public_initiative(
    views: ViewTables, initiative_id: str, *, published_only: bool = False
) -> dict[str, Any] | None:
    """The public fields of one initiative: no personal data, description only with consent.

    Without consent only its title and timeline are there, for staff tools; what the public
    gets is `published_initiative`.
    """
    condition = f" AND {PUBLISHED}" if published_only else ""
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                "SELECT id, title, description, consent, status, area_code, lead_team, outcome,"
                " decision_published, rationale, supporters, submitted_at, themes, public_title,"
                " public_description, public_photos FROM"
                f" {views.table(LIVE, 'initiatives')} WHERE id = ?{condition}"
            ),
            [initiative_id],
        )
        found = c.fetchone()
        if found is None:
            return None
        r = tuple(found)
        c.execute(
            views.sql(
                f"SELECT at, kind, text, team FROM {views.table(LIVE, 'timeline')}"
                " WHERE initiative_id = ? ORDER BY version, kind"
            ),
            [initiative_id],
        )
        timeline = [
            {"at": unstamp(t[0]), "kind": t[1], "text": t[2], "team": t[3]}
            for t in (tuple(x) for x in c.fetchall())
        ]
    published = bool(r[8])
    public = r[13] is not None
    return {
        "id": r[0],
        "title": r[13] if published_only else r[1],
        "description": (r[14] if published_only else r[2]) if r[3] else None,
        "public": public,
        "photos": [int(x) for x in (r[15] or "").split(",") if x] if public else [],
        "status": r[4],
        "area_code": r[5],
        "lead_team": r[6],
        "outcome": r[7] if published else None,
        "rationale": r[9] if published else None,
        "supporters": int(r[10]),
        "submitted_at": unstamp(r[11]),
        "themes": [t for t in (r[12] or "").split(",") if t],
        "timeline": timeline,
    }


@dataclass(frozen=True)
class PublicItem:
    """One initiative in a public list: only what its initiator agreed to publish."""

    id: str
    title: str
    status: str
    area_code: str
    themes: list[str]
    submitted_at: datetime | None
    supporters: int


def public_initiatives(
    views: ViewTables, area: str | None = None, limit: int = 20
) -> list[PublicItem]:
    """Published initiatives (their public title), newest first; `area` includes everything
    below."""
    columns = "i.id, i.public_title, i.status, i.area_code, i.themes, i.submitted_at, i.supporters"
    initiatives = views.table(LIVE, "initiatives")
    with views.cursor(commit=False) as c:
        if area is None:
            c.execute(
                views.sql(
                    f"SELECT {columns} FROM {initiatives} i WHERE i.{PUBLISHED}"
                    " ORDER BY i.submitted_at DESC, i.id LIMIT ?"
                ),
                [limit],
            )
        else:
            c.execute(
                views.sql(
                    f"SELECT {columns} FROM {initiatives} i"
                    f" JOIN {views.table(LIVE, 'initiative_areas')} a ON a.initiative_id = i.id"
                    f" WHERE a.area_code = ? AND i.{PUBLISHED}"
                    " ORDER BY i.submitted_at DESC, i.id LIMIT ?"
                ),
                [area, limit],
            )
        rows = [tuple(r) for r in c.fetchall()]
    return [
        PublicItem(
            id=r[0],
            title=r[1],
            status=r[2],
            area_code=r[3],
            themes=[t for t in (r[4] or "").split(",") if t],
            submitted_at=unstamp(r[5]),
            supporters=int(r[6]),
        )
        for r in rows
    ]


def open_counts(views: ViewTables, codes: list[str]) -> dict[str, int]:
    """Open initiatives in each of `codes`, everything below an area included."""
    found = {area: n.get((OPEN, ""), 0) for area, n in area_counts(views, codes, OPEN).items()}
    return {code: found.get(code, 0) for code in codes}
