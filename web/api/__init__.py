"""The JSON API under /api/v1 (flask-smorest): described by an OpenAPI 3 document generated
from the marshmallow schemas at /api/v1/openapi.json, with a docs page at /api/v1/docs.

Public: submit, status by tracking code, support; areas, themes and teams. Staff: bearer tokens
(`participatie staff token`) scoped exactly like the pages (participatie.staff.access), the team
queue and every workflow action (participatie.application.actions) with the version for optimistic
concurrency.
Audit: history, state as of a moment, verify. Bad input gets 422 with field-level messages; a
stale version 409 with the current state.

Modules: `schemas`, `common` (prefix, errors, bearer tokens, access), `public_endpoints`,
`work_endpoints`, `audit_endpoints`; `init_app` (here) registers them and the docs page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_smorest import Api

from web.api.audit_endpoints import auditing
from web.api.common import PREFIX, fail
from web.api.public_endpoints import public
from web.api.steering_endpoints import steering
from web.api.work_endpoints import work

__all__ = ["PREFIX", "auditing", "docs", "fail", "init_app", "public", "steering", "work"]


def init_app(app: Any) -> None:
    app.config.update(
        API_TITLE="Participatie",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "pt_…"}
                }
            },
            "info": {"description": "Participatie: initiatieven, routering, triage en audit."},
        },
    )
    api = Api(app)  # one per app: its OpenAPI document belongs to that app
    for blueprint in (public, work, steering, auditing):
        api.register_blueprint(blueprint)
    app.extensions["participatie_api"] = api
    app.add_url_rule(PREFIX + "/docs", "api_docs", docs)


def docs() -> ResponseReturnValue:
    """A readable page of every operation, rendered here from the OpenAPI document."""
    spec = current_app.extensions["participatie_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)
