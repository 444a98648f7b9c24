"""Link tokens: bound to a purpose, encrypted, expiring, tamper-evident."""

from __future__ import annotations

import os

import pytest

from participatie.notifications.tokens import DAY, TokenBox, TokenExpired, TokenInvalid

BOX = TokenBox(os.urandom(32))


def test_a_token_opens_for_its_purpose_and_hides_its_payload() -> None:
    token = BOX.make("support", {"e": "anna@example.org"}, now=1_000_000)
    assert "anna" not in token and "example" not in token
    assert BOX.open("support", token, max_age=DAY, now=1_000_000 + 60) == {"e": "anna@example.org"}


def test_a_token_for_another_purpose_or_another_secret_is_invalid() -> None:
    token = BOX.make("support", {"e": "x"})
    with pytest.raises(TokenInvalid):
        BOX.open("confirm-email", token, max_age=DAY)
    with pytest.raises(TokenInvalid):
        TokenBox(os.urandom(32)).open("support", token, max_age=DAY)


def test_an_old_token_is_expired_and_an_altered_one_invalid() -> None:
    token = BOX.make("support", {"e": "x"}, now=1_000_000)
    with pytest.raises(TokenExpired):
        BOX.open("support", token, max_age=7 * DAY, now=1_000_000 + 7 * DAY + 1)
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(TokenInvalid):
        BOX.open("support", altered, max_age=DAY, now=1_000_000)
    with pytest.raises(TokenInvalid):
        BOX.open("support", "not-a-token", max_age=DAY)
