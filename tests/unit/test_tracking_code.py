"""Tracking codes read out over the phone: the check symbol, forgiving reading, old codes."""

from __future__ import annotations

import hashlib

import pytest

from participatie.domain.tracking import (
    check_symbol,
    has_typo,
    hash_tracking_code,
    looks_like_code,
    new_tracking_code,
    normalise,
)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32, written out by hand

# Luhn mod 32, worked out on paper: from the right, every other value doubled, and a doubled
# value of 32 or more counts as 1 + (value - 32).
CHECKS = [
    ("1", "Y"),  # 2 → 32 - 2 = 30 = Y
    ("A1", "M"),  # 2 + 10 = 12 → 20 = M
    ("0000000000000", "0"),
    ("11111111111111", "B"),  # 7 × 2 + 7 × 1 = 21 → 11 = B
    ("ZZZZZZZZZZZZZZ", "E"),  # 7 × (1 + 30) + 7 × 31 = 434 ≡ 18 → 14 = E
    ("G", "Z"),  # 2 × 16 = 32 → 1 + 0 = 1 → 32 - 1 = 31 = Z
    # From the right: 3→6, R→24, T→52→21, P→22, H→34→3, 4→4, D→26, X→29, 9→18, M→20, 2→4,
    # Q→23, K→38→7, 7→7: 214 ≡ 22 → 10 = A.
    ("7KQ2M9XD4HPTR3", "A"),
]


@pytest.mark.parametrize(("symbols", "check"), CHECKS)
def test_the_check_symbol_is_luhn_mod_32(symbols: str, check: str) -> None:
    assert check_symbol(symbols) == check


def test_a_new_code_is_fifteen_symbols_in_three_groups_with_a_valid_check() -> None:
    codes = {new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [5, 5, 5]
        symbols = "".join(groups)
        assert set(symbols) <= set(ALPHABET)
        assert not set(symbols) & set("ILOU")
        assert looks_like_code(code) and not has_typo(code)


def test_every_single_wrong_symbol_is_a_typo() -> None:
    code = "".join(new_tracking_code().split("-"))
    for position in range(15):
        for other in ALPHABET:
            if other != code[position]:
                changed = code[:position] + other + code[position + 1 :]
                assert has_typo(changed), (position, other)


def test_every_swap_of_two_neighbours_is_a_typo_but_0_and_z() -> None:
    code = "7KQ2M9XD4HPTR3A"  # with its check symbol (CHECKS)
    assert not has_typo(code)
    for position in range(14):
        a, b = code[position], code[position + 1]
        if a == b:
            continue
        swapped = code[:position] + b + a + code[position + 2 :]
        assert has_typo(swapped), position
    # The one pair Luhn mod 32 cannot see: 0 and Z (0 + (1 + 30) == 31 + 0).
    # Twelve zeros, then 0 Z or Z 0: 0 + (31 → 62 → 31) or 31 + 0, both 31 → check 1.
    assert not has_typo("0000000000000Z1")
    assert not has_typo("000000000000Z01")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("7kq2m-9xd4h-ptr3a", "7KQ2M9XD4HPTR3A"),
        ("7KQ2M 9XD4H PTR3A", "7KQ2M9XD4HPTR3A"),
        (" 7kq2m.9xd4h.ptr3a ", "7KQ2M9XD4HPTR3A"),
        ("OIL", "011"),  # O, I and L are read as 0, 1 and 1
        ("oil", "011"),
    ],
)
def test_reading_is_forgiving(typed: str, stored: str) -> None:
    assert normalise(typed) == stored


def test_look_alikes_find_the_same_code() -> None:
    assert hash_tracking_code("00111-ABCDE-FGHJK") == hash_tracking_code("oOiIl-abcde-fghjk")


def test_old_hexadecimal_codes_hash_as_they_always_did() -> None:
    old = "0123-4567-89AB-CDEF-0123-4567-89AB-CDEF"
    expected = hashlib.sha256(b"0123456789ABCDEF0123456789ABCDEF").hexdigest()
    assert hash_tracking_code(old) == expected
    assert hash_tracking_code(old.lower().replace("-", " ")) == expected
    assert not looks_like_code(old) and not has_typo(old)


@pytest.mark.parametrize(
    "text", ["", "7KQ2M-9XD4H-PTR3", "7KQ2M-9XD4H-PTR3AA", "7KQ2M-9XD4H-PTRUA", "speeltuin"]
)
def test_other_text_is_no_code_and_no_typo(text: str) -> None:
    assert not looks_like_code(text)
    assert not has_typo(text)


def test_every_position_draws_from_the_whole_alphabet() -> None:
    codes = ["".join(new_tracking_code().split("-")) for _ in range(2000)]
    for position in range(14):  # the fifteenth is the check symbol
        assert {code[position] for code in codes} == set(ALPHABET), position


@pytest.mark.parametrize(
    ("bits", "symbols"),
    [
        (0, "00000000000000"),
        (1, "10000000000000"),  # the lowest five bits are the first symbol
        (31 << 5, "0Z000000000000"),
        (17 << 65, "0000000000000H"),  # the highest five bits: the fourteenth symbol (17 = H)
        ((1 << 70) - 1, "ZZZZZZZZZZZZZZ"),
    ],
)
def test_a_code_spends_seventy_random_bits_five_per_symbol(
    bits: int, symbols: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import participatie.domain.tracking as tracking

    asked: list[int] = []
    monkeypatch.setattr(tracking.secrets, "randbits", lambda n: asked.append(n) or bits)
    code = "".join(new_tracking_code().split("-"))
    assert asked == [70]
    assert code[:14] == symbols
