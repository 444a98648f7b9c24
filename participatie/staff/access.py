"""Who may see and do what: the role of a staff account and its relation to an initiative.

The relation of an account to an initiative is `lead` (one of its teams leads it), `involved`
(one of its teams is involved) or `other`. For a team queue it is `lead` for the account's own
teams. The rules are one function, so the web pages, the API and the tests agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from participatie.domain.values import REGIE_TEAM, Role

log = logging.getLogger("participatie.staff.access")

LEAD, INVOLVED, OTHER = "lead", "involved", "other"

# Every workflow action a person can take on an initiative from the staff pages or the API.
ACTIONS: tuple[str, ...] = (
    "accept_handoff",
    "decline_handoff",
    "assign",
    "set_priority",
    "add_internal_note",
    "post_public_update",
    "request_info",
    "forward",
    "escalate",
    "decide",
    "publish_decision",
    "start_execution",
    "complete",
    "merge",
    "reroute",
    "change_details",
)
# Pages: a team queue, an initiative's detail page, its initiator's contact details, the regie
# dashboard, the admin area and the audit pages (history, time travel, integrity, exports).
PAGES: tuple[str, ...] = ("queue", "detail", "contact", "regie_dashboard", "admin", "audit")

CASE_ROLES = frozenset({Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.REGIE, Role.LINE_DEPARTMENT})
# A team member prepares; the manager (or line department, or regie) decides.
MANAGER_ONLY = frozenset({"decline_handoff", "decide", "publish_decision", "merge"})


def relation(teams: Iterable[str], lead_team: str | None, involved: Iterable[str]) -> str:
    """How an account with `teams` relates to an initiative led by `lead_team`."""
    mine = set(teams)
    if lead_team is not None and lead_team in mine:
        return LEAD
    if mine & set(involved):
        return INVOLVED
    return OTHER


def allowed(role: Role, what: str, rel: str) -> bool:
    """May an account in `role` do `what` (an action or page) on something it is `rel` to?"""
    if what not in ACTIONS and what not in PAGES:
        raise ValueError(f"unknown action or page '{what}'")
    if role is Role.ADMIN:
        return what == "admin"
    if role is Role.AUDITOR:
        return what in ("detail", "audit")  # read-only, never the contact details
    if role not in CASE_ROLES:
        return False
    if what in ("admin", "audit"):
        return False
    if what == "regie_dashboard":
        return role is Role.REGIE
    if rel == LEAD:
        return not (role is Role.TEAM_MEMBER and what in MANAGER_ONLY)
    if rel == INVOLVED:
        return what in ("detail", "add_internal_note")
    # Regie oversees everything and can pull any open initiative to itself.
    return role is Role.REGIE and what in ("detail", "escalate")


def available_actions(role: Role, rel: str, possible: Iterable[str]) -> list[str]:
    """What an account may do now: the actions of `possible` its role and relation allow.

    `possible` is what the initiative's state accepts (`Initiative.possible_commands()`). The
    staff pages, their bulk actions and the JSON API all offer exactly this list.
    """
    accepted = set(possible)
    return [a for a in ACTIONS if a in accepted and allowed(role, a, rel)]


def sees(role: Role, teams: Iterable[str], lead_team: str | None, involved: Iterable[str]) -> bool:
    """May an account see an initiative led by `lead_team` at all (its detail page)?"""
    return allowed(role, "detail", relation(teams, lead_team, involved))


def searches(role: Role) -> bool:
    """May an account use the staff search? Whoever may open the detail page of some initiative
    (the search shows each only what it may open)."""
    return any(allowed(role, "detail", rel) for rel in (LEAD, INVOLVED, OTHER))


def acting_team(teams: Iterable[str], lead_team: str | None, involved: Iterable[str]) -> str | None:
    """The team an account acts for on an initiative: the lead team, else an involved one."""
    mine = list(teams)
    if lead_team in mine:
        return lead_team
    for team in involved:
        if team in mine:
            return team
    return REGIE_TEAM if REGIE_TEAM in mine else (mine[0] if mine else None)


def denied(username: str, role: Role, what: str, rel: str, target: str) -> None:
    """Log a refusal (every denial is logged, with who, what and on what)."""
    log.warning(
        "access denied: user=%s role=%s action=%s relation=%s target=%s",
        username,
        role.value,
        what,
        rel,
        target,
    )


# -- area steering -------------------------------------------------------------------------------

STEERING_ROLES = frozenset({Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.REGIE, Role.LINE_DEPARTMENT})


def sees_area(role: Role) -> bool:
    """May an account open the staff area pages (agenda, stacked challenges, figures)?

    Every staff member who works on initiatives, and auditors (read-only): area figures hold no
    personal data, and seeing where challenges stack is the point of working area-based.
    """
    return role in STEERING_ROLES or role is Role.AUDITOR


def drafts_agenda(role: Role, owned_areas: Iterable[str], area_chain: Iterable[str]) -> bool:
    """May an account draft an area's agenda? Regie may for any area; an area manager for an
    area that one of their teams owns, or that lies inside one (`area_chain`: the area and
    every area above it)."""
    if role is Role.REGIE:
        return True
    return role is Role.AREA_MANAGER and bool(set(owned_areas) & set(area_chain))


def adopts_agenda(role: Role, adopters: Iterable[str]) -> bool:
    """May an account adopt or revise agendas (the roles of PARTICIPATIE_AGENDA_ADOPTERS)?"""
    return role.value in set(adopters)


def moderates(role: Role, moderators: Iterable[str]) -> bool:
    """May an account approve, redact or hide what residents publish (PARTICIPATIE_MODERATORS)?"""
    return role.value in set(moderators)


def links_to_agenda(role: Role, rel: str, drafts: bool) -> bool:
    """May an account link an initiative to a priority? Whoever leads or is involved in it (not
    a team member alone: the manager decides), and whoever may draft the agenda."""
    if drafts:
        return True
    return role in (Role.AREA_MANAGER, Role.REGIE, Role.LINE_DEPARTMENT) and rel in (LEAD, INVOLVED)


def sets_capacity(role: Role, adopters: Iterable[str], own_team: bool) -> bool:
    """May an account record a team's capacity? The steering roles (those who adopt agendas)
    for any team; a team's own manager (area manager or line department) for that team."""
    managers = (Role.AREA_MANAGER, Role.LINE_DEPARTMENT)
    return adopts_agenda(role, adopters) or (role in managers and own_team)
