"""The demo's area agendas: adopted agendas for three wijken (one still a draft), regie's order
where the challenges stack up (Oude Haven), and demo initiatives linked to the priorities the
platform suggests for them, as staff would have confirmed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from participatie.application.agendafile import load_draft
from participatie.domain.values import Actor, Role
from participatie.infra.datafiles import load_yaml

MANAGER = Actor.system("demo-gebiedsmanager")
REGIE = Actor("demo-regie", Role.REGIE, "regie")
CONFIRMED = "Voorgesteld door het platform, bevestigd in het gebiedsteamoverleg."


def load_demo_agendas(app: Any, path: Path, now: datetime) -> int:
    """Record the agendas of `path` for the year of `now`; return how many initiatives were
    linked."""
    period = str(now.year)
    data = load_yaml(path) or {}
    teams = {t.code for t in app.teams()}
    challenges = {c.code for c in app.challenges()}
    index = app.area_index()
    for entry in data.get("agendas", []):
        area = entry["area"]
        sub_areas = {c for c in index.areas if area in index.ancestors(c) and c != area}
        raw = {"reason": entry["reason"], "priorities": entry["priorities"]}
        draft = load_draft(raw, teams, challenges, sub_areas)
        app.draft_agenda(area, period, draft["priorities"], draft["reason"], MANAGER)
        if entry.get("adopted"):
            app.adopt_agenda(area, period, entry["adopted"], REGIE)
        if entry.get("order"):
            app.decide_challenge_order(area, entry["order"], entry["order_reason"], REGIE)
    linked = 0
    for initiative_id in app.initiative_ids():
        suggestions = app.suggest_priorities(initiative_id)
        if suggestions:
            best = suggestions[0]
            app.link_to_priority(
                best.area, best.period, initiative_id, best.priority.key, CONFIRMED, REGIE, True
            )
            linked += 1
    return linked
