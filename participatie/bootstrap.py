"""Builds every dependency from Settings in one place; nothing connects at import time."""

from __future__ import annotations

from dataclasses import dataclass

from participatie.application import Clock, ParticipatieApp, utcnow
from participatie.config import Settings
from participatie.privacy import KeyStore, PersonalDataVault, PostgresKeyStore, SQLiteKeyStore
from participatie.secrets_store import load_or_create_key


@dataclass
class Container:
    settings: Settings
    app: ParticipatieApp
    keys: KeyStore

    def close(self) -> None:
        self.app.close()
        self.keys.close()


def build_keystore(settings: Settings) -> KeyStore:
    if settings.uses_postgres:
        return PostgresKeyStore(settings.postgres_dsn())
    return SQLiteKeyStore(settings.keystore_path)


def build(settings: Settings | None = None, clock: Clock = utcnow) -> Container:
    """Return the application and its stores for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if not settings.uses_postgres:
        settings.event_store_path.parent.mkdir(parents=True, exist_ok=True)
    master_key = load_or_create_key(
        settings.master_key, settings.var_dir / "master.key", "PARTICIPATIE_MASTER_KEY"
    )
    keys = build_keystore(settings)
    vault = PersonalDataVault(keys, master_key)
    app = ParticipatieApp(
        env=settings.eventsourcing_env(),
        vault=vault,
        clock=clock,
        snapshot_interval=settings.snapshot_interval,
    )
    return Container(settings=settings, app=app, keys=keys)
