"""What the staff search box reads from its text, and whom it lets see what (no I/O)."""

from __future__ import annotations

import pytest

from participatie.domain.values import Role
from participatie.staff import access
from participatie.staff.search import SearchInvalid, id_prefix, read, scope_of
from participatie.views.queries.search import Scope
from participatie.views.words import words


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Buurtmoestuin op het braakliggende veld",
            ["buurtmoestuin", "op", "het", "braakliggende", "veld"],
        ),
        ("Energiecafé: Één avond, één CAFÉ", ["energiecafe", "een", "avond", "cafe"]),
        ("Buurt-AED en 30 km/u", ["buurt", "aed", "en", "30", "km", "u"]),
        ("snake_case  tabs\tand\nlines", ["snake", "case", "tabs", "and", "lines"]),
        ("Deelauto's", ["deelauto", "s"]),
        ("Straße", ["strasse"]),
        ("?!", []),
    ],
)
def test_title_words_are_lower_case_without_accents(title: str, expected: list[str]) -> None:
    assert words(title) == expected


def test_a_very_long_word_is_kept_to_sixty_characters() -> None:
    assert words("a" * 70 + " b") == ["a" * 60, "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Vul een titel, volgcode of nummer in."),
        ("   ", "Vul een titel, volgcode of nummer in."),
        ("ab", "Typ minstens 3 letters of cijfers."),
        ("a b", "Typ minstens 3 letters of cijfers."),
        ("?!*-", "Typ minstens 3 letters of cijfers."),
        ("x" * 101, "Typ hoogstens 100 tekens."),
        ("een twee drie vier vijf zes zeven acht negen", "Zoek met hoogstens 8 woorden."),
    ],
)
def test_unusable_text_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SearchInvalid) as refused:
        read(text)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("text", "words_found", "hex_digits", "whole"),
    [
        (" Buurtmoestuin ", ("buurtmoestuin",), None, False),
        ("abc", ("abc",), None, False),
        ("x" * 100, ("x" * 60,), None, False),
        ("een twee drie vier vijf zes zeven acht", None, None, False),
        ("deadbeef", ("deadbeef",), "deadbeef", False),
        ("DEADBEEF-12", ("deadbeef", "12"), "deadbeef12", False),
        ("dead beef", ("dead", "beef"), "deadbeef", False),
        ("deadbee", ("deadbee",), None, False),
        (
            "0A1B-2C3D-4E5F-6789-ABCD-EF01-2345-6789",
            ("0a1b", "2c3d", "4e5f", "6789", "abcd", "ef01", "2345"),  # each word once
            "0a1b2c3d4e5f6789abcdef0123456789",
            True,
        ),
        (
            "5f64cd66-0eb1-4312-b334-ac6f437a5e1b",
            ("5f64cd66", "0eb1", "4312", "b334", "ac6f437a5e1b"),
            "5f64cd660eb14312b334ac6f437a5e1b",
            True,
        ),
        ("5f64cd660eb14312b334ac6f437a5e1b0", ("5f64cd660eb14312b334ac6f437a5e1b0",), None, False),
    ],
)
def test_a_query_knows_its_words_and_whether_it_may_be_an_id_or_a_code(
    text: str, words_found: tuple[str, ...] | None, hex_digits: str | None, whole: bool
) -> None:
    query = read(text)
    if words_found is not None:
        assert query.words == words_found
    assert (query.hex, query.whole) == (hex_digits, whole)


@pytest.mark.parametrize(
    ("digits", "prefix"),
    [
        ("5f64cd66", "5f64cd66"),
        ("5f64cd660e", "5f64cd66-0e"),
        ("5f64cd660eb14312b3", "5f64cd66-0eb1-4312-b3"),
        ("5f64cd660eb14312b334ac6f", "5f64cd66-0eb1-4312-b334-ac6f"),
    ],
)
def test_the_start_of_an_id_is_written_as_ids_are(digits: str, prefix: str) -> None:
    assert id_prefix(digits) == prefix


# Role → (may use the search, the scope of an account in team "t"): by hand, from the rules in
# access.allowed: auditors and regie open every initiative; the other case roles what one of
# their teams leads or is involved in; an admin opens none.
SCOPES = {
    Role.AUDITOR: (True, Scope(True, ("t",), ("t",))),
    Role.REGIE: (True, Scope(True, ("t",), ("t",))),
    Role.AREA_MANAGER: (True, Scope(False, ("t",), ("t",))),
    Role.TEAM_MEMBER: (True, Scope(False, ("t",), ("t",))),
    Role.LINE_DEPARTMENT: (True, Scope(False, ("t",), ("t",))),
    Role.ADMIN: (False, Scope(False, (), ())),
    Role.INITIATOR: (False, Scope(False, (), ())),
    Role.SYSTEM: (False, Scope(False, (), ())),
    Role.SUPPORTER: (False, Scope(False, (), ())),
}


@pytest.mark.parametrize("role", list(Role))
def test_the_search_scope_follows_who_may_open_a_detail_page(role: Role) -> None:
    assert (access.searches(role), scope_of(role, ["t", "t"])) == SCOPES[role]
