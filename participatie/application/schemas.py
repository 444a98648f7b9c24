"""Marshmallow schemas that validate a submission; errors are per field.

Messages are Dutch (the product's language) and carry no placeholders, so the web layer can
translate them through its catalogue: `N_` only marks them for extraction.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from participatie.domain.themes import DEFAULT_THEMES
from participatie.domain.values import InitiatorKind
from participatie.maps.geo import AreaIndex

Path = tuple[str | int, ...]  # field names and list positions down to a message


def flatten(messages: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every message in marshmallow's nested error messages, with the keys leading to it.

    The CLI, the form pages and Open311 each show these their own way; this is the one walk.
    """
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from flatten(value, (*path, key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    elif isinstance(messages, list):
        for number, value in enumerate(messages):
            yield from flatten(value, (*path, number))
    else:
        yield path, str(messages)


def N_(message: str) -> str:
    """Mark `message` for translation by the web layer; return it unchanged."""
    return message


REQUIRED = N_("Dit veld is verplicht.")
TRACKING_TYPO = N_(
    "Deze volgcode bevat een tikfout: een teken klopt niet of twee tekens staan verwisseld."
    " Controleer de code."
)
NOT_TEXT = N_("Vul tekst in.")
NOT_A_NUMBER = N_("Vul een getal in, zoals 52.0907.")
CHOOSE_THEME = N_("Kies een thema uit de lijst.")
SINGLE_LINE = N_("Gebruik in dit veld geen regeleinden, tabs of andere onzichtbare tekens.")
MULTI_LINE = N_(
    "Deze tekst bevat een onzichtbaar teken dat niet is toegestaan (regeleinden en tabs mogen wel)."
)
# `\Z`, not `$`: `$` also matches before a final line feed ("0612345678\n").
KVK_PATTERN = re.compile(r"[0-9]{8}")
PHONE_PATTERN = re.compile(r"\+?[0-9 ()-]{6,20}\Z")

# Characters nobody types on purpose, refused in every text: the C0 and C1 control characters
# and DEL (NUL cannot even be stored in PostgreSQL text; most are not allowed in XML), lone
# surrogates (not Unicode text, cannot be encoded as UTF-8) and the non-characters U+FFFE and
# U+FFFF. A one-line field refuses line breaks and tabs too (U+2028 and U+2029 included); a
# multi-line text keeps line feeds and tabs.
_ONE_LINE_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def refused_character(text: str, multiline: bool = False) -> bool:
    """Whether `text` holds a character no text field accepts (see `Text`)."""
    pattern = _MULTI_LINE_REFUSED if multiline else _ONE_LINE_REFUSED
    return pattern.search(text) is not None


class Text(fields.String):
    """A string without control characters: the one check of every text at every entrance.

    `multiline` texts (descriptions, answers, reasons) keep line feeds and tabs; their line
    breaks are stored as line feeds, whatever the browser sent (a form sends CR LF).
    """

    default_error_messages = {"one_line": SINGLE_LINE, "multi_line": MULTI_LINE}

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if refused_character(text, self.multiline):
            raise self.make_error("multi_line" if self.multiline else "one_line")
        return text


def _messages(**extra: str) -> dict[str, Any]:
    return {"required": REQUIRED, "null": REQUIRED, "invalid": NOT_TEXT, **extra}


def _string(
    required: bool, minimum: int, maximum: int, message: str, multiline: bool = False
) -> Text:
    """A text field whose length error is `message`."""
    length = validate.Length(min=minimum, max=maximum, error=message)
    if required:
        return Text(required=True, validate=length, error_messages=_messages(), multiline=multiline)
    return Text(load_default=None, validate=length, error_messages=_messages(), multiline=multiline)


class EmailText(Text):
    """An e-mail address: spaces around it (a copy and paste) are taken off, then it is checked
    as every text is (a line break or tab is still refused with its own message)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            value = value.strip(" ")
        return super()._deserialize(value, attr, data, **kwargs)


def _email() -> Text:
    return EmailText(
        required=True,
        validate=[
            validate.Email(error=N_("Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.")),
            validate.Length(max=254, error=N_("Een e-mailadres heeft hoogstens 254 tekens.")),
        ],
        error_messages=_messages(),
    )


class InitiatorSchema(Schema):
    kind = Text(
        required=True,
        validate=validate.OneOf(
            [k.value for k in InitiatorKind],
            error=N_("Kies inwoner, ondernemer of organisatie."),
        ),
        error_messages=_messages(),
    )
    name = _string(True, 1, 200, N_("Vul uw naam in (hoogstens 200 tekens)."))
    email = _email()
    phone = Text(
        load_default=None,
        validate=validate.Regexp(
            PHONE_PATTERN, error=N_("Vul een telefoonnummer in met 6 tot 20 cijfers.")
        ),
        error_messages=_messages(),
    )
    address = _string(False, 0, 300, N_("Een adres heeft hoogstens 300 tekens."))
    # Only 8 digits pass the check below: that refuses every other character already.
    kvk_number = fields.String(load_default=None, error_messages=_messages())
    organisation_name = _string(False, 0, 200, N_("Een naam heeft hoogstens 200 tekens."))

    @validates_schema(skip_on_field_errors=False)
    def check_kind_specific_fields(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        kvk = data.get("kvk_number")
        if kind == InitiatorKind.BUSINESS.value:
            if not kvk:
                raise ValidationError(
                    N_("Een ondernemer heeft een KvK-nummer nodig."), "kvk_number"
                )
            if not KVK_PATTERN.fullmatch(kvk) or kvk == "00000000":
                raise ValidationError(N_("Een KvK-nummer bestaat uit 8 cijfers."), "kvk_number")
        elif kvk:
            raise ValidationError(N_("Alleen ondernemers geven een KvK-nummer op."), "kvk_number")
        if (
            kind in (InitiatorKind.BUSINESS.value, InitiatorKind.ORGANISATION.value)
            and not (data.get("organisation_name") or "").strip()
        ):
            raise ValidationError(
                N_("Geef de naam van de onderneming of organisatie."), "organisation_name"
            )


def _coordinate(limit: int, message: str) -> fields.Float:
    return fields.Float(
        load_default=None,
        validate=validate.Range(min=-limit, max=limit, error=message),
        error_messages=_messages(invalid=NOT_A_NUMBER, special=NOT_A_NUMBER),
    )


class LocationSchema(Schema):
    lat = _coordinate(90, N_("Een breedtegraad ligt tussen -90 en 90."))
    lon = _coordinate(180, N_("Een lengtegraad ligt tussen -180 en 180."))
    area_code = _string(False, 1, 20, N_("Een gebiedscode heeft hoogstens 20 tekens."))

    @validates_schema
    def check_one_form(self, data: dict[str, Any], **_: Any) -> None:
        has_point = data.get("lat") is not None or data.get("lon") is not None
        has_code = data.get("area_code") is not None
        if has_point and has_code:
            raise ValidationError(
                N_("Geef een punt of een gebiedscode, niet allebei."), "area_code"
            )
        if not has_point and not has_code:
            raise ValidationError(N_("Geef een punt (lat, lon) of een gebiedscode."), "area_code")
        if has_point:
            for name in ("lat", "lon"):
                if data.get(name) is None:
                    raise ValidationError(N_("Een punt heeft zowel lat als lon nodig."), name)


class EmailSchema(Schema):
    """One e-mail address (a supporter's)."""

    email = _email()


class AnswerSchema(Schema):
    """The initiator's answer to a team's question."""

    answer = Text(
        required=True,
        multiline=True,
        validate=validate.Length(max=5000, error=N_("Een antwoord heeft hoogstens 5000 tekens.")),
        error_messages=_messages(required=N_("Schrijf uw antwoord.")),
    )


class WithdrawSchema(Schema):
    """Why the initiator withdraws (not required)."""

    reason = _string(False, 0, 2000, N_("Gebruik hoogstens 2000 tekens."), multiline=True)


class RatingSchema(Schema):
    """How it went, by the initiator: a score from 1 to 5 and a comment (not required)."""

    score = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=5, error=N_("Kies een cijfer van 1 tot 5.")),
        error_messages={
            "required": N_("Kies een cijfer van 1 tot 5."),
            "null": N_("Kies een cijfer van 1 tot 5."),
            "invalid": N_("Kies een cijfer van 1 tot 5."),
        },
    )
    comment = _string(False, 0, 2000, N_("Gebruik hoogstens 2000 tekens."), multiline=True)


class ReopenSchema(Schema):
    """Why the initiator asks to take the work up again (required)."""

    reason = _string(
        True, 5, 2000, N_("Leg in 5 tot 2000 tekens uit wat er nog niet goed is."), multiline=True
    )


class SubmissionSchema(Schema):
    """A new initiative. Pass the current AreaIndex so the location can be checked."""

    initiator = fields.Nested(InitiatorSchema, required=True, error_messages=_messages())
    title = _string(True, 5, 150, N_("Geef een titel van 5 tot 150 tekens."))
    description = _string(
        True, 20, 5000, N_("Geef een beschrijving van 20 tot 5000 tekens."), multiline=True
    )
    themes = fields.List(
        Text(error_messages=_messages()),
        required=True,
        validate=validate.Length(min=1, max=5, error=N_("Kies 1 tot 5 thema's.")),
        error_messages=_messages(invalid=N_("Kies 1 tot 5 thema's.")),
    )
    location = fields.Nested(LocationSchema, required=True, error_messages=_messages())
    consent_to_publish = fields.Boolean(
        required=True, error_messages=_messages(invalid=N_("Kies ja of nee."))
    )
    requested_support = _string(
        False, 0, 2000, N_("Gebruik hoogstens 2000 tekens."), multiline=True
    )

    def __init__(
        self,
        areas: AreaIndex,
        themes: Collection[str] = DEFAULT_THEMES.active_codes,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.area_index = areas
        self.theme_codes = tuple(themes)

    @classmethod
    def of(cls, app: Any) -> SubmissionSchema:
        """The schema for `app`'s current area map and theme list."""
        return cls(app.area_index(), app.theme_list().active_codes)

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
    def check_themes(self, data: dict[str, Any], **_: Any) -> None:
        """Each theme is in the current list and active, and chosen once."""
        themes = data.get("themes") or []
        known = self.theme_codes
        wrong = {n: [CHOOSE_THEME] for n, code in enumerate(themes) if code not in known}
        if wrong:
            raise ValidationError(wrong, "themes")
        if len(set(themes)) != len(themes):
            raise ValidationError(N_("Kies elk thema maar één keer."), "themes")

    @validates_schema(skip_on_field_errors=False)
    def check_location(self, data: dict[str, Any], **_: Any) -> None:
        location = data.get("location")
        if not isinstance(location, dict):
            return
        has_point = location.get("lat") is not None and location.get("lon") is not None
        if (location.get("area_code") is None) == (not has_point):
            return  # neither or both forms: LocationSchema already reported it
        if location.get("area_code") is not None:
            if location["area_code"] not in self.area_index:
                raise ValidationError(
                    {"area_code": [N_("Dit gebied bestaat niet in deze gemeente.")]}, "location"
                )
            return
        code = self.area_index.locate(location["lat"], location["lon"])
        if code is None:
            raise ValidationError({"lat": [N_("Dit punt ligt buiten de gemeente.")]}, "location")
        location["area_code"] = code
        location["resolved_from_point"] = True
