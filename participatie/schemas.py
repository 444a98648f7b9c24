"""Marshmallow schemas that validate a submission; errors are per field."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.domain.values import THEMES, InitiatorKind
from participatie.geo import AreaIndex

KVK_PATTERN = re.compile(r"[0-9]{8}")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,20}$")


class InitiatorSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in InitiatorKind]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=validate.Regexp(PHONE_PATTERN))
    address = fields.String(load_default=None, validate=validate.Length(max=300))
    kvk_number = fields.String(load_default=None)
    organisation_name = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema(skip_on_field_errors=False)
    def check_kind_specific_fields(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        kvk = data.get("kvk_number")
        if kind == InitiatorKind.BUSINESS.value:
            if not kvk:
                raise ValidationError("Een ondernemer heeft een KvK-nummer nodig.", "kvk_number")
            if not KVK_PATTERN.fullmatch(kvk) or kvk == "00000000":
                raise ValidationError("Een KvK-nummer bestaat uit 8 cijfers.", "kvk_number")
        elif kvk:
            raise ValidationError("Alleen ondernemers geven een KvK-nummer op.", "kvk_number")
        if (
            kind in (InitiatorKind.BUSINESS.value, InitiatorKind.ORGANISATION.value)
            and not (data.get("organisation_name") or "").strip()
        ):
            raise ValidationError(
                "Geef de naam van de onderneming of organisatie.", "organisation_name"
            )


class LocationSchema(Schema):
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180))
    area_code = fields.String(load_default=None, validate=validate.Length(min=1, max=20))

    @validates_schema
    def check_one_form(self, data: dict[str, Any], **_: Any) -> None:
        has_point = data.get("lat") is not None or data.get("lon") is not None
        has_code = data.get("area_code") is not None
        if has_point and has_code:
            raise ValidationError("Geef een punt of een gebiedscode, niet allebei.", "area_code")
        if not has_point and not has_code:
            raise ValidationError("Geef een punt (lat, lon) of een gebiedscode.", "area_code")
        if has_point:
            for name in ("lat", "lon"):
                if data.get(name) is None:
                    raise ValidationError("Een punt heeft zowel lat als lon nodig.", name)


def _text(minimum: int, maximum: int) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=minimum, max=maximum),
    )


class SubmissionSchema(Schema):
    """A new initiative. Pass the current AreaIndex so the location can be checked."""

    initiator = fields.Nested(InitiatorSchema, required=True)
    title = _text(5, 150)
    description = _text(20, 5000)
    themes = fields.List(
        fields.String(validate=validate.OneOf(THEMES)),
        required=True,
        validate=validate.Length(min=1, max=5),
    )
    location = fields.Nested(LocationSchema, required=True)
    consent_to_publish = fields.Boolean(required=True)
    requested_support = fields.String(load_default=None, validate=validate.Length(max=2000))

    def __init__(self, areas: AreaIndex, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.area_index = areas

    def load_submission(self, data: Any) -> dict[str, Any]:
        """Validate `data`; return the clean submission with `location.area_code` resolved."""
        if isinstance(data, dict):
            data = {
                k: v.strip() if isinstance(v, str) and k in ("title", "description") else v
                for k, v in data.items()
            }
        result: dict[str, Any] = self.load(data)
        return result

    @validates_schema(skip_on_field_errors=False)
    def check_location_and_themes(self, data: dict[str, Any], **_: Any) -> None:
        themes = data.get("themes") or []
        if len(set(themes)) != len(themes):
            raise ValidationError("Kies elk thema maar één keer.", "themes")
        location = data.get("location")
        if not isinstance(location, dict):
            return
        has_point = location.get("lat") is not None and location.get("lon") is not None
        if (location.get("area_code") is None) == (not has_point):
            return  # neither or both forms: LocationSchema already reported it
        if location.get("area_code") is not None:
            if location["area_code"] not in self.area_index:
                raise ValidationError(
                    {"area_code": [f"Onbekende gebiedscode: {location['area_code']}."]},
                    "location",
                )
            return
        code = self.area_index.locate(location["lat"], location["lon"])
        if code is None:
            raise ValidationError({"lat": ["Dit punt ligt buiten de gemeente."]}, "location")
        location["area_code"] = code
        location["resolved_from_point"] = True
