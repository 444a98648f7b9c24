"""Reads a rulebook YAML file into the structure the RuleBook aggregate publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.application.schemas import Text
from participatie.domain.values import InitiatorKind
from participatie.infra.datafiles import load_yaml


class MatchSchema(Schema):
    areas = fields.List(Text(), load_default=list)
    themes = fields.List(Text(), load_default=list)  # checked against the current list later
    initiator_kinds = fields.List(
        Text(validate=validate.OneOf([k.value for k in InitiatorKind])),
        load_default=list,
    )
    challenge = Text(load_default=None, allow_none=True)


class RuleSchema(Schema):
    id = Text(required=True, validate=validate.Regexp(r"[a-z0-9][a-z0-9-]{1,80}\Z"))
    description = Text(multiline=True, load_default="")
    priority = fields.Integer(load_default=0)
    match = fields.Nested(MatchSchema, load_default=dict)
    lead = Text(required=True)
    involved = fields.List(Text(), load_default=list)
    acceptance_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=60))


class RuleBookSchema(Schema):
    version = Text(required=True, validate=validate.Length(min=1, max=40))
    description = Text(multiline=True, load_default="")
    default_acceptance_days = fields.Integer(load_default=5, validate=validate.Range(min=1, max=60))
    rules = fields.List(fields.Nested(RuleSchema), required=True)

    @validates_schema
    def check_unique_ids(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        for number, rule in enumerate(data.get("rules", [])):
            if rule["id"] in seen:
                raise ValidationError(
                    {number: {"id": [f"Regel-id '{rule['id']}' komt twee keer voor."]}}, "rules"
                )
            seen.add(rule["id"])


def read_rulebook(path: Path) -> dict[str, Any]:
    """Parse and validate the YAML; raise marshmallow.ValidationError with field paths.

    A file that cannot be read as YAML raises DataFileError naming the file and line."""
    raw = load_yaml(path)
    result: dict[str, Any] = RuleBookSchema().load(raw or {})
    return result
