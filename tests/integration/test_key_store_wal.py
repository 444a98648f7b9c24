"""On SQLite, an erased subject's key is gone from every file while the processes keep running.

WAL mode keeps whole pages (each with every key on it) in the `-wal` file until a checkpoint;
while another process has the key store open, closing ours does not checkpoint it. An erasure
must leave no copy of the erased key anywhere under var/, the `-wal` and `-shm` files included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import UUID

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.values import Actor
from participatie.privacy.erasure import erase_subject
from tests.conftest import small_map, submission


def key_files(settings: Settings) -> dict[str, bytes]:
    path = settings.keystore_path
    names = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    return {p.name: p.read_bytes() for p in names if p.exists()}


def test_an_erased_key_is_in_no_key_store_file_while_another_process_holds_it_open(
    sqlite_settings: Settings,
) -> None:
    container = build(sqlite_settings)
    app = container.app
    app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    data = SubmissionSchema(app.area_index()).load_submission(submission())
    initiative_id = app.submit(data).initiative_id
    app.support_initiative(initiative_id, "blijft@example.org")
    app.support_initiative(initiative_id, "gaat@example.org")
    kept, erased = app.get_initiative(initiative_id).supporters
    erased_key, kept_key = container.keys.get(erased), container.keys.get(kept)
    assert erased_key is not None and kept_key is not None
    # Another process (a web worker) has the key store open and has read from it.
    other = sqlite3.connect(sqlite_settings.keystore_path)
    other.execute("SELECT count(*) FROM subject_keys").fetchall()
    try:
        files = key_files(sqlite_settings)
        assert files["participatie-keys.sqlite-wal"]  # the keys went through the WAL
        assert any(erased_key in blob for blob in files.values())  # the scan sees the key

        erase_subject(container, erased, Actor.system("privacy"), "Verzoek van betrokkene")

        files = key_files(sqlite_settings)
        assert {name: erased_key in blob for name, blob in files.items()} == dict.fromkeys(
            files, False
        )
        assert not any(erased_key[-16:] in blob for blob in files.values())  # not even the tag
        assert any(kept_key in blob for blob in files.values())
        assert container.keys.get(kept) == kept_key
    finally:
        other.close()
        container.close()


def test_an_unconfirmed_supports_key_is_in_no_file_after_erasing_the_initiative(
    sqlite_settings: Settings,
) -> None:
    from participatie.notifications.links import support_link
    from participatie.privacy.erasure import erase_initiative

    container = build(sqlite_settings)
    app = container.app
    app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    data = SubmissionSchema(app.area_index()).load_submission(submission())
    initiative_id = app.submit(data).initiative_id
    asked = support_link(app, container.tokens, initiative_id, "vraagt@example.org")
    assert asked is not None
    container.mailer.log.claim(asked.mail_key, "supporter", "support")  # as when it is mailed
    subject = UUID(hex=asked.mail_key.split("-")[6])
    asked_key = container.keys.get(subject)
    assert asked_key is not None
    other = sqlite3.connect(sqlite_settings.keystore_path)
    other.execute("SELECT count(*) FROM subject_keys").fetchall()
    try:
        assert any(asked_key in blob for blob in key_files(sqlite_settings).values())
        erase_initiative(container, initiative_id, Actor.system("privacy"), "Verzoek")
        assert container.keys.get(subject) is None
        files = key_files(sqlite_settings)
        assert not any(asked_key in blob for blob in files.values()), sorted(files)
    finally:
        other.close()
        container.close()
