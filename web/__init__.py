"""The Flask web application: pages, JSON API and Open311 (each in its own blueprint)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from participatie.bootstrap import Container, build, secret_key
from participatie.config import Settings
from web import photos, security


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    """Build the application for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    container = build(settings)
    # Reference data known current from NOTIFY or the shared epoch, not asked per request.
    container.app.watch_reference_data(settings.postgres_dsn() if settings.uses_postgres else None)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret_key(settings)
    # Field errors mix list positions (int) and field names (str): never sort JSON keys.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Area maps (up to 32 MiB) or a submission with every photo at its largest, whichever is more.
    app.config["MAX_CONTENT_LENGTH"] = max(
        32 * 1024 * 1024, photos.max_request_bytes(photos.limits_of(settings))
    )
    app.config.update(security.transport_config(settings))
    app.config["FRESH_WAIT_MS"] = settings.fresh_wait_ms  # see web/fresh.py
    if test_config:
        app.config.update(test_config)
    app.extensions["participatie"] = container

    from web import (
        admin,
        api,
        audit,
        errors,
        follow,
        health,
        i18n,
        mine,
        open311,
        public,
        redaction,
        search_public,
        staff,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(mine.bp)
    app.register_blueprint(follow.bp)
    app.register_blueprint(search_public.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(open311.bp)
    if settings.oidc_enabled:  # staff login via OpenID Connect (web/oidc.py)
        from web import oidc

        oidc.init_app(app, settings)
    api.init_app(app)  # the JSON API: its own JSON errors, no CSRF (bearer tokens, no cookies)
    i18n.init_app(app)
    security.init_app(app, settings)
    security.csrf.exempt(health.bp)
    security.csrf.exempt(open311.bp)
    errors.init_app(app)
    redaction.init_app(app)  # no link token or query value reaches a log
    for blueprint in (api.public, api.work, api.auditing):
        security.csrf.exempt(blueprint)
    return app


def container_of(app: Flask) -> Container:
    container: Container = app.extensions["participatie"]
    return container
