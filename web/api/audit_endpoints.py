"""Audit operations for auditors: an initiative's history, its state as of a moment, and
verifying the hash chain against the seals and the latest signed checkpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from participatie.audit.chain import CheckpointInvalid, signing_key, verify
from participatie.audit.history import describe, plain
from participatie.audit.timetravel import initiative_as_of
from participatie.staff import access
from web.api.common import BEARER, PREFIX, Blueprint, bearer, fail, initiative_or_404, require
from web.api.schemas import AsOfArgsSchema, HistoryEntrySchema, StateSchema, VerifySchema
from web.context import container, platform

auditing = Blueprint("api_audit", __name__, url_prefix=PREFIX + "/audit", description="Audit")


@auditing.route("/initiatives/<uuid:initiative_id>/history")
@auditing.response(200, HistoryEntrySchema(many=True))
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.alt_response(404, description="No such initiative.")
@auditing.doc(security=BEARER)
def history(initiative_id: UUID) -> Any:
    """Every event of an initiative: actor, role, team, time, reason, routing explanation."""
    account = bearer()
    require(account, "audit", access.OTHER, f"audit:{initiative_id}")
    initiative_or_404(initiative_id)
    return [plain(describe(e).__dict__) for e in platform().history(initiative_id)]


@auditing.route("/initiatives/<uuid:initiative_id>/as-of")
@auditing.arguments(AsOfArgsSchema, location="query")
@auditing.response(200, StateSchema)
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.alt_response(404, description="No such initiative, or not yet at that moment.")
@auditing.doc(security=BEARER)
def as_of(args: dict[str, datetime], initiative_id: UUID) -> Any:
    """The initiative's state as it was at a moment."""
    account = bearer()
    require(account, "audit", access.OTHER, f"audit:{initiative_id}")
    initiative_or_404(initiative_id)
    state = initiative_as_of(platform(), initiative_id, args["at"])
    if state is None:
        fail(404, message="Het initiatief bestond toen nog niet.")
    return state


@auditing.route("/verify", methods=["POST"])
@auditing.response(200, VerifySchema)
@auditing.alt_response(401, description="No valid token.")
@auditing.alt_response(403, description="Not an auditor.")
@auditing.doc(security=BEARER)
def verify_log() -> Any:
    """Recompute the hash chain against the seals and the latest signed checkpoint."""
    account = bearer()
    require(account, "audit", access.OTHER, "audit:verify")
    try:
        report = verify(
            platform(),
            container().audit_tables,
            signing_key(container().settings).public_key(),
        )
    except CheckpointInvalid as error:
        fail(409, message=str(error))
    return report.__dict__
