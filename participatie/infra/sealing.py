"""Free text sealed on its way into the event store and opened on its way out.

The domain marks what a person typed as FreeText (domain/values.py), naming whose it is. This
mapper replaces each such value by a SealedText (encrypted with that person's key) before the
event is encoded, and opens it again when an event is read, so aggregates, projections and
pages read plain text while the log, its hash chain and the snapshots hold only ciphertext.
Once the person's key is deleted the text opens as erased (an empty FreeText): replay, views and
`audit verify` go on, the words are gone.

Text stored in clear by an older version comes out of its upcaster as legacy FreeText; when its
person is known and erased it is read as erased too (the stored row cannot be rewritten without
breaking the hash chain, so it is hidden; `participatie privacy legacy-text` lists such rows).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoding

from participatie.domain.values import FreeText, SealedText


class TextSealer(Protocol):
    """What the mapper needs of the vault (privacy.keys.PersonalDataVault)."""

    def seal_texts(self, subject_id: UUID, texts: list[str]) -> list[bytes]:
        """Encrypt `texts` with the subject's key (a lost key: one nobody keeps)."""

    def open_texts(self, subject_id: UUID, ciphertexts: list[bytes]) -> list[str] | None:
        """Decrypt `ciphertexts`; None when the subject's key was deleted."""

    def readable(self, subject_id: UUID) -> bool:
        """Whether the subject still has a key."""


class SealedTextAsDict(Transcoding):
    type = SealedText
    name = "sealed_text"

    def encode(self, obj: SealedText) -> dict[str, str]:
        return {"s": obj.subject_id.hex, "c": base64.b64encode(obj.ciphertext).decode("ascii")}

    def decode(self, data: dict[str, str]) -> SealedText:
        return SealedText(UUID(hex=data["s"]), base64.b64decode(data["c"]))


class SealingMapper(Mapper[UUID]):
    """A Mapper that seals FreeText values of events and snapshots (see the module text)."""

    sealer: TextSealer | None = None  # set by the application once its vault exists

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = vars(domain_event)
        sealed = self._sealed(state)
        if sealed is not state:
            copy = object.__new__(type(domain_event))
            object.__setattr__(copy, "__dict__", sealed)
            domain_event = copy
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        self._open(vars(event))
        return event

    # -- sealing ---------------------------------------------------------------------------------

    def _sealed(self, state: dict[str, Any]) -> dict[str, Any]:
        """`state` with its free text sealed (the same dict when it holds none)."""
        found = _texts(state)
        if not found:
            return state
        assert self.sealer is not None, "SealingMapper.sealer is not set"
        by_subject: dict[UUID, list[tuple[dict[str, Any], str, FreeText]]] = defaultdict(list)
        copies: dict[int, dict[str, Any]] = {id(state): dict(state)}
        for holder, name, text in found:
            if text.subject_id is None:
                continue  # legacy text of nobody known: stays as it was
            target = copies.setdefault(id(holder), dict(holder))
            if text.erased:
                target[name] = SealedText(text.subject_id, b"")
            else:
                by_subject[text.subject_id].append((target, name, text))
        for subject_id, items in by_subject.items():
            ciphertexts = self.sealer.seal_texts(subject_id, [str(t) for _, _, t in items])
            for (target, name, _), blob in zip(items, ciphertexts, strict=True):
                target[name] = SealedText(subject_id, blob)
        top = copies[id(state)]
        for name, value in state.items():  # nested dicts (a snapshot's state) copied above
            if isinstance(value, dict) and id(value) in copies:
                top[name] = copies[id(value)]
        return top

    # -- opening ---------------------------------------------------------------------------------

    def _open(self, state: dict[str, Any]) -> None:
        """Replace each SealedText in `state` by its FreeText (erased when the key is gone)."""
        sealed: dict[UUID, list[tuple[dict[str, Any], str, SealedText]]] = defaultdict(list)
        legacy: list[tuple[dict[str, Any], str, FreeText]] = []
        for holder in _holders(state):
            for name, value in holder.items():
                if isinstance(value, SealedText):
                    sealed[value.subject_id].append((holder, name, value))
                elif isinstance(value, FreeText) and value.legacy and value.subject_id:
                    legacy.append((holder, name, value))
        if not sealed and not legacy:
            return
        assert self.sealer is not None, "SealingMapper.sealer is not set"
        for subject_id, items in sealed.items():
            kept = [s.ciphertext for _, _, s in items if s.ciphertext]
            opened = self.sealer.open_texts(subject_id, kept) if kept else None
            texts = iter(opened or ())
            for holder, name, value in items:
                if value.ciphertext and opened is not None:
                    holder[name] = FreeText(next(texts), subject_id)
                else:
                    holder[name] = FreeText("", subject_id, erased=True)
        readable = _memo(self.sealer.readable)
        for holder, name, text in legacy:
            assert text.subject_id is not None
            if not readable(text.subject_id):
                holder[name] = FreeText("", text.subject_id, erased=True, legacy=True)


def _holders(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's state and, for a snapshot, the aggregate's state in it."""
    return [state, *(v for v in state.values() if isinstance(v, dict))]


def _texts(state: dict[str, Any]) -> list[tuple[dict[str, Any], str, FreeText]]:
    return [
        (holder, name, value)
        for holder in _holders(state)
        for name, value in holder.items()
        if isinstance(value, FreeText)
    ]


def _memo(function: Callable[[UUID], bool]) -> Callable[[UUID], bool]:
    known: dict[UUID, bool] = {}

    def remembered(subject_id: UUID) -> bool:
        if subject_id not in known:
            known[subject_id] = function(subject_id)
        return known[subject_id]

    return remembered
