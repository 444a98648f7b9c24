"""Personal data is sealed per subject, bound to that subject, and gone for good once shredded."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from participatie.config import ConfigError
from participatie.domain.values import SealedPersonalData
from participatie.infra.secrets_store import load_or_create_key
from participatie.privacy.keys import PERSONAL_FIELDS, PersonalDataVault, SQLiteKeyStore

ANNA = {
    "name": "Anna de Vries",
    "email": "anna.devries@example.org",
    "phone": "06-12345678",
    "address": "Dorpsstraat 1",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteKeyStore]:
    keys = SQLiteKeyStore(tmp_path / "k.sqlite")
    try:
        yield keys
    finally:
        keys.close()


@pytest.fixture
def vault(store: SQLiteKeyStore) -> PersonalDataVault:
    return PersonalDataVault(store, os.urandom(32))


def store_file_bytes(path: Path) -> bytes:
    """The key store's bytes on disk: the database file and its write-ahead log, if any."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


# --- sealing and opening --------------------------------------------------------------------


def test_sealed_fields_open_to_the_same_fields(vault: PersonalDataVault) -> None:
    sealed = vault.seal(ANNA)
    assert vault.open(sealed) == ANNA


def test_every_personal_field_and_non_ascii_text_survive_sealing(vault: PersonalDataVault) -> None:
    fields = {name: f"waarde van {name} — Ĳsselmonde" for name in PERSONAL_FIELDS}
    assert vault.open(vault.seal(fields)) == fields


def test_sealing_for_a_given_subject_keeps_that_subject_id(vault: PersonalDataVault) -> None:
    subject = uuid4()
    sealed = vault.seal({"name": "Anna"}, subject_id=subject)
    assert sealed.subject_id == subject
    assert vault.open(sealed) == {"name": "Anna"}


def test_two_seals_of_the_same_fields_differ_in_subject_and_ciphertext(
    vault: PersonalDataVault,
) -> None:
    first, second = vault.seal(ANNA), vault.seal(ANNA)
    assert first.subject_id != second.subject_id
    assert first.ciphertext != second.ciphertext
    assert vault.open(first) == vault.open(second) == ANNA


def test_plaintext_is_neither_in_the_ciphertext_nor_in_the_key_store_file(
    tmp_path: Path, store: SQLiteKeyStore, vault: PersonalDataVault
) -> None:
    sealed = vault.seal(ANNA)
    store.close()
    email = ANNA["email"].encode()
    assert email not in sealed.ciphertext
    assert b"Anna" not in sealed.ciphertext
    on_disk = store_file_bytes(tmp_path / "k.sqlite")
    assert on_disk
    assert email not in on_disk
    assert b"Anna" not in on_disk


def test_non_personal_field_is_refused_by_name(vault: PersonalDataVault) -> None:
    with pytest.raises(ValueError, match=r"not personal fields: \['favourite_colour'\]"):
        vault.seal({"name": "Anna", "favourite_colour": "groen"})


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_master_key_of_the_wrong_length_is_refused(store: SQLiteKeyStore, size: int) -> None:
    with pytest.raises(ValueError, match="the master key must be 32 bytes"):
        PersonalDataVault(store, os.urandom(size))


def test_another_master_key_cannot_open_the_data(
    store: SQLiteKeyStore, vault: PersonalDataVault
) -> None:
    sealed = vault.seal(ANNA)
    with pytest.raises(ValueError, match="failed authentication"):
        PersonalDataVault(store, os.urandom(32)).open(sealed)


# --- tampering ------------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 12, -1])
def test_flipped_byte_in_the_ciphertext_is_detected(
    vault: PersonalDataVault, position: int
) -> None:
    sealed = vault.seal(ANNA)
    tampered = bytearray(sealed.ciphertext)
    tampered[position] ^= 0x01
    with pytest.raises(ValueError, match=f"subject {sealed.subject_id} failed authentication"):
        vault.open(SealedPersonalData(sealed.subject_id, bytes(tampered)))


def test_ciphertext_moved_to_another_subject_does_not_open(vault: PersonalDataVault) -> None:
    anna, bert = vault.seal(ANNA), vault.seal({"name": "Bert"})
    with pytest.raises(ValueError, match="failed authentication"):
        vault.open(SealedPersonalData(bert.subject_id, anna.ciphertext))


def test_key_and_ciphertext_moved_together_to_another_subject_do_not_open(
    store: SQLiteKeyStore, vault: PersonalDataVault
) -> None:
    """The subject id is the associated data of both the wrapped key and the ciphertext."""
    sealed = vault.seal(ANNA)
    wrapped = store.get(sealed.subject_id)
    assert wrapped is not None
    impostor = uuid4()
    store.put(impostor, wrapped)
    with pytest.raises(ValueError, match=f"subject {impostor} failed authentication"):
        vault.open(SealedPersonalData(impostor, sealed.ciphertext))


# --- crypto-shredding -----------------------------------------------------------------------


def test_shredded_subject_can_no_longer_be_opened(vault: PersonalDataVault) -> None:
    sealed, other = vault.seal(ANNA), vault.seal({"name": "Bert"})
    assert vault.shred(sealed.subject_id) is True
    assert vault.open(sealed) is None
    assert vault.shred(sealed.subject_id) is False
    assert vault.open(other) == {"name": "Bert"}


def test_shredding_an_unknown_subject_returns_false(vault: PersonalDataVault) -> None:
    assert vault.shred(uuid4()) is False


def test_shredded_key_bytes_are_overwritten_in_the_key_store_file(
    tmp_path: Path, store: SQLiteKeyStore, vault: PersonalDataVault
) -> None:
    path = tmp_path / "k.sqlite"
    shredded, kept = vault.seal(ANNA), vault.seal({"name": "Bert"})
    shredded_key, kept_key = store.get(shredded.subject_id), store.get(kept.subject_id)
    assert shredded_key is not None
    assert kept_key is not None
    store.close()
    assert shredded_key in store_file_bytes(path)

    vault.shred(shredded.subject_id)
    store.close()
    on_disk = store_file_bytes(path)
    assert shredded_key not in on_disk
    assert shredded_key[-16:] not in on_disk  # not even the GCM tag is left
    assert kept_key in on_disk


# --- generated keys -------------------------------------------------------------------------


def test_key_file_is_created_once_private_and_returns_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "var" / "master.key"
    first = load_or_create_key("", path, "PARTICIPATIE_MASTER_KEY")
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.b64decode(path.read_text()) == first
    assert load_or_create_key("", path, "PARTICIPATIE_MASTER_KEY") == first


def test_key_size_is_honoured_when_generating(tmp_path: Path) -> None:
    assert len(load_or_create_key("", tmp_path / "secret.key", "X", size=64)) == 64


def test_configured_base64_key_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    load_or_create_key("", path, "PARTICIPATIE_MASTER_KEY")
    configured = bytes(range(32))
    result = load_or_create_key(
        base64.b64encode(configured).decode(), path, "PARTICIPATIE_MASTER_KEY"
    )
    assert result == configured


def test_configured_key_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    load_or_create_key(base64.b64encode(os.urandom(32)).decode(), path, "PARTICIPATIE_MASTER_KEY")
    assert not path.exists()


@pytest.mark.parametrize("value", ["not base64!", "abc", "****"])
def test_configured_key_that_is_not_base64_is_refused_naming_the_variable(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError, match=r"^PARTICIPATIE_MASTER_KEY must be base64$"):
        load_or_create_key(value, tmp_path / "master.key", "PARTICIPATIE_MASTER_KEY")


@pytest.mark.parametrize("size", [16, 31, 33])
def test_configured_key_of_the_wrong_length_is_refused_naming_the_variable(
    tmp_path: Path, size: int
) -> None:
    value = base64.b64encode(os.urandom(size)).decode()
    with pytest.raises(
        ConfigError, match=f"^PARTICIPATIE_MASTER_KEY must decode to 32 bytes, got {size}$"
    ):
        load_or_create_key(value, tmp_path / "master.key", "PARTICIPATIE_MASTER_KEY")


@pytest.mark.parametrize("content", ["", base64.b64encode(b"short").decode()])
def test_key_file_of_the_wrong_length_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "master.key"
    path.write_text(content)
    with pytest.raises(ConfigError, match="PARTICIPATIE_MASTER_KEY"):
        load_or_create_key("", path, "PARTICIPATIE_MASTER_KEY")


def test_new_subjects_keys_are_stored_in_batches_before_they_are_handed_out(
    store: SQLiteKeyStore,
) -> None:
    vault = PersonalDataVault(store, os.urandom(32), key_batch=4)
    first = vault.seal(ANNA)
    # The whole batch is stored at once, the handed-out key among it, before any event exists.
    assert len(store.tables.run("SELECT subject_id FROM subject_keys")) == 4
    assert store.get(first.subject_id) is not None
    sealed = [first] + [vault.seal({"name": f"Persoon {n}"}) for n in range(4)]
    assert len({s.subject_id for s in sealed}) == 5  # never a subject id twice
    assert len(store.tables.run("SELECT subject_id FROM subject_keys")) == 8  # a second batch
    assert vault.open(sealed[0]) == ANNA
    assert vault.open(sealed[4]) == {"name": "Persoon 3"}
    assert vault.shred(sealed[4].subject_id)
    assert vault.open(sealed[4]) is None
    assert vault.open(sealed[3]) == {"name": "Persoon 2"}


def test_a_forked_process_never_hands_out_its_parents_spare_keys(
    store: SQLiteKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = PersonalDataVault(store, os.urandom(32), key_batch=8)
    in_parent = vault.seal(ANNA).subject_id
    spare = {subject for subject, _ in vault._spare}
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as if this were a forked child
    in_child = vault.seal(ANNA).subject_id
    assert in_child not in spare | {in_parent}
    assert len(store.tables.run("SELECT subject_id FROM subject_keys")) == 16


# --- one key for every sealing of one subject ----------------------------------------------


def test_sealing_as_a_subject_twice_uses_one_key_that_one_shred_destroys(
    vault: PersonalDataVault, store: SQLiteKeyStore
) -> None:
    subject = uuid4()
    first = vault.seal_as(subject, {"email": "a@example.org"})
    key = store.get(subject)
    second = vault.seal_as(subject, {"email": "A@example.org"})
    assert store.get(subject) == key  # the key made the first time is kept
    assert first.ciphertext != second.ciphertext  # a fresh nonce each time
    assert [vault.open(first), vault.open(second)] == [
        {"email": "a@example.org"},
        {"email": "A@example.org"},
    ]
    assert vault.readable(subject) is True
    assert vault.shred(subject) is True
    assert [vault.open(first), vault.open(second)] == [None, None]
    assert vault.readable(subject) is False


def test_put_if_absent_keeps_the_key_that_was_there(store: SQLiteKeyStore) -> None:
    subject = uuid4()
    store.put_if_absent(subject, b"first")
    store.put_if_absent(subject, b"second")
    assert store.get(subject) == b"first"


def test_two_machines_given_the_same_keys_agree_and_write_no_key_files(tmp_path: Path) -> None:
    """Snapshot tag and audit signature come from the environment when given (issue 25: every
    process twice, as if on two machines); each machine's own var/ then holds no key file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from participatie.audit.chain import public_key_bytes, signing_key
    from participatie.bootstrap import snapshot_key
    from participatie.config import ConfigError, Settings

    seed, tag = bytes(range(32)), bytes(range(32, 64))
    given = {
        "audit_signing_key": base64.b64encode(seed).decode(),
        "snapshot_key": base64.b64encode(tag).decode(),
    }
    one = Settings(var_dir=tmp_path / "one", **given)
    two = Settings(var_dir=tmp_path / "two", **given)
    expected = public_key_bytes(Ed25519PrivateKey.from_private_bytes(seed))
    assert public_key_bytes(signing_key(one)) == public_key_bytes(signing_key(two)) == expected
    assert snapshot_key(one) == snapshot_key(two) == tag
    for var in (tmp_path / "one", tmp_path / "two"):
        assert not (var / "audit-signing.key").exists()
        assert not (var / "snapshot.key").exists()
    # Without them each machine makes its own: they would not agree.
    alone = Settings(var_dir=tmp_path / "three")
    assert snapshot_key(alone) != tag
    with pytest.raises(ConfigError, match="PARTICIPATIE_AUDIT_SIGNING_KEY must decode to 32"):
        signing_key(Settings(var_dir=tmp_path / "four", audit_signing_key="c2hvcnQ="))
