"""Reads an area agenda's draft (YAML, or the same structure from a form) into priorities.

reason: "Eerste gebiedsagenda na de buurtgesprekken"
priorities:                        # ranked: the first matters most
  - key: warmte                    # short code, kept across versions
    title: Wijk van het gas af
    result: 400 woningen op het warmtenet
    indicators: [aansluitingen warmtenet, deelnemers energiecafe]
    team: gebiedsteam-centrum      # the owning team
    challenges: [energietransitie] # challenge codes it serves
    buurten: [BU99990101]          # the buurten it covers (empty: the whole area)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.application.schemas import N_, Text, _messages
from participatie.domain.agenda import MAX_PRIORITIES, Priority
from participatie.infra.datafiles import load_yaml

assert MAX_PRIORITIES == 12, "the priorities' length message names the limit"

KEY = validate.Regexp(
    r"[a-z][a-z0-9-]{0,39}\Z",
    error=N_("Gebruik 1 tot 40 kleine letters, cijfers en -, beginnend met een letter."),
)


class PrioritySchema(Schema):
    key = Text(required=True, validate=KEY, error_messages=_messages())
    title = Text(
        required=True,
        validate=validate.Length(min=3, max=150, error=N_("Geef een titel van 3 tot 150 tekens.")),
        error_messages=_messages(),
    )
    result = Text(
        multiline=True,
        load_default="",
        validate=validate.Length(max=2000, error=N_("Gebruik hoogstens 2000 tekens.")),
        error_messages=_messages(),
    )
    indicators = fields.List(
        Text(validate=validate.Length(min=1, max=200, error=N_("Gebruik 1 tot 200 tekens."))),
        load_default=list,
        validate=validate.Length(max=10, error=N_("Geef hoogstens 10 indicatoren.")),
        error_messages=_messages(),
    )
    team = Text(required=True, error_messages=_messages())
    challenges = fields.List(Text(), load_default=list, error_messages=_messages())
    buurten = fields.List(Text(), load_default=list, error_messages=_messages())


class AgendaDraftSchema(Schema):
    reason = Text(
        required=True,
        multiline=True,
        validate=validate.Length(
            min=1, max=2000, error=N_("Geef een reden (hoogstens 2000 tekens).")
        ),
        error_messages=_messages(),
    )
    priorities = fields.List(
        fields.Nested(PrioritySchema),
        required=True,
        validate=validate.Length(max=MAX_PRIORITIES, error=N_("Geef hoogstens 12 prioriteiten.")),
        error_messages=_messages(),
    )

    @validates_schema
    def keys_once(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        twice = {}
        for number, priority in enumerate(data.get("priorities", [])):
            if priority["key"] in seen:
                twice[number] = {"key": [N_("Deze code staat al eerder in de lijst.")]}
            seen.add(priority["key"])
        if twice:
            raise ValidationError(twice, "priorities")


def load_draft(raw: Any, teams: set[str], challenges: set[str], areas: set[str]) -> dict[str, Any]:
    """Check a draft and the teams, challenges and buurten it names (`areas`: the area's own
    sub-areas); raise ValidationError with field paths in Dutch."""
    if not isinstance(raw, dict):
        raise ValidationError(N_("Het bestand moet reason en priorities bevatten."))
    data: dict[str, Any] = AgendaDraftSchema().load(raw)
    errors: dict[int, dict[str, Any]] = {}
    for number, p in enumerate(data["priorities"]):
        found: dict[str, Any] = {}
        if p["team"] not in teams:
            found["team"] = [N_("Dit team bestaat niet.")]
        wrong = {
            n: [N_("Deze opgave bestaat niet.")]
            for n, c in enumerate(p["challenges"])
            if c not in challenges
        }
        if wrong:
            found["challenges"] = wrong
        outside = {
            n: [N_("Dit gebied ligt niet in het gebied van de agenda.")]
            for n, c in enumerate(p["buurten"])
            if c not in areas
        }
        if outside:
            found["buurten"] = outside
        if found:
            errors[number] = found
    if errors:
        raise ValidationError({"priorities": errors})
    data["priorities"] = [
        Priority(
            key=p["key"],
            title=p["title"],
            result=p["result"],
            indicators=tuple(p["indicators"]),
            team=p["team"],
            challenges=tuple(p["challenges"]),
            buurten=tuple(p["buurten"]),
        )
        for p in data["priorities"]
    ]
    return data


def read_draft(
    path: Path, teams: set[str], challenges: set[str], areas: set[str]
) -> dict[str, Any]:
    return load_draft(load_yaml(path), teams, challenges, areas)
