"""Support links: the token a support confirmation link carries, and the key its mail is sent
under; one place for the web form and the API alike.

The token (a TokenBox token, see tokens.py) holds the initiative id, the supporter's subject id
and their address sealed under that subject's own key (`ParticipatieApp.support_request`): one
subject per address and initiative, the same one the support is recorded under. Erasing the
supporter shreds that key, so every link they were ever sent, wherever it was kept (a log, a
mailbox), opens to nothing. The mail key starts with the initiative and subject ids, which the
events keep after an erasure, so the erasure can always find the outbox copies again.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from participatie.domain.initiative import LANGUAGES
from participatie.domain.values import SealedPersonalData
from participatie.notifications.tokens import DAY, TokenBox, TokenExpired, TokenInvalid

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp

SUPPORT = "support"  # token purpose of a support confirmation link
LINK_DAYS = 7


def support_mail_prefix(initiative_id: UUID, subject_id: UUID) -> str:
    """What the key of every support mail to this supporter starts with."""
    return f"support-{initiative_id}-{subject_id.hex}-"


@dataclass(frozen=True)
class SupportLink:
    token: str
    mail_key: str  # each request mails a fresh link, under its own ledger key


def support_link(
    app: ParticipatieApp,
    tokens: TokenBox,
    initiative_id: UUID,
    email: str,
    updates: bool = False,
    language: str = "nl",
) -> SupportLink | None:
    """A new link for `email` to confirm a support; None when this supporter was erased.

    The link also carries whether they asked to hear the decision and the completion, and in
    which language, so the support records what they chose when they confirm it.
    """
    sealed = app.support_request(initiative_id, email)
    if sealed is None:
        return None
    payload = {
        "i": str(initiative_id),
        "s": sealed.subject_id.hex,
        "c": base64.urlsafe_b64encode(sealed.ciphertext).decode(),
        "u": bool(updates),
        "l": language,
    }
    mail_key = support_mail_prefix(initiative_id, sealed.subject_id) + secrets.token_hex(8)
    return SupportLink(tokens.make(SUPPORT, payload), mail_key)


@dataclass(frozen=True)
class OpenedLink:
    initiative_id: UUID
    email: str
    updates: bool  # mail the decision and the completion
    language: str


def open_support_link(app: ParticipatieApp, tokens: TokenBox, token: str) -> OpenedLink:
    """What a link asks for; TokenExpired when old or erased, else TokenInvalid."""
    payload = tokens.open(SUPPORT, token, max_age=LINK_DAYS * DAY)
    try:
        initiative_id = UUID(payload["i"])
        sealed = SealedPersonalData(UUID(hex=payload["s"]), base64.urlsafe_b64decode(payload["c"]))
        fields = app.vault.open(sealed)
        updates = payload.get("u") is True  # links made before asked nothing
        language = payload.get("l") if payload.get("l") in LANGUAGES else "nl"
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise TokenInvalid(SUPPORT) from None  # not ours, or made before links were sealed
    if fields is None:
        raise TokenExpired(SUPPORT)  # the supporter was erased: gone for good
    return OpenedLink(initiative_id, str(fields["email"]), updates, str(language))
