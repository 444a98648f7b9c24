"""Failed background jobs (Redis): list them and put them back on the queue."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from redis.exceptions import RedisError

from participatie.infra.failed_jobs import failed_jobs, requeue_failed
from web import context
from web.admin import bp
from web.admin.common import Errors, _render, log


def _jobs_page(
    errors: Errors | None = None, status: int = 200, *, refused: bool = False
) -> ResponseReturnValue:
    settings = context.container().settings
    found = None
    unreachable = False
    if settings.redis_url:
        try:
            found = failed_jobs(settings)
        except (RedisError, OSError) as error:
            log.warning("failed jobs: Redis not reachable: %s", error)
            unreachable = True
            status = 503
    elif refused:
        status = 409
    return _render(
        "admin/jobs.html",
        status,
        configured=bool(settings.redis_url),
        unreachable=unreachable,
        jobs=found,
        errors=errors or {},
    )


@bp.get("/taken")
def jobs() -> ResponseReturnValue:
    return _jobs_page()


@bp.post("/taken")
def requeue_jobs() -> ResponseReturnValue:
    settings = context.container().settings
    if not settings.redis_url:
        return _jobs_page(refused=True)
    everything = request.form.get("alles") == "1"
    ids = [i for i in request.form.getlist("ids") if i]
    if not everything and not ids:
        return _jobs_page({"jobs-ids": [gettext("Kies eerst één of meer taken.")]}, 422)
    try:
        done, unknown = requeue_failed(settings, None if everything else ids)
    except (RedisError, OSError) as error:
        log.warning("requeue: Redis not reachable: %s", error)
        return _jobs_page()
    flash(
        ngettext(
            "%(num)s taak staat weer in de wachtrij.",
            "%(num)s taken staan weer in de wachtrij.",
            done,
        ),
        "success",
    )
    if unknown:
        flash(
            gettext(
                "Niet (meer) mislukt, dus niet opnieuw in de wachtrij gezet: %(ids)s",
                ids=", ".join(unknown),
            ),
            "warning",
        )
    return redirect(url_for("admin.jobs"), code=303)
