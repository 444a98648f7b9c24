"""A canary's personal data appears nowhere in storage, yet the application can read it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.commands import Support
from participatie.domain.values import Actor, Role
from tests.conftest import POSTGRES_URL, small_map, submission

CANARY = {
    "name": "Canarius Zwavelgeel-Kanarie",
    "email": "canary.7f3a9c@example.org",
    "phone": "06-73519286",
    "address": "Kanariepad 719, Lindewaard",
}


def submit_canary(container: Container) -> None:
    data = submission(
        initiator={"kind": "resident", **CANARY},
        location={"area_code": CONTROL},
    )
    schema = SubmissionSchema(container.app.area_index())
    result = container.app.submit(schema.load_submission(data))
    supporter = {"name": CANARY["name"] + " Jr", "email": "jr." + CANARY["email"]}
    container.app.act(
        result.initiative_id,
        Support(supporter=supporter),
        actor=Actor("anonymous-supporter", Role.INITIATOR),
    )
    assert container.app.personal_data(result.initiative_id) == CANARY
    sealed = container.app.get_initiative(result.initiative_id)
    assert len(sealed.supporters) == 1


CONTROL = "BU00010101"  # a buurt of small_map(): stored in clear, unlike all people write


WRITTEN = b"Geveltuinen in de Dorpsstraat"  # the title submission() gives


def canary_hits(blob: bytes) -> list[str]:
    return [value for value in CANARY.values() if value.encode() in blob]


def test_sqlite_files_hold_no_clear_personal_data(sqlite_settings: Settings) -> None:
    container = build(sqlite_settings)
    container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    submit_canary(container)
    files = sorted(Path(container.settings.var_dir).rglob("*"))
    stores = [f for f in files if f.is_file() and ".sqlite" in f.name]
    assert any(f.name.endswith("-wal") for f in stores), "WAL file must be scanned too"
    for path in stores:
        assert canary_hits(path.read_bytes()) == [], path
    # The scan works: non-personal content is stored in clear and is found.
    assert any(CONTROL.encode() in path.read_bytes() for path in stores)
    # What the canary wrote is sealed in the event store (the views keep it, to be shown).
    log = [p for p in stores if p.name.startswith(container.settings.event_store_path.name)]
    assert log and not any(WRITTEN in path.read_bytes() for path in log)
    container.close()
    for path in stores:
        if path.exists():
            assert canary_hits(path.read_bytes()) == [], path


@pytest.mark.postgres
def test_postgres_tables_hold_no_clear_personal_data(postgres_settings: Settings) -> None:
    container = build(postgres_settings)
    container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    submit_canary(container)
    schema = container.settings.database_schema
    container.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        assert {"participatie_events", "participatie_subject_keys"} <= set(tables)
        events = conn.execute(f'SELECT t::text FROM "{schema}".participatie_events t').fetchall()
        assert any(CONTROL.encode().hex() in row[0] for row in events)  # the scan sees content
        assert not any(WRITTEN.hex() in row[0] for row in events)  # what they wrote: sealed
        for table in tables:
            rows = conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t').fetchall()
            dump = "\n".join(row[0] for row in rows).encode()
            # bytea columns print as hex: look for the hex of the canary too
            hex_dump = dump.lower()
            for value in CANARY.values():
                assert value.encode() not in dump, table
                assert value.encode().hex().encode() not in hex_dump, table
