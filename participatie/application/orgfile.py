"""Reads the teams-and-challenges YAML and applies it to the application as events."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.application.app import ParticipatieApp
from participatie.application.schemas import Text
from participatie.domain.values import Actor, TeamKind
from participatie.infra.datafiles import load_yaml

CODE = validate.Regexp(r"[a-z0-9][a-z0-9-]{1,62}\Z", error="Gebruik kleine letters, cijfers en -.")


class TeamSchema(Schema):
    code = Text(required=True, validate=CODE)
    name = Text(required=True, validate=validate.Length(min=2, max=120))
    kind = Text(required=True, validate=validate.OneOf([k.value for k in TeamKind]))
    areas = fields.List(Text(), load_default=list)
    email = Text(load_default=None, validate=validate.Email())


class ChallengeSchema(Schema):
    code = Text(required=True, validate=CODE)
    name = Text(required=True, validate=validate.Length(min=2, max=120))
    themes = fields.List(Text(), required=True)  # checked against the current list on apply
    team = Text(required=True)
    focus_areas = fields.List(Text(), load_default=list)


class OrganisationSchema(Schema):
    teams = fields.List(fields.Nested(TeamSchema), required=True)
    challenges = fields.List(fields.Nested(ChallengeSchema), load_default=list)

    @validates_schema
    def check_references(self, data: dict[str, Any], **_: Any) -> None:
        teams = {t["code"]: t for t in data.get("teams", [])}
        if [t["kind"] for t in teams.values()].count(TeamKind.REGIE.value) != 1:
            raise ValidationError("Er moet precies één regieteam zijn.", "teams")
        for number, challenge in enumerate(data.get("challenges", [])):
            team = teams.get(challenge["team"])
            if team is None or team["kind"] != TeamKind.CHALLENGE.value:
                raise ValidationError(
                    {number: {"team": [f"'{challenge['team']}' is geen opgaveteam."]}},
                    "challenges",
                )


@dataclass(frozen=True)
class ApplyResult:
    changed_teams: list[str]
    changed_challenges: list[str]


def read_organisation(path: Path) -> dict[str, Any]:
    """Parse and validate the YAML; raise marshmallow.ValidationError with field paths.

    A file that cannot be read as YAML raises DataFileError naming the file and line."""
    raw = load_yaml(path)
    result: dict[str, Any] = OrganisationSchema().load(raw or {})
    return result


def apply_organisation(app: ParticipatieApp, data: dict[str, Any], actor: Actor) -> ApplyResult:
    """Record every new or changed team and challenge; unchanged ones record nothing."""
    known_areas = app.area_index() if app.has_area_map() else None
    errors: dict[str, Any] = {}
    for section, items in (("teams", data["teams"]), ("challenges", data["challenges"])):
        for number, item in enumerate(items):
            for code in item.get("areas", []) + item.get("focus_areas", []):
                if known_areas is not None and code not in known_areas:
                    errors.setdefault(section, {})[number] = {"areas": [f"Onbekend gebied {code}."]}
    themes = app.theme_list()
    for number, challenge in enumerate(data["challenges"]):
        for place, code in enumerate(challenge["themes"]):
            theme = themes.get(code)
            if theme is None or not theme.active:
                why = "is ingetrokken" if theme else "staat niet in de themalijst"
                found = errors.setdefault("challenges", {}).setdefault(number, {})
                found.setdefault("themes", {})[place] = [f"Thema '{code}' {why}."]
    if errors:
        raise ValidationError(errors)
    teams = [
        t["code"]
        for t in data["teams"]
        if app.register_team(
            t["code"], t["name"], TeamKind(t["kind"]), t["areas"], t["email"], actor
        )
    ]
    challenges = [
        c["code"]
        for c in data["challenges"]
        if app.define_challenge(
            c["code"], c["name"], c["themes"], c["team"], c["focus_areas"], actor
        )
    ]
    return ApplyResult(teams, challenges)
