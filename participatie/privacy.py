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
import sqlite3
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from participatie.domain.values import SealedPersonalData

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
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.path = path
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS subject_keys ("
                "subject_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA secure_delete=ON")
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def put(self, subject_id: UUID, wrapped_key: bytes) -> None:
        self._connect().execute(
            "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)",
            (subject_id.hex, wrapped_key),
        )

    def get(self, subject_id: UUID) -> bytes | None:
        row = (
            self._connect()
            .execute("SELECT wrapped_key FROM subject_keys WHERE subject_id = ?", (subject_id.hex,))
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def delete(self, subject_id: UUID) -> bool:
        cursor = self._connect().execute(
            "DELETE FROM subject_keys WHERE subject_id = ?", (subject_id.hex,)
        )
        return cursor.rowcount > 0

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class PostgresKeyStore(KeyStore):
    """Keys in their own PostgreSQL table, apart from the event tables."""

    def __init__(self, dsn: str) -> None:
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(dsn, min_size=1, max_size=5, open=True)
        with self.pool.connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS participatie_subject_keys ("
                "subject_id uuid PRIMARY KEY, wrapped_key bytea NOT NULL)"
            )

    def put(self, subject_id: UUID, wrapped_key: bytes) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO participatie_subject_keys (subject_id, wrapped_key) VALUES (%s, %s)",
                (subject_id, wrapped_key),
            )

    def get(self, subject_id: UUID) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT wrapped_key FROM participatie_subject_keys WHERE subject_id = %s",
                (subject_id,),
            ).fetchone()
        return bytes(row[0]) if row else None

    def delete(self, subject_id: UUID) -> bool:
        with self.pool.connection() as conn:
            cursor = conn.execute(
                "DELETE FROM participatie_subject_keys WHERE subject_id = %s", (subject_id,)
            )
            return cursor.rowcount > 0

    def close(self) -> None:
        self.pool.close()


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
