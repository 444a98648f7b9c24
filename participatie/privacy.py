"""Per-subject encryption of personal data (AES-GCM), with keys kept apart from the events.

Each data subject (an initiator, a supporter) gets a random 256-bit data key. Events carry only the
subject id and the ciphertext of that subject's personal fields. The data keys live in a key store
that is separate from the event store, wrapped with a master key; deleting a subject's key makes
the ciphertext unreadable for good (crypto-shredding).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from participatie.domain.values import SealedPersonalData
from participatie.tables import PostgresTables, SQLiteTables

PERSONAL_FIELDS = ("name", "email", "phone", "address", "kvk_number", "organisation_name")
NONCE_BYTES = 12


class KeyStore(ABC):
    """Stores wrapped data keys by subject id."""

    @abstractmethod
    def put(self, subject_id: UUID, wrapped_key: bytes) -> None: ...

    @abstractmethod
    def get(self, subject_id: UUID) -> bytes | None: ...

    @abstractmethod
    def delete(self, subject_id: UUID) -> bool: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class SQLiteKeyStore(KeyStore):
    """Keys in their own SQLite file, with secure_delete so a deleted key is overwritten."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tables = SQLiteTables(
            path,
            [
                "CREATE TABLE IF NOT EXISTS subject_keys ("
                "subject_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL)"
            ],
        )

    def put(self, subject_id: UUID, wrapped_key: bytes) -> None:
        self.tables.change(
            "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)",
            (subject_id.hex, wrapped_key),
        )

    def get(self, subject_id: UUID) -> bytes | None:
        rows = self.tables.run(
            "SELECT wrapped_key FROM subject_keys WHERE subject_id = ?", (subject_id.hex,)
        )
        return bytes(rows[0][0]) if rows else None

    def delete(self, subject_id: UUID) -> bool:
        return (
            self.tables.change("DELETE FROM subject_keys WHERE subject_id = ?", (subject_id.hex,))
            > 0
        )

    def close(self) -> None:
        self.tables.close()


class PostgresKeyStore(KeyStore):
    """Keys in their own PostgreSQL table, apart from the event tables."""

    def __init__(self, dsn: str) -> None:
        self.tables = PostgresTables(
            dsn,
            [
                "CREATE TABLE IF NOT EXISTS participatie_subject_keys ("
                "subject_id uuid PRIMARY KEY, wrapped_key bytea NOT NULL)"
            ],
        )

    def put(self, subject_id: UUID, wrapped_key: bytes) -> None:
        self.tables.change(
            "INSERT INTO participatie_subject_keys (subject_id, wrapped_key) VALUES (?, ?)",
            (subject_id, wrapped_key),
        )

    def get(self, subject_id: UUID) -> bytes | None:
        rows = self.tables.run(
            "SELECT wrapped_key FROM participatie_subject_keys WHERE subject_id = ?",
            (subject_id,),
        )
        return bytes(rows[0][0]) if rows else None

    def delete(self, subject_id: UUID) -> bool:
        deleted = self.tables.change(
            "DELETE FROM participatie_subject_keys WHERE subject_id = ?", (subject_id,)
        )
        return deleted > 0

    def close(self) -> None:
        self.tables.close()


class PersonalDataVault:
    """Seals and opens the personal fields of data subjects."""

    def __init__(self, keys: KeyStore, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self.keys = keys
        self._master = AESGCM(master_key)
        self._pseudonyms = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"participatie pseudonyms"
        ).derive(master_key)

    def pseudonym(self, text: str) -> str:
        """A keyed hash of `text`: equal texts give equal pseudonyms, nobody can reverse one."""
        return hmac.new(self._pseudonyms, text.encode(), hashlib.sha256).hexdigest()

    def seal(self, fields: dict[str, Any], subject_id: UUID | None = None) -> SealedPersonalData:
        """Encrypt `fields` under a new random key for a new (or given) subject."""
        unknown = set(fields) - set(PERSONAL_FIELDS)
        if unknown:
            raise ValueError(f"not personal fields: {sorted(unknown)}")
        subject_id = subject_id or uuid4()
        data_key = AESGCM.generate_key(bit_length=256)
        self.keys.put(subject_id, _encrypt(self._master, data_key, subject_id))
        plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        return SealedPersonalData(subject_id, _encrypt(AESGCM(data_key), plaintext, subject_id))

    def open(self, sealed: SealedPersonalData) -> dict[str, Any] | None:
        """Decrypt; return None when the subject's key was erased."""
        wrapped = self.keys.get(sealed.subject_id)
        if wrapped is None:
            return None
        data_key = _decrypt(self._master, wrapped, sealed.subject_id)
        plaintext = _decrypt(AESGCM(data_key), sealed.ciphertext, sealed.subject_id)
        result: dict[str, Any] = json.loads(plaintext)
        return result

    def shred(self, subject_id: UUID) -> bool:
        """Delete the subject's key; return whether there was one."""
        return self.keys.delete(subject_id)


def _encrypt(aead: AESGCM, plaintext: bytes, subject_id: UUID) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, subject_id.bytes)


def _decrypt(aead: AESGCM, blob: bytes, subject_id: UUID) -> bytes:
    try:
        return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], subject_id.bytes)
    except InvalidTag:
        raise ValueError(f"personal data of subject {subject_id} failed authentication") from None
