"""A submission is validated field by field; every error names the field it belongs to."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from participatie.application.actions import ACTION_TABLE
from participatie.application.schemas import PHONE_PATTERN, SubmissionSchema, Text
from participatie.maps.geo import AreaIndex
from tests.conftest import small_map, submission

# The starting theme list, written out by hand.
THEMES = (
    "groen", "energie", "verkeer", "veiligheid", "wonen", "armoede",
    "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
)  # fmt: skip


REQUIRED = ("initiator", "title", "description", "themes", "location", "consent_to_publish")


def load(**overrides: object) -> dict[str, Any]:
    schema = SubmissionSchema(areas=AreaIndex(small_map()))
    return schema.load_submission(submission(**overrides))


def errors_of(**overrides: object) -> dict[str, Any]:
    with pytest.raises(ValidationError) as raised:
        load(**overrides)
    messages = raised.value.messages
    assert isinstance(messages, dict)
    return messages


def initiator(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "resident",
        "name": "Anna de Vries",
        "email": "a@example.org",
    }
    data.update(fields)
    return data


def business(**fields: object) -> dict[str, object]:
    data = initiator(
        kind="business", kvk_number="12345678", organisation_name="Bakkerij De Korenaar"
    )
    data.update(fields)
    return data


# --- a valid submission ---------------------------------------------------------------------


def test_valid_submission_loads_with_the_buurt_resolved_from_the_point() -> None:
    result = load()
    assert result["title"] == "Geveltuinen in de Dorpsstraat"
    assert result["themes"] == ["groen"]
    assert result["consent_to_publish"] is True
    assert result["location"] == {
        "lat": 0.5,
        "lon": 0.5,
        "area_code": "BU00010101",
        "resolved_from_point": True,
    }
    assert result["initiator"]["kvk_number"] is None
    assert result["initiator"]["organisation_name"] is None


def test_point_in_the_eastern_buurt_resolves_to_that_buurt() -> None:
    assert load(location={"lat": 0.5, "lon": 1.5})["location"]["area_code"] == "BU00010102"


@pytest.mark.parametrize("code", ["WK000101", "BU00010102", "GM0001"])
def test_known_area_code_is_accepted_as_is(code: str) -> None:
    location = load(location={"area_code": code})["location"]
    assert location["area_code"] == code
    assert "resolved_from_point" not in location


def test_business_with_kvk_number_and_organisation_name_is_accepted() -> None:
    result = load(initiator=business())
    assert result["initiator"]["kvk_number"] == "12345678"
    assert result["initiator"]["organisation_name"] == "Bakkerij De Korenaar"


def test_organisation_with_a_name_and_without_kvk_number_is_accepted() -> None:
    result = load(initiator=initiator(kind="organisation", organisation_name="Buurtvereniging"))
    assert result["initiator"]["kind"] == "organisation"


# --- title and description ------------------------------------------------------------------


@pytest.mark.parametrize("title", ["Abcd", "x" * 151, ""], ids=["4", "151", "empty"])
def test_title_outside_5_to_150_characters_is_refused_on_title(title: str) -> None:
    assert errors_of(title=title) == {"title": ["Geef een titel van 5 tot 150 tekens."]}


@pytest.mark.parametrize("title", ["Abcde", "x" * 150], ids=["5", "150"])
def test_title_of_exactly_5_or_150_characters_is_accepted(title: str) -> None:
    assert load(title=title)["title"] == title


@pytest.mark.parametrize("description", ["x" * 19, "x" * 5001], ids=["19", "5001"])
def test_description_outside_20_to_5000_characters_is_refused_on_description(
    description: str,
) -> None:
    assert errors_of(description=description) == {
        "description": ["Geef een beschrijving van 20 tot 5000 tekens."]
    }


@pytest.mark.parametrize("description", ["x" * 20, "x" * 5000], ids=["20", "5000"])
def test_description_of_exactly_20_or_5000_characters_is_accepted(description: str) -> None:
    assert load(description=description)["description"] == description


def test_surrounding_spaces_are_stripped_before_the_length_is_checked() -> None:
    assert errors_of(title="   Abcd   ") == {"title": ["Geef een titel van 5 tot 150 tekens."]}
    assert errors_of(description="  " + "x" * 19 + "\n") == {
        "description": ["Geef een beschrijving van 20 tot 5000 tekens."]
    }
    result = load(title="  Abcde \n", description="\t" + "x" * 20 + "  ")
    assert result["title"] == "Abcde"
    assert result["description"] == "x" * 20


# --- initiator ------------------------------------------------------------------------------


def test_unknown_initiator_kind_is_refused_on_initiator_kind() -> None:
    assert errors_of(initiator=initiator(kind="alien")) == {
        "initiator": {"kind": ["Kies inwoner, ondernemer of organisatie."]}
    }


@pytest.mark.parametrize("email", ["anna", "anna@", "@example.org", "anna at example.org"])
def test_bad_email_is_refused_on_initiator_email(email: str) -> None:
    assert errors_of(initiator=initiator(email=email)) == {
        "initiator": {"email": ["Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl."]}
    }


@pytest.mark.parametrize("kvk", [None, ""])
def test_business_without_kvk_number_is_refused_on_that_field(kvk: str | None) -> None:
    assert errors_of(initiator=business(kvk_number=kvk)) == {
        "initiator": {"kvk_number": ["Een ondernemer heeft een KvK-nummer nodig."]}
    }


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "abcdefgh", "00000000"])
def test_business_with_a_malformed_kvk_number_is_refused_on_that_field(kvk: str) -> None:
    assert errors_of(initiator=business(kvk_number=kvk)) == {
        "initiator": {"kvk_number": ["Een KvK-nummer bestaat uit 8 cijfers."]}
    }


@pytest.mark.parametrize("kvk", ["12345678\n", "１２３４５６７８"])
def test_kvk_number_must_be_exactly_eight_ascii_digits(kvk: str) -> None:
    assert errors_of(initiator=business(kvk_number=kvk)) == {
        "initiator": {"kvk_number": ["Een KvK-nummer bestaat uit 8 cijfers."]}
    }


@pytest.mark.parametrize("kind", ["resident", "organisation"])
def test_only_a_business_may_give_a_kvk_number(kind: str) -> None:
    data = initiator(kind=kind, kvk_number="12345678", organisation_name="Vereniging")
    assert errors_of(initiator=data) == {
        "initiator": {"kvk_number": ["Alleen ondernemers geven een KvK-nummer op."]}
    }


@pytest.mark.parametrize("kind", ["business", "organisation"])
@pytest.mark.parametrize("name", [None, "", "   "])
def test_business_or_organisation_without_a_name_is_refused_on_organisation_name(
    kind: str, name: str | None
) -> None:
    data = initiator(kind=kind, organisation_name=name)
    if kind == "business":
        data["kvk_number"] = "12345678"
    assert errors_of(initiator=data) == {
        "initiator": {"organisation_name": ["Geef de naam van de onderneming of organisatie."]}
    }


# --- themes ---------------------------------------------------------------------------------


def test_unknown_theme_is_refused_under_its_list_index() -> None:
    assert errors_of(themes=["groen", "ufo"]) == {"themes": {1: ["Kies een thema uit de lijst."]}}


def test_every_unknown_theme_is_reported_by_index() -> None:
    assert set(errors_of(themes=["ufo", "groen", "mars"])["themes"]) == {0, 2}


def test_duplicate_themes_are_refused() -> None:
    assert errors_of(themes=["groen", "wonen", "groen"]) == {
        "themes": ["Kies elk thema maar één keer."]
    }


def test_zero_themes_are_refused() -> None:
    assert errors_of(themes=[]) == {"themes": ["Kies 1 tot 5 thema's."]}


def test_more_than_five_themes_are_refused() -> None:
    assert errors_of(themes=list(THEMES[:6])) == {"themes": ["Kies 1 tot 5 thema's."]}


# --- location -------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(5.0, 5.0), (0.5, -0.5), (1.5, 0.5)])
def test_point_outside_the_municipality_is_refused_on_location_lat(lat: float, lon: float) -> None:
    assert errors_of(location={"lat": lat, "lon": lon}) == {
        "location": {"lat": ["Dit punt ligt buiten de gemeente."]}
    }


def test_unknown_area_code_is_refused_on_location_area_code() -> None:
    assert errors_of(location={"area_code": "BU99999999"}) == {
        "location": {"area_code": ["Dit gebied bestaat niet in deze gemeente."]}
    }


def test_point_and_area_code_together_are_refused_on_location_area_code() -> None:
    assert errors_of(location={"lat": 0.5, "lon": 0.5, "area_code": "BU00010101"}) == {
        "location": {"area_code": ["Geef een punt of een gebiedscode, niet allebei."]}
    }


def test_location_without_point_or_area_code_is_refused_on_location_area_code() -> None:
    assert errors_of(location={}) == {
        "location": {"area_code": ["Geef een punt (lat, lon) of een gebiedscode."]}
    }


def test_lat_without_lon_is_refused_on_location_lon() -> None:
    assert errors_of(location={"lat": 0.5}) == {
        "location": {"lon": ["Een punt heeft zowel lat als lon nodig."]}
    }


def test_latitude_out_of_range_is_refused_on_location_lat() -> None:
    assert errors_of(location={"lat": 100, "lon": 0.5}) == {
        "location": {"lat": ["Een breedtegraad ligt tussen -90 en 90."]}
    }


# --- several errors and missing fields ------------------------------------------------------


def test_several_errors_are_all_reported_in_one_validation_error() -> None:
    messages = errors_of(
        title="Kort",
        initiator=initiator(email="geen-adres"),
        themes=["ufo"],
        location={"area_code": "BU99999999"},
    )
    assert messages == {
        "title": ["Geef een titel van 5 tot 150 tekens."],
        "initiator": {"email": ["Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl."]},
        "themes": {0: ["Kies een thema uit de lijst."]},
        "location": {"area_code": ["Dit gebied bestaat niet in deze gemeente."]},
    }


def test_missing_required_fields_are_each_reported() -> None:
    with pytest.raises(ValidationError) as raised:
        SubmissionSchema(areas=AreaIndex(small_map())).load_submission({})
    assert raised.value.messages == {name: ["Dit veld is verplicht."] for name in REQUIRED}


def test_missing_initiator_fields_are_reported_under_initiator() -> None:
    assert errors_of(initiator={"kind": "resident"}) == {
        "initiator": {
            "name": ["Dit veld is verplicht."],
            "email": ["Dit veld is verplicht."],
        }
    }


# --- control characters: the one check of every text ----------------------------------------

ONE_LINE = "Gebruik in dit veld geen regeleinden, tabs of andere onzichtbare tekens."
MULTI_LINE = (
    "Deze tekst bevat een onzichtbaar teken dat niet is toegestaan (regeleinden en tabs mogen wel)."
)

# (text, refused in a one-line field, refused in a multi-line text)
CHARACTERS = [
    ("gewoon tekst, met accenten: café, één, 😀", False, False),
    ("regel één\nregel twee", True, False),
    ("kolom\tkolom", True, False),
    ("NUL\x00", True, True),
    ("bel\x07", True, True),
    ("escape\x1b[31m", True, True),
    ("verticale tab\x0b", True, True),
    ("form feed\x0c", True, True),
    ("DEL\x7f", True, True),
    ("C1\x85", True, True),
    ("regelscheiding\u2028", True, False),
    ("alinea\u2029", True, False),
    ("los surrogaat \ud800", True, True),
    ("los surrogaat \udfff", True, True),
    ("geen teken \ufffe", True, True),
    ("geen teken \uffff", True, True),
    ("zachte afbreking\u00ad en zwj \u200d", False, False),
]


@pytest.mark.parametrize(("text", "one_line", "multi_line"), CHARACTERS)
def test_text_fields_refuse_control_characters(text: str, one_line: bool, multi_line: bool) -> None:
    class Both(Schema):
        title = Text()
        description = Text(multiline=True)

    errors = Both().validate({"title": text, "description": text})
    assert errors.get("title") == ([ONE_LINE] if one_line else None)
    assert errors.get("description") == ([MULTI_LINE] if multi_line else None)


def test_a_multi_line_text_stores_its_line_breaks_as_line_feeds() -> None:
    text = "Regel een\r\nregel twee\rregel drie\nregel vier, met\ttab"
    result = load(description=text)
    assert result["description"] == "Regel een\nregel twee\nregel drie\nregel vier, met\ttab"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("initiator", "phone"), "06-12345678\n", ONE_LINE),
        (("initiator", "name"), "Anna\x00", ONE_LINE),
        (("initiator", "email"), "anna@example.org\n", ONE_LINE),
        (("initiator", "address"), "Dorpsstraat\t1", ONE_LINE),
        (("title",), "Geveltuinen\x1b in de straat", ONE_LINE),
        (("description",), "Wij willen geveltuinen\x00 aanleggen in de straat.", MULTI_LINE),
        (("requested_support",), "Tegels\x07", MULTI_LINE),
        (("location", "area_code"), "BU00010101\n", ONE_LINE),
    ],
)
def test_every_text_of_a_submission_refuses_control_characters(
    path: tuple[str, ...], value: str, message: str
) -> None:
    data = submission(location={"area_code": "BU00010101"})
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as raised:
        SubmissionSchema(areas=AreaIndex(small_map())).load_submission(data)
    found: Any = raised.value.messages
    for key in path:
        found = found[key]
    assert found == [message]


def test_a_phone_number_with_a_trailing_line_feed_does_not_match_the_pattern() -> None:
    assert PHONE_PATTERN.match("06-12345678")
    assert PHONE_PATTERN.match("06-12345678\n") is None


@pytest.mark.parametrize(
    ("action", "raw", "field"),
    [
        ("decline_handoff", {"reason": "Niet van ons\x00"}, "reason"),
        ("add_internal_note", {"note": "Let op\x1b"}, "note"),
        ("request_info", {"question": "Welke kant?\x07"}, "question"),
        ("assign", {"assignee": "anna\n"}, "assignee"),
        ("forward", {"to_team": "regie\x00", "reason": "R"}, "to_team"),
    ],
)
def test_staff_action_inputs_refuse_control_characters(
    action: str, raw: dict[str, str], field: str
) -> None:
    schema_class, _ = ACTION_TABLE[action]
    assert schema_class().validate(raw) == {
        field: [ONE_LINE if field in ("assignee", "to_team") else MULTI_LINE]
    }


def test_the_yaml_files_refuse_control_characters_in_their_texts() -> None:
    from participatie.application.orgfile import OrganisationSchema
    from participatie.application.rulesfile import RuleBookSchema

    teams = {
        "teams": [
            {"code": "regie", "name": "Regie\x07team", "kind": "regie"},
            {"code": "noord\n", "name": "Team Noord", "kind": "area"},
        ]
    }
    assert OrganisationSchema().validate(teams) == {
        "teams": {
            0: {"name": [ONE_LINE]},
            1: {"code": [ONE_LINE]},
        }
    }
    rules = {
        "version": "2026\x00",
        "description": "Regels\nvoor 2026",  # multi-line: a line break is fine
        "rules": [{"id": "groen", "lead": "noord", "description": "Groen\x1b"}],
    }
    assert RuleBookSchema().validate(rules) == {
        "version": [ONE_LINE],
        "rules": {0: {"description": [MULTI_LINE]}},
    }


@pytest.mark.parametrize("typed", [" bas@example.org", "bas@example.org ", "  bas@example.org  "])
def test_spaces_around_an_address_are_taken_off(typed: str) -> None:
    from participatie.application.schemas import EmailSchema

    assert EmailSchema().load({"email": typed}) == {"email": "bas@example.org"}


def test_an_address_with_a_space_inside_is_still_refused() -> None:
    from marshmallow import ValidationError

    from participatie.application.schemas import EmailSchema

    with pytest.raises(ValidationError) as refused:
        EmailSchema().load({"email": "bas @example.org"})
    assert "email" in refused.value.messages
