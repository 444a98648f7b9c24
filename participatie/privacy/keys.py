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
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from participatie.domain.values import PERSONAL_FIELDS, SealedPersonalData
from participatie.infra.tables import PostgresTables, SQLiteTables

NONCE_BYTES = 12
KEY_BATCH = 64  # new subjects' keys made and stored per transaction (see PersonalDataVault)
SEALING_KEYS = 4096  # data keys kept in memory to seal free text (never to open it)
TEXT_AAD = b"|free text"  # told apart from personal fields: one cannot pass for the other
PHOTO_AAD = b"|photo"

log = logging.getLogger("participatie.privacy")


class KeyStore(ABC):
    """Stores wrapped data keys by subject id."""

    @abstractmethod
    def put(self, subject_id: UUID, wrapped_key: bytes) -> None: ...

    def put_many(self, keys: list[tuple[UUID, bytes]]) -> None:
        """Store several keys in one transaction (one durable commit)."""
        for subject_id, wrapped_key in keys:
            self.put(subject_id, wrapped_key)

    @abstractmethod
    def put_if_absent(self, subject_id: UUID, wrapped_key: bytes) -> None:
        """Store the key unless the subject has one already (then keep that one)."""

    @abstractmethod
    def get(self, subject_id: UUID) -> bytes | None: ...

    @abstractmethod
    def delete(self, subject_id: UUID) -> bool: ...

    def scrub(self) -> None:  # noqa: B027 - nothing to do where the database keeps no copies
        """Leave no copy of a deleted key in the store's files (run after deleting)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class KeyStoreBusy(RuntimeError):
    """The key store's write-ahead log could not be emptied: deleted keys may still be in it."""


class SQLiteKeyStore(KeyStore):
    """Keys in their own SQLite file, with secure_delete so a deleted key is overwritten.

    In WAL mode every change first goes to the `-wal` file as whole pages, each holding every key
    of its page, and stays there until a checkpoint while any process has the file open. So a
    deletion is followed by `scrub`: a TRUNCATE checkpoint copies the overwritten pages into the
    database file and empties the `-wal` file, after which no deleted key is anywhere on disk.
    """

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

    def put_many(self, keys: list[tuple[UUID, bytes]]) -> None:
        self.tables.many(
            "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)",
            [(subject_id.hex, wrapped) for subject_id, wrapped in keys],
        )

    def put_if_absent(self, subject_id: UUID, wrapped_key: bytes) -> None:
        self.tables.change(
            "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)"
            " ON CONFLICT (subject_id) DO NOTHING",
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

    def scrub(self) -> None:
        # Waits (the connection's busy timeout) for readers of older pages to finish.
        ((busy, _, _),) = self.tables.run("PRAGMA wal_checkpoint(TRUNCATE)")
        if busy:
            raise KeyStoreBusy(f"{self.path}-wal is in use; run the erasure again")

    def close(self) -> None:
        self.tables.close()


class PostgresKeyStore(KeyStore):
    """Keys in their own PostgreSQL table, apart from the event tables.

    A deleted row stays in the table's heap until VACUUM reuses its space: inside the database
    server's files, which the platform does not hold (nothing of it is under var/).
    """

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

    def put_many(self, keys: list[tuple[UUID, bytes]]) -> None:
        self.tables.many(
            "INSERT INTO participatie_subject_keys (subject_id, wrapped_key) VALUES (?, ?)", keys
        )

    def put_if_absent(self, subject_id: UUID, wrapped_key: bytes) -> None:
        self.tables.change(
            "INSERT INTO participatie_subject_keys (subject_id, wrapped_key) VALUES (?, ?)"
            " ON CONFLICT (subject_id) DO NOTHING",
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
    """Seals and opens the personal fields of data subjects.

    A new subject's key is made ahead: keys are made and stored `key_batch` at a time, in one
    transaction, and handed out one per new subject. So storing a submission costs one durable
    commit (its events) rather than two (its key, then its events), and a key is always stored
    before any event can refer to it. A process that stops leaves its unhanded keys behind:
    random bytes for a subject that never existed, protecting nothing.
    """

    def __init__(self, keys: KeyStore, master_key: bytes, key_batch: int = KEY_BATCH) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        if key_batch < 1:
            raise ValueError("key_batch must be at least 1")
        self.keys = keys
        self.key_batch = key_batch
        self._spare: list[tuple[UUID, bytes]] = []
        self._spare_pid = os.getpid()
        self._spare_lock = threading.Lock()
        self._sealing: OrderedDict[UUID, bytes] = OrderedDict()
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
        if subject_id is None:
            subject_id, data_key = self._new_subject()
        else:
            data_key = AESGCM.generate_key(bit_length=256)
            self.keys.put(subject_id, _encrypt(self._master, data_key, subject_id.bytes))
            self._keep_for_sealing(subject_id, data_key)
        plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        sealed = _encrypt(AESGCM(data_key), plaintext, subject_id.bytes)
        return SealedPersonalData(subject_id, sealed)

    def _new_subject(self) -> tuple[UUID, bytes]:
        """A new subject id and its data key, the key already stored."""
        with self._spare_lock:
            if self._spare_pid != os.getpid():  # a forked child must never reuse its parent's
                self._spare, self._spare_pid = [], os.getpid()
            if not self._spare:
                batch = [
                    (uuid4(), AESGCM.generate_key(bit_length=256)) for _ in range(self.key_batch)
                ]
                self.keys.put_many([(s, _encrypt(self._master, k, s.bytes)) for s, k in batch])
                self._spare = batch[::-1]
            subject_id, data_key = self._spare.pop()
        self._keep_for_sealing(subject_id, data_key)
        return subject_id, data_key

    def _keep_for_sealing(self, subject_id: UUID, data_key: bytes) -> None:
        with self._spare_lock:
            self._sealing[subject_id] = data_key
            self._sealing.move_to_end(subject_id)
            while len(self._sealing) > SEALING_KEYS:
                self._sealing.popitem(last=False)

    def seal_texts(self, subject_id: UUID, texts: list[str]) -> list[bytes]:
        """Encrypt free `texts` of a subject with their key (see `seal_blobs`)."""
        return self.seal_blobs(subject_id, [text.encode() for text in texts], TEXT_AAD)

    def open_texts(self, subject_id: UUID, ciphertexts: list[bytes]) -> list[str] | None:
        """Decrypt free texts of a subject; None when their key was erased."""
        opened = self.open_blobs(subject_id, ciphertexts, TEXT_AAD)
        return None if opened is None else [blob.decode() for blob in opened]

    def seal_blobs(
        self, subject_id: UUID, blobs: list[bytes], purpose: bytes = PHOTO_AAD
    ) -> list[bytes]:
        """Encrypt `blobs` (free text, photos: `purpose` tells them apart) with the subject's key.

        The key of a subject sealed lately is kept in memory, so a submission's title and
        description cost no key store read. A subject whose key is gone (erased while this
        was written) gets a fresh key that is never stored: the data is unreadable at once.
        """
        with self._spare_lock:
            data_key = self._sealing.get(subject_id)
        if data_key is None:
            wrapped = self.keys.get(subject_id)
            if wrapped is None:
                log.warning("free text of erased subject %s sealed under a lost key", subject_id)
                data_key = AESGCM.generate_key(bit_length=256)
            else:
                data_key = _decrypt(self._master, wrapped, subject_id.bytes)
                self._keep_for_sealing(subject_id, data_key)
        aead, aad = AESGCM(data_key), subject_id.bytes + purpose
        return [_encrypt(aead, blob, aad) for blob in blobs]

    def open_blobs(
        self, subject_id: UUID, ciphertexts: list[bytes], purpose: bytes = PHOTO_AAD
    ) -> list[bytes] | None:
        """Decrypt what `seal_blobs` sealed; None when the key was erased (read from the key
        store every time, so an erasure in any process is seen at once)."""
        wrapped = self.keys.get(subject_id)
        if wrapped is None:
            return None
        aead = AESGCM(_decrypt(self._master, wrapped, subject_id.bytes))
        aad = subject_id.bytes + purpose
        return [_decrypt(aead, blob, aad, subject_id) for blob in ciphertexts]

    def seal_as(self, subject_id: UUID, fields: dict[str, Any]) -> SealedPersonalData:
        """Encrypt `fields` under the subject's key, made (and stored) first if it has none.

        For a subject sealed more than once (every support link of one address), so that
        shredding the one key makes every copy unreadable.
        """
        unknown = set(fields) - set(PERSONAL_FIELDS)
        if unknown:
            raise ValueError(f"not personal fields: {sorted(unknown)}")
        wrapped = self.keys.get(subject_id)
        if wrapped is None:
            fresh = AESGCM.generate_key(bit_length=256)
            self.keys.put_if_absent(subject_id, _encrypt(self._master, fresh, subject_id.bytes))
            wrapped = self.keys.get(subject_id)  # the one stored, ours or a racing caller's
            if wrapped is None:
                raise ValueError(f"subject {subject_id} was shredded while being sealed")
        data_key = _decrypt(self._master, wrapped, subject_id.bytes)
        plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        sealed = _encrypt(AESGCM(data_key), plaintext, subject_id.bytes)
        return SealedPersonalData(subject_id, sealed)

    def readable(self, subject_id: UUID) -> bool:
        """Whether the subject still has a key (was not shredded)."""
        return self.keys.get(subject_id) is not None

    def open(self, sealed: SealedPersonalData) -> dict[str, Any] | None:
        """Decrypt; return None when the subject's key was erased."""
        wrapped = self.keys.get(sealed.subject_id)
        if wrapped is None:
            return None
        data_key = _decrypt(self._master, wrapped, sealed.subject_id.bytes)
        plaintext = _decrypt(AESGCM(data_key), sealed.ciphertext, sealed.subject_id.bytes)
        result: dict[str, Any] = json.loads(plaintext)
        return result

    def shred(self, subject_id: UUID) -> bool:
        """Delete the subject's key; return whether there was one. Then call `scrub`."""
        with self._spare_lock:
            self._sealing.pop(subject_id, None)
        return self.keys.delete(subject_id)

    def scrub(self) -> None:
        """Leave no copy of a shredded key on disk (the key store's write-ahead log)."""
        self.keys.scrub()


def _encrypt(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def _decrypt(aead: AESGCM, blob: bytes, aad: bytes, subject_id: UUID | None = None) -> bytes:
    try:
        return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        who = subject_id or UUID(bytes=aad[:16])
        raise ValueError(f"personal data of subject {who} failed authentication") from None
