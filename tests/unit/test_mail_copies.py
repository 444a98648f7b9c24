"""Whose personal data an outbox copy holds, read from the key it was kept under (by hand)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from participatie.domain.errors import NotFound
from participatie.privacy.mail_copies import MailRecipient, recipient_of

INITIATIVE = UUID("0b8e4d7c-1f2a-4c3b-9d8e-7f6a5b4c3d2e")
GONE = UUID("11111111-2222-4333-8444-555555555555")
INITIATOR = UUID("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
SUPPORTER = UUID("12345678-9abc-4def-8123-456789abcdef")


class App:
    def get_initiative(self, initiative_id: UUID) -> Any:
        if initiative_id != INITIATIVE:
            raise NotFound(str(initiative_id))
        return SimpleNamespace(initiator=SimpleNamespace(subject_id=INITIATOR))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The initiator's messages: each kind the initiator is sent.
        (f"submitted-{INITIATIVE}-v1-initiator.eml", MailRecipient(True, INITIATIVE, INITIATOR)),
        (
            f"information_requested-{INITIATIVE}-v5-initiator.eml",
            MailRecipient(True, INITIATIVE, INITIATOR),
        ),
        (
            f"decision_published-{INITIATIVE}-v9-initiator.eml",
            MailRecipient(True, INITIATIVE, INITIATOR),
        ),
        (f"completed-{INITIATIVE}-v12-initiator.eml", MailRecipient(True, INITIATIVE, INITIATOR)),
        # A supporter's confirmation link: the key names the supporter.
        (
            f"support-{INITIATIVE}-{SUPPORTER.hex}-3f9a.eml",
            MailRecipient(True, INITIATIVE, SUPPORTER),
        ),
        # Kept before support keys named the supporter: a resident, but nobody to name.
        ("support-0123456789abcdef-3f9a.eml", MailRecipient(True)),
        (f"support-{INITIATIVE}-nothex-3f9a.eml", MailRecipient(True)),
        # Team mail is about work.
        (f"handoff-{INITIATIVE}-v2-team_gebiedsteam-centrum.eml", MailRecipient(False)),
        (f"overdue-{INITIATIVE}-v7-team_opgave-energie.eml", MailRecipient(False)),
        # An initiator's message of an initiative that is not there, and keys of no known shape.
        (f"submitted-{GONE}-v1-initiator.eml", MailRecipient(True)),
        (f"welcome-{INITIATIVE}-v1-initiator.eml", MailRecipient(True)),
        ("welkom-1.eml", MailRecipient(True)),
        (f"submitted-{str(INITIATIVE).upper()}-v1-initiator.eml", MailRecipient(True)),
        (f"Submitted-{INITIATIVE}-v1-initiator.eml", MailRecipient(True)),
        (f"x-submitted-{INITIATIVE}-v1-initiator.eml", MailRecipient(True)),
    ],
)
def test_the_recipient_of_an_outbox_copy(name: str, expected: MailRecipient) -> None:
    assert recipient_of(App(), name) == expected  # type: ignore[arg-type]
