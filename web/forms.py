"""Turn the submission form into what SubmissionSchema expects, and its errors into field ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from participatie.application.schemas import flatten

# Form fields in page order: the error summary lists errors in this order.
FIELD_ORDER = (
    "kind",
    "name",
    "email",
    "phone",
    "address",
    "organisation_name",
    "kvk_number",
    "title",
    "description",
    "themes",
    "area_code",
    "lat",
    "lon",
    "consent",
    "requested_support",
    "photos",
)
HONEYPOT = "website"


def _optional(form: MultiDict[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _number(text: str | None) -> str | None:
    """Accept a Dutch decimal comma (52,0907) as well as a point."""
    return text.replace(",", ".") if text else None


def submission_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """Return raw submission data from the posted form (validation is the schema's job)."""
    initiator: dict[str, Any] = {
        "kind": _optional(form, "kind"),
        "name": _optional(form, "name"),
        "email": _optional(form, "email"),
    }
    for name in ("phone", "address", "kvk_number", "organisation_name"):
        value = _optional(form, name)
        if value is not None:
            initiator[name] = value.replace(" ", "") if name == "kvk_number" else value
    location: dict[str, Any] = {}
    area_code = _optional(form, "area_code")
    lat, lon = _number(_optional(form, "lat")), _number(_optional(form, "lon"))
    if lat is not None or lon is not None:
        location.update(lat=lat, lon=lon)
    elif area_code is not None:
        location["area_code"] = area_code
    consent = form.get("consent")
    data: dict[str, Any] = {
        "initiator": {k: v for k, v in initiator.items() if v is not None},
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "themes": form.getlist("themes"),
        "location": location,
        "consent_to_publish": {"ja": True, "nee": False}.get(consent or ""),
    }
    support = _optional(form, "requested_support")
    if support is not None:
        data["requested_support"] = support
    if data["consent_to_publish"] is None:
        data.pop("consent_to_publish")
    return data


def field_errors(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """Flatten the schema's nested messages onto form field ids, translated, in page order."""
    found: dict[str, list[str]] = {}
    for path, text in flatten(messages):
        keys = [key for key in path if isinstance(key, str)]
        name = keys[-1]
        if keys[:1] in (["initiator"], ["location"]) and keys[1:] == ["_schema"]:
            name = "area_code"  # the whole location (or initiator) is wrong
        name = {"consent_to_publish": "consent", "_schema": "title"}.get(name, name)
        message = gettext(text)
        if message not in found.setdefault(name, []):
            found[name].append(message)
    return in_form_order(found)


def in_form_order(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Field errors in the order their fields stand on the submission form."""
    order = {name: i for i, name in enumerate(FIELD_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def posted_email() -> tuple[str, dict[str, list[str]]]:
    """The address of a form that asks only for one (its field `email`), or the field errors
    that say why it cannot be used."""
    from flask import request
    from marshmallow import ValidationError

    from participatie.application.schemas import EmailSchema

    try:
        return str(EmailSchema().load({"email": request.form.get("email", "")})["email"]), {}
    except ValidationError as error:
        return "", field_errors(error.normalized_messages())
