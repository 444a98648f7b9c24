"""Staff accounts at work: password hashes (argon2id), login throttling and server-side sessions.

The accounts themselves are StaffAccount aggregates (events). What must be overwritable or
forgotten lives in three small tables next to them, in an SQLite file under var/ or in
PostgreSQL: password hashes, sessions (stored as SHA-256 of the session token, so a copy of the
table opens no session) and recent failed logins.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from participatie.domain.errors import DomainError, InvariantViolation, NotFound
from participatie.domain.staff import StaffAccount, normal_username
from participatie.domain.values import Actor, Role
from participatie.infra.tables import Tables, tables_for

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=10)
TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often per session
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 12
ATTEMPTS = "participatie_login_attempts"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participatie_staff_passwords ("
    "username TEXT PRIMARY KEY, hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS participatie_staff_sessions ("
    "token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created TEXT NOT NULL,"
    " last_seen TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS participatie_staff_sessions_user"
    " ON participatie_staff_sessions (username)",
    # Login attempts that count against an account and an address: one row per key (user:...,
    # addr:...) per attempt, written before the password is checked (see LoginGuard). It
    # replaces participatie_login_failures, which had no attempt column.
    "DROP TABLE IF EXISTS participatie_login_failures",
    "CREATE TABLE IF NOT EXISTS participatie_login_attempts ("
    "key TEXT NOT NULL, at TEXT NOT NULL, attempt TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS participatie_staff_tokens ("
    "token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, label TEXT NOT NULL,"
    " created TEXT NOT NULL, expires TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS participatie_login_attempts_key"
    " ON participatie_login_attempts (key, at)",
)


class LoginFailed(DomainError):
    """Unknown user, wrong password or deactivated account (never says which)."""


class LockedOut(DomainError):
    """Too many failed logins for this account or address; try again later."""


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    username: str
    created: datetime
    last_seen: datetime


class Sessions:
    """Server-side staff sessions: a random token in the cookie, its hash in the table."""

    def __init__(
        self,
        tables: Tables,
        clock: Callable[[], datetime],
        idle: timedelta = IDLE_TIMEOUT,
        absolute: timedelta = ABSOLUTE_TIMEOUT,
    ) -> None:
        self.tables = tables
        self.clock = clock
        self.idle = idle
        self.absolute = absolute

    def start(self, username: str) -> str:
        """Open a new session (a new token every login) and return its token."""
        token = secrets.token_urlsafe(32)
        now = _stamp(self.clock())
        self.tables.change(
            "INSERT INTO participatie_staff_sessions (token_hash, username, created, last_seen)"
            " VALUES (?, ?, ?, ?)",
            (_hash_token(token), username, now, now),
        )
        return token

    def resume(self, token: str) -> StaffSession | None:
        """Return the live session of `token`, or None (an expired one is removed)."""
        key = _hash_token(token)
        rows = self.tables.run(
            "SELECT username, created, last_seen FROM participatie_staff_sessions"
            " WHERE token_hash = ?",
            (key,),
        )
        if not rows:
            return None
        username, created, last_seen = rows[0]
        session = StaffSession(
            username, datetime.fromisoformat(created), datetime.fromisoformat(last_seen)
        )
        now = self.clock()
        if now - session.last_seen > self.idle or now - session.created > self.absolute:
            self.tables.change(
                "DELETE FROM participatie_staff_sessions WHERE token_hash = ?", (key,)
            )
            return None
        if now - session.last_seen > TOUCH_EVERY:
            self.tables.change(
                "UPDATE participatie_staff_sessions SET last_seen = ? WHERE token_hash = ?",
                (_stamp(now), key),
            )
        return session

    def end(self, token: str) -> None:
        self.tables.change(
            "DELETE FROM participatie_staff_sessions WHERE token_hash = ?", (_hash_token(token),)
        )

    def end_all(self, username: str) -> int:
        return self.tables.change(
            "DELETE FROM participatie_staff_sessions WHERE username = ?", (username,)
        )


class LoginGuard:
    """Counts failed logins per account and per client address in a sliding window.

    An attempt is counted as failed before its password is checked, in one step with the check
    of the limits (Tables.exclusive): however many attempts arrive at the same moment, at most
    MAX_FAILURES_PER_ACCOUNT passwords are checked. A successful attempt is taken back.
    """

    def __init__(self, tables: Tables, clock: Callable[[], datetime]) -> None:
        self.tables = tables
        self.clock = clock

    def begin(self, username: str, address: str) -> str:
        """Count an attempt for `username` from `address`; return its id, or raise LockedOut."""
        attempt = secrets.token_hex(16)
        now = self.clock()
        since = _stamp(now - FAILURE_WINDOW)
        limits = (
            (f"user:{username}", MAX_FAILURES_PER_ACCOUNT),
            (f"addr:{address}", MAX_FAILURES_PER_ADDRESS),
        )
        with self.tables.exclusive(ATTEMPTS) as sql:
            for key, limit in limits:
                rows = sql.run(
                    f"SELECT COUNT(*) FROM {ATTEMPTS} WHERE key = ? AND at > ?", (key, since)
                )
                if int(rows[0][0]) >= limit:
                    raise LockedOut(username)
            for key, _ in limits:
                sql.change(
                    f"INSERT INTO {ATTEMPTS} (key, at, attempt) VALUES (?, ?, ?)",
                    (key, _stamp(now), attempt),
                )
            sql.change(f"DELETE FROM {ATTEMPTS} WHERE at < ?", (since,))
        return attempt

    def succeeded(self, username: str, attempt: str) -> None:
        """The account's failures are forgotten, and this attempt no longer counts."""
        self.tables.change(
            f"DELETE FROM {ATTEMPTS} WHERE key = ? OR attempt = ?", (f"user:{username}", attempt)
        )


class Staff:
    """Staff accounts: add, change, passwords, login."""

    def __init__(self, app: Any, tables: Tables) -> None:
        self.app = app
        self.tables = tables
        self.hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults
        self.sessions = Sessions(tables, lambda: self.app.clock())
        self.guard = LoginGuard(tables, lambda: self.app.clock())
        self._dummy = self.hasher.hash(secrets.token_hex(16))
        self._ids: list[UUID] = []  # registered accounts, as far as the log was read
        self._scanned = 0  # the head of the log when it was last read

    # -- accounts --------------------------------------------------------------------------------

    def get(self, username: str) -> StaffAccount | None:
        account_id = StaffAccount.create_id(username)
        if account_id not in self.app.repository:
            return None
        account: StaffAccount = self.app.repository.get(account_id)
        return account

    def require(self, username: str) -> StaffAccount:
        account = self.get(username)
        if account is None:
            raise NotFound(f"no staff account '{username}'")
        return account

    def all(self) -> list[StaffAccount]:
        """Every account, by username. The ids of the registered accounts are kept, and each call
        reads only the log after the head the last call saw: a page that lists the team's members
        must not scan the whole log (a million events at 100,000 initiatives)."""
        head = int(self.app.recorder.max_notification_id() or 0)
        if head > self._scanned:
            found = self.app.notifications(StaffAccount.Registered, start=self._scanned + 1)
            self._ids.extend(n.originator_id for n in found if n.id <= head)
            self._scanned = head
        accounts = [self.app.repository.get(i) for i in self._ids]
        return sorted(accounts, key=lambda a: a.username)

    def _check_teams(self, teams: list[str]) -> None:
        known = {t.code for t in self.app.teams()}
        unknown = [t for t in teams if t not in known]
        if unknown:
            raise InvariantViolation("teams", f"unknown team(s): {', '.join(unknown)}")

    def add(
        self,
        username: str,
        name: str,
        role: Role,
        teams: list[str],
        password: str,
        actor: Actor,
        email: str | None = None,
    ) -> StaffAccount:
        username = normal_username(username)
        if self.get(username) is not None:
            raise InvariantViolation("username", f"'{username}' already exists")
        self._check_teams(teams)
        check_password(password)
        account = StaffAccount.register(username, name, email, role, teams, actor, self.app.clock())
        account.password_set(actor, self.app.clock())
        self.app.save_all(account)
        self._store_hash(username, self.hasher.hash(password))
        return account

    def change(
        self,
        username: str,
        name: str,
        role: Role,
        teams: list[str],
        actor: Actor,
        email: str | None = None,
    ) -> bool:
        account = self.require(username)
        self._check_teams(teams)
        changed = account.change(name, email, role, teams, actor, self.app.clock())
        if changed:
            self.app.save_all(account)
        return changed

    def ensure_federated(
        self,
        username: str,
        name: str,
        email: str | None,
        role: Role,
        teams: list[str],
        actor: Actor,
    ) -> StaffAccount:
        """Register or update an account whose identity provider vouches for it (OpenID Connect).

        A new account gets no password hash, so it can only log in through the provider. An
        existing one gets the provider's role, teams, name and e-mail address when they differ
        (one Changed event); teams in another order are no change. A deactivated account is left
        as it is: the caller must refuse it.
        """
        username = normal_username(username)
        self._check_teams(teams)
        account = self.get(username)
        if account is None:
            account = StaffAccount.register(
                username, name, email, role, teams, actor, self.app.clock()
            )
            self.app.save_all(account)
            return account
        if not account.active:
            return account
        if sorted(teams) == sorted(account.teams):
            teams = list(account.teams)
        if account.change(name, email, role, teams, actor, self.app.clock()):
            self.app.save_all(account)
        return account

    def set_password(self, username: str, password: str, actor: Actor) -> None:
        account = self.require(username)
        check_password(password)
        account.password_set(actor, self.app.clock())
        self.app.save_all(account)
        self._store_hash(account.username, self.hasher.hash(password))
        self.sessions.end_all(account.username)

    def deactivate(self, username: str, actor: Actor, reason: str) -> None:
        account = self.require(username)
        account.deactivate(actor, self.app.clock(), reason)
        self.app.save_all(account)
        self.sessions.end_all(account.username)
        self.revoke_tokens(account.username)

    def reactivate(self, username: str, actor: Actor, reason: str) -> None:
        account = self.require(username)
        account.reactivate(actor, self.app.clock(), reason)
        self.app.save_all(account)

    def grant(self, username: str, purpose: str, days: int, actor: Actor) -> StaffAccount:
        """Let an auditor see personal data for `purpose` during `days` days."""
        from datetime import timedelta

        account = self.require(username)
        now = self.app.clock()
        account.grant_personal_data(actor, now, purpose, now + timedelta(days=days))
        self.app.save_all(account)
        return account

    def revoke(self, username: str, actor: Actor) -> None:
        account = self.require(username)
        account.revoke_grant(actor, self.app.clock())
        self.app.save_all(account)

    # -- API tokens ------------------------------------------------------------------------------

    def issue_token(self, username: str, label: str, days: int) -> str:
        """A bearer token for the API acting as `username` (stored only as its SHA-256)."""
        account = self.require(username)
        if not account.active:
            raise InvariantViolation("username", "the account is deactivated")
        token = "pt_" + secrets.token_urlsafe(32)
        now = self.app.clock()
        self.tables.change(
            "INSERT INTO participatie_staff_tokens (token_hash, username, label, created, expires)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                _hash_token(token),
                account.username,
                label,
                _stamp(now),
                _stamp(now + timedelta(days=days)),
            ),
        )
        return token

    def token_account(self, token: str) -> StaffAccount | None:
        """The active account a live token acts for, or None."""
        rows = self.tables.run(
            "SELECT username, expires FROM participatie_staff_tokens WHERE token_hash = ?",
            (_hash_token(token),),
        )
        if not rows or datetime.fromisoformat(rows[0][1]) <= self.app.clock():
            return None
        account = self.get(rows[0][0])
        return account if account is not None and account.active else None

    def revoke_tokens(self, username: str) -> int:
        return self.tables.change(
            "DELETE FROM participatie_staff_tokens WHERE username = ?", (normal_username(username),)
        )

    def _store_hash(self, username: str, password_hash: str) -> None:
        if not self.tables.change(
            "UPDATE participatie_staff_passwords SET hash = ? WHERE username = ?",
            (password_hash, username),
        ):
            self.tables.change(
                "INSERT INTO participatie_staff_passwords (username, hash) VALUES (?, ?)",
                (username, password_hash),
            )

    # -- login -----------------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, address: str) -> StaffAccount:
        """Return the account, or raise LoginFailed / LockedOut (also for unknown users)."""
        username = normal_username(username)
        attempt = self.guard.begin(username, address)  # counted as failed until it succeeds
        rows = self.tables.run(
            "SELECT hash FROM participatie_staff_passwords WHERE username = ?", (username,)
        )
        stored = rows[0][0] if rows else self._dummy  # same work whether the user exists or not
        try:
            self.hasher.verify(stored, password)
            ok = bool(rows)
        except (VerificationError, InvalidHashError):
            ok = False
        account = self.get(username) if ok else None
        if account is None or not account.active:
            raise LoginFailed(username)
        self.guard.succeeded(username, attempt)
        if self.hasher.check_needs_rehash(stored):
            self._store_hash(username, self.hasher.hash(password))
        return account


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvariantViolation(
            "password", f"at least {MIN_PASSWORD_LENGTH} characters (a passphrase is best)"
        )


def open_tables(settings: Any) -> Tables:
    return tables_for(settings, "staff.sqlite", SCHEMA)
