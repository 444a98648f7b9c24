"""Tracking codes: the secret a resident uses to follow an initiative without an account.

A code can be read out over the phone: 14 symbols of Crockford's base32 alphabet (digits and
letters without I, L, O and U, so nothing looks or sounds like something else) carry 70 random
bits, and a 15th is a check symbol (Luhn mod 32): every single wrong symbol and every swap of two
neighbours (but 0 and Z) is caught before anything is looked up. They are shown in three groups
of five, "7KQ2M-9XD4H-PTR3A". Reading is forgiving: case, spaces and hyphens do not matter, and
O, I and L are read as 0, 1 and 1.

Codes made before (32 hexadecimal digits, 128 bits) still work: they hash as they always did.
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
RANDOM_SYMBOLS = 14  # 70 bits
GROUP = 5
LENGTH = RANDOM_SYMBOLS + 1
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
IGNORED = str.maketrans("", "", "- .\t")


def normalise(code: str) -> str:
    """The symbols of `code` as stored: upper case, no separators, look-alikes read as digits."""
    return code.upper().translate(IGNORED).translate(LOOKALIKES)


def check_symbol(symbols: str) -> str:
    """The Luhn mod 32 check symbol of `symbols` (all in ALPHABET)."""
    total = 0
    factor = 2
    for symbol in reversed(symbols):
        addend = factor * ALPHABET.index(symbol)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def looks_like_code(code: str) -> bool:
    """Whether `code` has the shape of a (new) tracking code, right or wrong."""
    symbols = normalise(code)
    return len(symbols) == LENGTH and all(s in ALPHABET for s in symbols)


def has_typo(code: str) -> bool:
    """True for a code of the right shape whose check symbol does not match: a slip of the
    pen or the ear, told apart from an unknown code without looking anything up."""
    symbols = normalise(code)
    return looks_like_code(symbols) and check_symbol(symbols[:-1]) != symbols[-1]


def new_tracking_code() -> str:
    """A fresh code: 70 random bits and a check symbol, in groups of five."""
    bits = secrets.randbits(5 * RANDOM_SYMBOLS)  # one draw; five bits per symbol of 32
    symbols = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_SYMBOLS))
    symbols += check_symbol(symbols)
    return "-".join(symbols[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def hash_tracking_code(code: str) -> str:
    """Return the SHA-256 of the normalised code; only the hash is stored."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


class TrackingIndex(Aggregate):
    """Maps the hash of a tracking code to its initiative (saved with the initiative)."""

    class Created(Aggregate.Created):
        code_hash: str
        initiative_id: UUID

    @staticmethod
    def create_id(code_hash: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:tracking:{code_hash}")

    def __init__(self, code_hash: str, initiative_id: UUID) -> None:
        self.code_hash = code_hash
        self.initiative_id = initiative_id
