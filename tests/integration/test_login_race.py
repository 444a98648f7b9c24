"""The login lock under parallel attempts, with real threads on SQLite and PostgreSQL.

Five failed logins lock an account. Counting used to happen after the password check, so
attempts arriving together all passed the check first: 24 at once got 6 or more password checks
instead of 5. Now each attempt is counted before its check, in one step with the check of the
limit, so exactly five passwords are ever checked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.values import Actor, Role
from participatie.staff.accounts import LockedOut, LoginFailed

PASSWORD = "een lang wachtwoord 2026"
ATTEMPTS = 24


class CountingHasher(PasswordHasher):
    """argon2id as the platform uses it, counting the password checks."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, hash: Any, password: Any) -> bool:
        with self._lock:
            self.checks += 1
        return super().verify(hash, password)


@pytest.fixture
def staffed(settings: Settings) -> Iterator[Container]:
    built = build(settings)
    built.staff.add("gea", "Gea", Role.ADMIN, [], PASSWORD, Actor.system("test"))
    try:
        yield built
    finally:
        built.close()


def in_parallel(container: Container, username: str, password: str, address: str) -> list[str]:
    """Send ATTEMPTS logins at the same moment from ATTEMPTS threads; return each outcome."""
    start = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    guard = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            container.staff.authenticate(username, password, address)
            outcome = "ok"
        except LoginFailed:
            outcome = "failed"
        except LockedOut:
            outcome = "locked"
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(outcomes)


def test_parallel_wrong_passwords_get_exactly_five_password_checks(staffed: Container) -> None:
    hasher = CountingHasher()
    staffed.staff.hasher = hasher
    outcomes = in_parallel(staffed, "gea", "fout wachtwoord 1234", "198.51.100.7")
    assert outcomes == ["failed"] * 5 + ["locked"] * 19
    assert hasher.checks == 5
    with pytest.raises(LockedOut):  # even the right password, afterwards
        staffed.staff.authenticate("gea", PASSWORD, "198.51.100.8")
    assert hasher.checks == 5


def test_an_unknown_account_is_locked_the_same_way(staffed: Container) -> None:
    hasher = CountingHasher()
    staffed.staff.hasher = hasher
    outcomes = in_parallel(staffed, "bestaat-niet", "fout wachtwoord 1234", "198.51.100.9")
    assert outcomes == ["failed"] * 5 + ["locked"] * 19
    assert hasher.checks == 5


def test_a_successful_login_does_not_count_against_its_address(staffed: Container) -> None:
    for _ in range(3):
        assert staffed.staff.authenticate("gea", PASSWORD, "198.51.100.10").username == "gea"
    rows = staffed.staff.tables.run("SELECT key FROM participatie_login_attempts")
    assert rows == []
    with pytest.raises(LoginFailed):
        staffed.staff.authenticate("gea", "fout wachtwoord 1234", "198.51.100.10")
    rows = staffed.staff.tables.run("SELECT key FROM participatie_login_attempts ORDER BY key")
    assert rows == [("addr:198.51.100.10",), ("user:gea",)]
    assert staffed.staff.authenticate("gea", PASSWORD, "198.51.100.10").username == "gea"
    rows = staffed.staff.tables.run("SELECT key FROM participatie_login_attempts ORDER BY key")
    assert rows == [("addr:198.51.100.10",)]  # the earlier failure from the address stays
