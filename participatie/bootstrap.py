"""Builds every dependency from Settings in one place; nothing connects at import time."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from eventsourcing.persistence import TrackingRecorder

from participatie.application.app import Clock, ParticipatieApp, utcnow
from participatie.config import Settings
from participatie.infra.photostore import open_photo_store
from participatie.infra.private import FOLDER_MODE, protect
from participatie.infra.secrets_store import load_or_create_key
from participatie.notifications.mail import Mailer, build_mailer
from participatie.notifications.tokens import TokenBox
from participatie.privacy.keys import KeyStore, PersonalDataVault, PostgresKeyStore, SQLiteKeyStore

T = TypeVar("T")

if TYPE_CHECKING:
    from participatie.audit.chain import Sealer
    from participatie.infra.tables import Tables
    from participatie.maps.pending import PendingImports
    from participatie.notifications.addresses import AddressBook
    from participatie.notifications.followers import FollowerBook
    from participatie.staff.accounts import Staff
    from participatie.views.store import PostgresViews, SQLiteViews


@dataclass
class Container:
    settings: Settings
    app: ParticipatieApp
    keys: KeyStore

    @cached_property
    def views(self) -> SQLiteViews | PostgresViews:
        """The view store (opened on first use)."""
        from participatie.views.store import open_views

        return open_views(self.settings)

    @cached_property
    def tracking(self) -> TrackingRecorder:
        """The event store's tracking table (the relay's position)."""
        return self.app.factory.tracking_recorder()

    @cached_property
    def tokens(self) -> TokenBox:
        """Tokens for e-mailed links, under the platform secret."""
        return TokenBox(secret_key(self.settings))

    @cached_property
    def pending_maps(self) -> PendingImports:
        """Uploaded area maps waiting for the admin's confirmation (under var/)."""
        from participatie.maps.pending import PendingImports

        return PendingImports(self.settings.var_dir / "kaartimport")

    @cached_property
    def staff(self) -> Staff:
        """Staff accounts, passwords, sessions and login throttling."""
        from participatie.staff.accounts import Staff, open_tables

        return Staff(self.app, creating_tables(lambda: open_tables(self.settings)))

    @cached_property
    def audit_tables(self) -> Tables:
        """The audit seals and signed checkpoints."""
        from participatie.audit.chain import open_audit_tables

        return creating_tables(lambda: open_audit_tables(self.settings))

    def sealer(self) -> Sealer:
        from participatie.audit.chain import Sealer, signing_key

        return Sealer(
            self.app,
            self.audit_tables,
            signing_key(self.settings),
            every_events=self.settings.checkpoint_events,
            every_seconds=self.settings.checkpoint_minutes * 60,
        )

    @cached_property
    def mailer(self) -> Mailer:
        """Sends e-mail once per key: over SMTP, or to the outbox folder under var/."""
        return creating_tables(lambda: build_mailer(self.settings))

    @cached_property
    def addresses(self) -> AddressBook:
        """Which initiatives and supports belong to a confirmed address (beside the ledger)."""
        from participatie.notifications.addresses import AddressBook

        return AddressBook(self.mailer.log.tables)

    @cached_property
    def followers(self) -> FollowerBook:
        """Who follows which area (beside the ledger)."""
        from participatie.notifications.followers import FollowerBook

        return FollowerBook(self.mailer.log.tables)

    def lags(self) -> dict[str, int]:
        """Events in the log not yet handled by the views projection and by the relay."""
        from participatie.views.store import VIEWS

        head = self.app.recorder.max_notification_id() or 0
        with self.views.cursor(commit=False) as c:
            views = self.views.position(c) or 0
        relay = self.tracking.max_tracking_id("relay") or 0
        return {VIEWS: max(0, head - views), "relay": max(0, head - relay)}

    def close(self) -> None:
        if "views" in self.__dict__:
            self.views.datastore.close()
        if "staff" in self.__dict__:
            self.staff.tables.close()
        if "audit_tables" in self.__dict__:
            self.audit_tables.close()
        if "mailer" in self.__dict__:
            self.mailer.log.close()
        nudge = getattr(self.app.recorder, "nudge", None)
        if nudge is not None:
            nudge.close()
        self.app.close()
        self.keys.close()


def secret_key(settings: Settings) -> bytes:
    """The secret for sessions, CSRF and link tokens (generated under var/ on first use)."""
    return load_or_create_key(
        settings.secret_key, settings.var_dir / "secret.key", "PARTICIPATIE_SECRET_KEY"
    )


def build_keystore(settings: Settings) -> KeyStore:
    if settings.uses_postgres:
        return PostgresKeyStore(settings.postgres_dsn())
    return SQLiteKeyStore(settings.keystore_path)


def build(settings: Settings | None = None, clock: Clock = utcnow) -> Container:
    """Return the application and its stores for `settings` (default: from the environment)."""
    settings = settings or Settings.from_env()
    protect(settings.var_dir)  # keys, hashes, sessions and mail: this user only (0600, 0700)
    if not settings.uses_postgres:
        settings.event_store_path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    master_key = load_or_create_key(
        settings.master_key, settings.var_dir / "master.key", "PARTICIPATIE_MASTER_KEY"
    )
    keys = creating_tables(lambda: build_keystore(settings))
    vault = PersonalDataVault(keys, master_key)
    app = creating_tables(
        lambda: ParticipatieApp(
            env=settings.eventsourcing_env(),
            vault=vault,
            snapshot_key=snapshot_key(settings),
            clock=clock,
            snapshot_interval=settings.snapshot_interval,
            decision_days=settings.decision_days,
            auto_approve=settings.auto_approve,
        )
    )
    app.photos_opener = lambda: creating_tables(lambda: open_photo_store(settings))
    container = Container(settings=settings, app=app, keys=keys)
    trust_only_sealed_rows(container)
    nudge_followers_on_commit(container)
    if settings.uses_postgres:
        app.announce_writes(settings.postgres_dsn())
    return container


def trust_only_sealed_rows(container: Container) -> None:
    """Let the application's recorder leave out rows stored where the sealer found none."""
    from participatie.audit.chain import SealedGaps
    from participatie.infra.recorders import NumberedPostgresRecorder, NumberedSQLiteRecorder

    recorder = container.app.recorder
    assert isinstance(recorder, NumberedSQLiteRecorder | NumberedPostgresRecorder)
    recorder.unvouched = SealedGaps(lambda: container.audit_tables)


def nudge_followers_on_commit(container: Container) -> None:
    """On SQLite, wake the relay and the projector on this machine after each commit (the
    PostgreSQL recorder sends NOTIFY instead)."""
    from participatie.infra.recorders import NumberedSQLiteRecorder
    from participatie.infra.wakeup import NUDGED, Nudge, local_address

    recorder = container.app.recorder
    if isinstance(recorder, NumberedSQLiteRecorder):
        store = container.settings.event_store_path
        recorder.nudge = Nudge([local_address(store, name) for name in NUDGED])


def snapshot_key(settings: Settings) -> bytes:
    """The key that tags snapshots (generated under var/ on first use; not in the database)."""
    return load_or_create_key(
        settings.snapshot_key, settings.var_dir / "snapshot.key", "PARTICIPATIE_SNAPSHOT_KEY"
    )


# PostgreSQL can refuse two CREATE TABLE IF NOT EXISTS running at the same moment (processes
# starting together); both statements are idempotent, so trying again is the remedy.
CREATE_RACES = ("tuple concurrently updated", "pg_type_typname_nsp_index", "already exists")


def creating_tables(make: Callable[[], T], attempts: int = 5) -> T:
    """Run `make` (which creates tables if missing), again if it lost a race with another."""
    for attempt in range(attempts):
        try:
            return make()
        except Exception as error:  # psycopg and eventsourcing wrap the same server error
            if attempt == attempts - 1 or not any(m in str(error) for m in CREATE_RACES):
                raise
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.1)
    raise AssertionError("unreachable")
