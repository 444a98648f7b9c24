"""Reads a theme list (YAML) into the themes the ThemeList aggregate records.

    version: "2027-1"            # the new version's label
    reason: "Thema's van het coalitieakkoord 2027"
    themes:
      - code: groen              # lower case letters, digits and _
        nl: Groen
        en: Green
        active: true             # default true; false retires the theme
        description: "..."       # optional: one sentence for residents (Open311)
        keywords: "bomen, park"  # optional (Open311)
        group: Leefomgeving      # optional (Open311)

A theme of the current list left out of the file stays in the list, retired.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.application.schemas import N_, Text, _messages
from participatie.domain.themes import THEME_CODE, Theme
from participatie.infra.datafiles import load_yaml

CODE_RULE = N_("Gebruik 2 tot 40 kleine letters, cijfers en _, beginnend met een letter.")
LABEL = N_("Geef een naam van 1 tot 60 tekens.")


def _text(low: int, high: int, message: str, required: bool = True) -> Text:
    if required:
        return Text(
            required=True,
            validate=validate.Length(min=low, max=high, error=message),
            error_messages=_messages(),
        )
    return Text(
        load_default="",
        validate=validate.Length(min=low, max=high, error=message),
        error_messages=_messages(),
    )


class ThemeSchema(Schema):
    code = Text(
        required=True,
        validate=validate.Regexp(THEME_CODE.pattern + r"\Z", error=CODE_RULE),
        error_messages=_messages(),
    )
    nl = _text(1, 60, LABEL)
    en = _text(1, 60, LABEL)
    active = fields.Boolean(
        load_default=True, error_messages=_messages(invalid=N_("Kies true of false."))
    )
    description = _text(0, 300, N_("Gebruik hoogstens 300 tekens."), required=False)
    keywords = _text(0, 300, N_("Gebruik hoogstens 300 tekens."), required=False)
    group = _text(0, 60, N_("Gebruik hoogstens 60 tekens."), required=False)


class ThemeListSchema(Schema):
    version = _text(1, 40, N_("Geef een versie van 1 tot 40 tekens."))
    reason = _text(1, 2000, N_("Geef een reden (hoogstens 2000 tekens)."), required=False)
    themes = fields.List(
        fields.Nested(ThemeSchema),
        required=True,
        validate=validate.Length(min=1, max=200, error=N_("Geef 1 tot 200 thema's.")),
        error_messages=_messages(),
    )

    @validates_schema
    def codes_once(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        twice = {}
        for number, theme in enumerate(data.get("themes", [])):
            if theme["code"] in seen:
                twice[number] = {"code": [N_("Deze code staat al eerder in de lijst.")]}
            seen.add(theme["code"])
        if twice:
            raise ValidationError(twice, "themes")


def read_themes(path: Path) -> dict[str, Any]:
    """Parse and check the file; raise ValidationError with field paths (DataFileError when
    it cannot be read as YAML)."""
    return load_themes(load_yaml(path))


def load_themes(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError(N_("Het bestand moet version, reason en themes bevatten."))
    data: dict[str, Any] = ThemeListSchema().load(raw)
    data["themes"] = [Theme.from_dict(t) for t in data["themes"]]
    return data
