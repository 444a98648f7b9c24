"""The admin home page: counts and the state of the map, the rulebook, Redis and the mail."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from web import context
from web.admin import bp
from web.admin.common import _render


@bp.get("/")
def home() -> ResponseReturnValue:
    app = context.platform()
    rulebook = app.rulebook()
    return _render(
        "admin/home.html",
        accounts=len(context.staff_accounts().all()),
        teams=len(app.teams()),
        challenges=len(app.challenges()),
        themes=len(app.theme_list().active_codes),
        map_version=app.area_map_version(),
        rulebook_version=rulebook.current_version if rulebook else None,
        redis=bool(context.container().settings.redis_url),
        mail_failed=context.container().mailer.log.counts()["failed"],
    )
