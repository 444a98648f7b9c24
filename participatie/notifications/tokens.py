"""Signed, encrypted, expiring tokens for links in e-mails (confirm an address, a support).

A token is a Fernet token (AES-CBC + HMAC, with its creation time) under a key derived from the
platform secret for one purpose, so a token made for one purpose is useless for another. What
a token refers to that is personal is sealed under the person's own key (notifications/links.py),
so erasing them makes the token open to nothing; and no token is written to a log.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DAY = 24 * 3600
# What every token looks like: Fernet's version byte 0x80 and a 64-bit timestamp below 2**40
# ("gAAAAA"), then URL-safe base64. Logs redact anything of this shape (web/redaction.py).
TOKEN_SHAPE = re.compile(r"gAAAAA[0-9A-Za-z_-]{20,}={0,2}")


class TokenInvalid(ValueError):
    """The token was not made by us for this purpose, or it was altered."""


class TokenExpired(ValueError):
    """The token is genuine but older than allowed."""


class TokenBox:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _fernet(self, purpose: str) -> Fernet:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"token:{purpose}".encode()
        ).derive(self._secret)
        return Fernet(base64.urlsafe_b64encode(key))

    def make(self, purpose: str, payload: dict[str, Any], now: float | None = None) -> str:
        data = json.dumps(payload, sort_keys=True).encode()
        fernet = self._fernet(purpose)
        moment = int(now if now is not None else time.time())
        return fernet.encrypt_at_time(data, moment).decode()

    def open(
        self, purpose: str, token: str, max_age: int, now: float | None = None
    ) -> dict[str, Any]:
        """Return the payload; raise TokenInvalid or TokenExpired."""
        fernet = self._fernet(purpose)
        moment = int(now if now is not None else time.time())
        try:
            made = fernet.extract_timestamp(token.encode())
        except (InvalidToken, ValueError):
            raise TokenInvalid(purpose) from None
        if moment - made > max_age:
            raise TokenExpired(purpose)
        try:
            data = fernet.decrypt_at_time(token.encode(), max_age, moment)
        except InvalidToken:
            raise TokenInvalid(purpose) from None
        payload: dict[str, Any] = json.loads(data)
        return payload
