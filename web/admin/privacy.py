"""Privacy: erase a person or an initiative's people, subject access exports, retention."""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID

from flask import Response, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, ngettext

from participatie.domain.errors import NotFound
from participatie.privacy.erasure import erase_initiative, erase_subject
from participatie.privacy.retention import RetentionPolicy
from participatie.privacy.retention import due as retention_due
from participatie.privacy.subject_access import access_export
from web import context
from web.admin import bp
from web.admin.common import Errors, _actor, _add, _done, _prefixed, _render, _text, log

ERASE_SCOPES = [
    ("subject", lazy_gettext("Eén persoon (subject-id)")),
    ("initiative", lazy_gettext("Alle personen van een initiatief (initiatief-id)")),
]


RETENTION_LABELS = {
    "completed": lazy_gettext("Afgerond"),
    "withdrawn": lazy_gettext("Ingetrokken"),
    "merged": lazy_gettext("Samengevoegd"),
    "not_honoured": lazy_gettext("Niet gehonoreerd (besluit gepubliceerd)"),
}
RETENTION_SHOWN = 100


def _check_id(errors: Errors, field: str, value: str) -> UUID | None:
    """The id in `value`, or None with an error on `field`."""
    try:
        return UUID(value)
    except ValueError:
        _add(errors, field, gettext("Vul een id in zoals 3f2b8c1e-…."))
        return None


def _privacy_page(
    errors: Errors | None = None, kept: Mapping[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    container = context.container()
    policy = RetentionPolicy.from_settings(container.settings)
    items = retention_due(container.app, container.views, policy, container.app.clock())
    return _render(
        "admin/privacy.html",
        status,
        errors=errors or {},
        kept=kept or {"scope": "subject"},
        SCOPES=[(code, str(label)) for code, label in ERASE_SCOPES],
        RETENTION_LABELS=RETENTION_LABELS,
        policy=policy.months,
        due_items=items[:RETENTION_SHOWN],
        due_total=len(items),
    )


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return _privacy_page()


@bp.post("/privacy/verwijderen")
def erase() -> ResponseReturnValue:
    """Erase one person, or everyone of an initiative (crypto-shredding), with a reason."""
    kept = {name: _text(name) for name in ("scope", "identifier", "reason")}
    errors: Errors = {}
    scope = kept["scope"]
    if scope not in dict(ERASE_SCOPES):
        _add(errors, "scope", gettext("Kies wat u wilt verwijderen."))
    identifier = _check_id(errors, "identifier", kept["identifier"])
    if not kept["reason"]:
        _add(
            errors,
            "reason",
            gettext("Vul een reden in, bijvoorbeeld het verzoek waarop u dit doet."),
        )
    if not errors and identifier is not None:
        container = context.container()
        try:
            if scope == "subject":
                done = erase_subject(container, identifier, _actor(), kept["reason"])
            else:
                done = erase_initiative(container, identifier, _actor(), kept["reason"])
        except NotFound:
            _add(errors, "identifier", gettext("Er is geen persoon of initiatief met dit id."))
        else:
            if done.erased:
                message = ngettext(
                    "De gegevens van %(num)s persoon zijn verwijderd.",
                    "De gegevens van %(num)s personen zijn verwijderd.",
                    len(done.erased),
                )
            else:
                message = gettext("Deze gegevens waren al verwijderd.")
            log.info(
                "erasure by %s: initiative %s, %d subjects, %d mails",
                _actor().id,
                done.initiative_id,
                len(done.erased),
                done.mails_removed,
            )
            return _done(message, url_for("admin.privacy"))
    return _privacy_page(_prefixed("erase", errors), kept, 422)


@bp.post("/privacy/inzage")
def subject_access() -> ResponseReturnValue:
    """Everything about one person as a JSON download (AVG art. 15), recorded first."""
    kept = {name: _text(name) for name in ("subject", "purpose")}
    errors: Errors = {}
    subject_id = _check_id(errors, "subject", kept["subject"])
    if not kept["purpose"]:
        _add(errors, "purpose", gettext("Vul in op welk verzoek u dit doet."))
    if not errors and subject_id is not None:
        try:
            export = access_export(context.platform(), subject_id, _actor(), kept["purpose"])
        except NotFound:
            _add(errors, "subject", gettext("Er is geen indiener of steuner met dit id."))
        else:
            body = json.dumps(export, ensure_ascii=False, indent=2, default=str)
            return Response(
                body,
                mimetype="application/json",
                headers={"Content-Disposition": f'attachment; filename="inzage-{subject_id}.json"'},
            )
    return _privacy_page(_prefixed("access", errors), kept, 422)
