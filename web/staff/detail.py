"""The initiative detail page and its workflow actions.

The template gets a `CaseView`: plain data of exactly what the page shows, built here from the
aggregate, so no template reaches into the domain object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.application.actions import ActionInvalid, perform
from participatie.application.schemas import N_
from participatie.audit.history import describe
from participatie.domain.errors import ConcurrencyConflict, IllegalTransition, InvariantViolation
from participatie.domain.initiative import Initiative
from participatie.domain.values import Outcome, PhotoRef, Priority
from participatie.staff import access
from participatie.staff.search import scope_of
from participatie.views.queries.search import SearchHit, likely_duplicates
from web.context import account, container, platform, staff_accounts
from web.errors import conflict_message, http_status
from web.explain import routing_explanation
from web.photos import photo_answer
from web.staff.areas import agenda_panel
from web.staff.common import actor, bp, initiative_or_404, members, relation, require, teams
from web.staff.labels import DONE, SHOWN_DETAILS

CONTACT_PURPOSE = "behandeling initiatief"

# What the detail page says when someone else acted first: the form keeps what was typed.
STALE_ON_PAGE = N_(
    "Iemand anders heeft dit initiatief gewijzigd terwijl u keek. Er is niets"
    " opgeslagen. Hieronder ziet u de huidige stand; uw invoer staat nog in het"
    " formulier. Controleer of uw actie nog nodig is en verstuur opnieuw."
)


@dataclass(frozen=True)
class CaseView:
    """What the detail page shows of an initiative (codes, not enums; a count of supporters)."""

    id: UUID
    version: int
    title: str
    description: str
    requested_support: str | None
    status: str
    lead_team: str | None
    handoff_pending: bool
    involved_teams: tuple[str, ...]
    handoff_due: datetime | None
    decision_due: datetime | None
    paused_days: int
    paused_since: datetime | None
    priority: str
    assignee: str | None
    area_code: str
    themes: tuple[str, ...]
    initiator_kind: str
    email_confirmed: bool
    consent_to_publish: bool
    supporters: int
    outcome: str | None
    rationale: str | None
    decision_published: bool
    moderation: str
    photos: tuple[PhotoRef, ...]
    shown_photos: tuple[int, ...]

    @classmethod
    def of(cls, initiative: Initiative) -> CaseView:
        return cls(
            id=initiative.id,
            version=initiative.version,
            title=initiative.title,
            description=initiative.description,
            requested_support=initiative.requested_support,
            status=initiative.status.value,
            lead_team=initiative.lead_team,
            handoff_pending=initiative.handoff_pending,
            involved_teams=tuple(initiative.involved_teams),
            handoff_due=initiative.handoff_due,
            decision_due=initiative.decision_due,
            paused_days=initiative.paused_days,
            paused_since=initiative.paused_since,
            priority=initiative.priority.value,
            assignee=initiative.assignee,
            area_code=initiative.location.area_code,
            themes=tuple(initiative.themes),
            initiator_kind=initiative.initiator_kind.value,
            email_confirmed=initiative.email_confirmed,
            consent_to_publish=initiative.consent_to_publish,
            supporters=len(initiative.supporter_ids),
            outcome=initiative.outcome.value if initiative.outcome else None,
            rationale=initiative.rationale,
            decision_published=initiative.decision_published,
            moderation=initiative.moderation.value,
            photos=tuple(initiative.photos),
            shown_photos=tuple(initiative.shown_photos),
        )


def _timeline(initiative_id: UUID) -> list[dict[str, Any]]:
    entries = []
    for event in platform().history(initiative_id):
        entry = describe(event)
        details = {k: entry.details[k] for k in SHOWN_DETAILS if entry.details.get(k)}
        if entry.event in ("Routed", "Rerouted"):
            details["explanation"] = routing_explanation(entry.details.get("decision") or {})
        entries.append({"entry": entry, "details": details})
    return entries


def _duplicates(initiative: Initiative) -> list[tuple[SearchHit, int]]:
    """Likely duplicates of an open initiative that the account may open: other open ones in
    its area sharing at least two meaningful words with its title."""
    if not initiative.is_open:
        return []
    me = account()
    return likely_duplicates(
        container().views,
        str(initiative.id),
        initiative.location.area_code,
        initiative.title,
        scope_of(me.role, me.teams),
    )


def _theme_choices(initiative: Initiative) -> list[str]:
    """The active themes, and the retired ones the initiative already has (it may keep them)."""
    themes = platform().theme_list()
    return [t.code for t in themes.themes if t.active or t.code in initiative.themes]


def _detail(
    initiative: Initiative,
    *,
    errors: Mapping[str, list[str]] | None = None,
    form_action: str | None = None,
    kept: Mapping[str, Any] | None = None,
    message: str | None = None,
    contact: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rel = relation(initiative)
    names = teams()
    lead = initiative.lead_team
    areas = platform().area_index()
    case = CaseView.of(initiative)
    actions = access.available_actions(account().role, rel, initiative.possible_commands())
    merge_into = request.args.get("samenvoegen")
    if form_action is None and merge_into and "merge" in actions:
        form_action, kept = "merge", {"into": merge_into}  # chosen among the likely duplicates
    return (
        render_template(
            "staff/detail.html",
            case=case,
            rel=rel,
            actions=actions,
            duplicates=_duplicates(initiative),
            timeline=_timeline(initiative.id),
            teams=names,
            members={a.username: a.name for a in members(lead)} if lead else {},
            forward_teams=[(code, name) for code, name in names.items() if code != lead],
            all_members={a.username: a.name for a in staff_accounts().all()},
            areas=areas,
            area_name=areas.name(case.area_code) if case.area_code in areas else case.area_code,
            outcomes=[o.value for o in Outcome],
            priorities=[p.value for p in Priority],
            themes=_theme_choices(initiative),
            agenda=agenda_panel(initiative),
            may_contact=access.allowed(account().role, "contact", rel),
            contact=contact,
            errors=errors or {},
            form_action=form_action,
            kept=kept or {},
            message=message,
            done=DONE.get(request.args.get("gedaan") or ""),
        ),
        status,
    )


@bp.get("/initiatieven/<uuid:initiative_id>")
def detail(initiative_id: UUID) -> ResponseReturnValue:
    initiative = initiative_or_404(initiative_id)
    require("detail", relation(initiative), f"initiative:{initiative_id}")
    return _detail(initiative)


@bp.get("/initiatieven/<uuid:initiative_id>/fotos/<int:position>")
def photo(initiative_id: UUID, position: int) -> ResponseReturnValue:
    """A photo as it came in (`?klein=1`: its thumbnail), to whoever may open the initiative:
    staff see photos at once, before any moderator did."""
    initiative = initiative_or_404(initiative_id)
    require("detail", relation(initiative), f"initiative:{initiative_id}")
    found = platform().photo(initiative_id, position, request.args.get("klein") == "1")
    if found is None:
        abort(404)
    return photo_answer(*found, position, public=False)


@bp.post("/initiatieven/<uuid:initiative_id>/contactgegevens")
def contact(initiative_id: UUID) -> ResponseReturnValue:
    """Show the initiator's contact details. Opening them is recorded in the staff member's
    name, so it takes a post with a CSRF token: a link from another site cannot do it."""
    initiative = initiative_or_404(initiative_id)
    rel = relation(initiative)
    require("detail", rel, f"initiative:{initiative_id}")
    require("contact", rel, f"initiative:{initiative_id}")
    opened = platform().open_personal_data(initiative_id, actor(initiative), CONTACT_PURPOSE)
    return _detail(initiative, contact=opened if opened is not None else {})


def _form_data() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in request.form:
        if key in ("csrf_token", "version"):
            continue
        values = request.form.getlist(key)
        data[key] = values if key in ("themes", "involved_teams") else values[0]
    return data


@bp.post("/initiatieven/<uuid:initiative_id>/<action>")
def act(initiative_id: UUID, action: str) -> ResponseReturnValue:
    if action not in access.ACTIONS:
        abort(404)
    initiative = initiative_or_404(initiative_id)
    rel = relation(initiative)
    require(action, rel, f"initiative:{initiative_id}")
    kept = _form_data()
    version_text = request.form.get("version") or ""
    if not version_text.isdigit():
        return _detail(
            initiative,
            errors={f"{action}-version": [gettext("De versie ontbreekt; laad de pagina opnieuw.")]},
            form_action=action,
            kept=kept,
            status=400,
        )
    lead = initiative.lead_team
    try:
        result = perform(
            platform(),
            initiative_id,
            action,
            kept,
            actor(initiative),
            int(version_text),
            members=lambda u: lead is not None and u in {a.username for a in members(lead)},
            sees=lambda other: access.sees(
                account().role, account().teams, other.lead_team, other.involved_teams
            ),
        )
    except ActionInvalid as error:
        errors = {f"{action}-{f}": [gettext(m) for m in ms] for f, ms in error.errors.items()}
        return _detail(initiative, errors=errors, form_action=action, kept=kept, status=422)
    except (ConcurrencyConflict, IllegalTransition, InvariantViolation) as error:
        stale = isinstance(error, ConcurrencyConflict)
        return _detail(
            initiative_or_404(initiative_id),
            form_action=action,
            kept=kept,
            message=gettext(STALE_ON_PAGE) if stale else conflict_message(error),
            status=http_status(error),
        )
    done = "reroute_same" if action == "reroute" and result is None else action
    return redirect(url_for("staff.detail", initiative_id=initiative_id, gedaan=done), code=303)
