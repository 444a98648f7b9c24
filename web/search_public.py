"""Zoeken: the public's full-text search over published initiatives (views.queries.search):
words found by their Dutch stems in the public title and description, filters for area (with
everything under it), theme, status and submission dates, a page at a time. A GET form, so a
search can be bookmarked and shared: nothing in it is secret.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.values import Status
from participatie.views.queries.search import PublicFilters, public_search
from participatie.views.words import words
from web.context import platform, views
from web.i18n import STATUS, theme_labels

bp = Blueprint("search_public", __name__)

LONGEST = 100  # characters of search text
MOST_WORDS = 8


def _date(text: str, field: str, errors: dict[str, list[str]]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = [gettext("Vul een datum in als jjjj-mm-dd, zoals 2026-03-31.")]
        return None


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@bp.get("/zoeken")
def search() -> ResponseReturnValue:
    args = request.args
    values = {name: (args.get(name) or "").strip() for name in ("q", "gebied", "thema", "status")}
    values |= {name: (args.get(name) or "").strip() for name in ("van", "tot")}
    errors: dict[str, list[str]] = {}
    found_words = tuple(words(values["q"]))
    if len(values["q"]) > LONGEST:
        errors["q"] = [gettext("Typ hoogstens 100 tekens.")]
    elif len(found_words) > MOST_WORDS:
        errors["q"] = [gettext("Zoek met hoogstens 8 woorden.")]
    areas = platform().area_index()
    if values["gebied"] and values["gebied"] not in areas:
        errors["gebied"] = [gettext("Kies een gebied uit de lijst.")]
    themes = theme_labels()
    if values["thema"] and values["thema"] not in themes:
        errors["thema"] = [gettext("Kies een thema uit de lijst.")]
    statuses = {s.value for s in Status}
    if values["status"] and values["status"] not in statuses:
        errors["status"] = [gettext("Kies een status uit de lijst.")]
    since = _date(values["van"], "van", errors)
    until = _date(values["tot"], "tot", errors)
    if since and until and until < since:
        errors["tot"] = [gettext("Deze datum ligt voor de datum vanaf.")]
    area_names = sorted(
        ((a.code, a.name, a.level.value) for a in areas.areas.values()), key=lambda a: a[1]
    )
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "areas": areas,
        "area_names": area_names,
        "themes": sorted(themes.items(), key=lambda t: t[1]),
        "statuses": [(s.value, STATUS[s.value]) for s in Status],
        "page": None,
    }
    if errors:
        return render_template("public/search.html", **context), 422
    filters = PublicFilters(
        words=found_words,
        area=values["gebied"] or None,
        theme=values["thema"] or None,
        status=values["status"] or None,
        since=_start_of(since) if since else None,
        until=_start_of(until + timedelta(days=1)) if until else None,  # the whole last day
    )
    asked = any(values.values())
    if asked:
        context["page"] = public_search(views(), filters, after=args.get("na") or None)
    context["next_args"] = {k: v for k, v in values.items() if v}
    return render_template("public/search.html", **context)
