"""The staff search: an initiative by tracking code, id or title words (participatie.staff.search).

The box posts (with its CSRF token), so a tracking code never lands in an address: not in the
browser's history, a proxy's log or a Referer. One exact hit opens the initiative; words are
shown from a GET page (`?q=`, which can be paged and bookmarked, and whose value the access
logs redact like every query value, see web.redaction). The audit pages use the same search,
opening an initiative's history instead of its detail page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.staff import access
from participatie.staff import search as finder
from web.context import account, container, platform
from web.staff.common import bp, teams


def search_page(endpoint: str, opens: str) -> ResponseReturnValue:
    """The search at `endpoint`; a hit opens `opens` (an endpoint taking `initiative_id`)."""
    me = account()
    if not access.searches(me.role):
        access.denied(me.username, me.role, "detail", access.OTHER, f"search:{request.path}")
        abort(403)
    posted = request.method == "POST"
    text = ((request.form if posted else request.args).get("q") or "").strip()
    after = None if posted else request.args.get("na")
    if after is not None:
        try:
            after = str(UUID(after))
        except ValueError:
            abort(404)
    context: dict[str, Any] = {
        "endpoint": endpoint,
        "opens": opens,
        "text": text,
        "error": None,
        "page": None,
    }
    if not text and not posted:
        return render_template("staff/search.html", **context)
    try:
        query = finder.read(text)
    except finder.SearchInvalid as error:
        context["error"] = gettext(error.message)
        return render_template("staff/search.html", **context), 422
    found = finder.find(platform(), container().views, me.role, me.teams, query, after)
    if found.exact is not None:
        return redirect(url_for(opens, initiative_id=found.exact), 303)
    if posted and not query.secret:
        # Words (or the start of an id) are no secret: their results get an address.
        return redirect(url_for(endpoint, q=query.text), 303)
    areas = platform().area_index()
    context |= {"page": found.page, "areas": areas, "teams": teams()}
    return render_template("staff/search.html", **context)


@bp.route("/zoeken", methods=["GET", "POST"])
def search() -> ResponseReturnValue:
    return search_page("staff.search", "staff.detail")
