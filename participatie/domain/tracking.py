"""Tracking codes: the secret a resident uses to follow an initiative without an account."""

from __future__ import annotations

import hashlib
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate


def new_tracking_code() -> str:
    """Return a fresh tracking code with 128 bits of entropy, in groups for reading aloud."""
    raw = secrets.token_hex(16).upper()
    return "-".join(raw[i : i + 4] for i in range(0, 32, 4))


def hash_tracking_code(code: str) -> str:
    """Return the SHA-256 of the normalised code; only the hash is stored."""
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


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
