"""Staff accounts: who may work in the platform, in which role, for which teams.

The account's facts (role, teams, active, when a password was set) are events, so an auditor can
see who was given which access when. The password hash itself is not an event: it lives in the
staff store (participatie/staff/accounts.py), where a change overwrites it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import InvariantViolation
from participatie.domain.values import Actor, Role

STAFF_ROLES: tuple[Role, ...] = (
    Role.AREA_MANAGER,
    Role.TEAM_MEMBER,
    Role.REGIE,
    Role.LINE_DEPARTMENT,
    Role.AUDITOR,
    Role.ADMIN,
)
# Roles that work in team queues: they must belong to at least one team.
TEAM_ROLES = frozenset({Role.AREA_MANAGER, Role.TEAM_MEMBER, Role.REGIE, Role.LINE_DEPARTMENT})


def normal_username(username: str) -> str:
    return username.strip().lower()


class StaffAccount(Aggregate):
    class Registered(Aggregate.Created):
        username: str
        name: str
        email: str | None
        role: Role
        teams: list[str]
        actor: Actor

    class Changed(Aggregate.Event):
        name: str
        email: str | None
        role: Role
        teams: list[str]
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, StaffAccount)
            aggregate.name = self.name
            aggregate.email = self.email
            aggregate.role = self.role
            aggregate.teams = list(self.teams)

    class Deactivated(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, StaffAccount)
            aggregate.active = False

    class Reactivated(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, StaffAccount)
            aggregate.active = True

    class PersonalDataGranted(Aggregate.Event):
        """An auditor may see personal data, for one purpose, until a moment."""

        actor: Actor
        purpose: str
        until: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, StaffAccount)
            aggregate.grant = (self.purpose, self.until)

    class GrantRevoked(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, StaffAccount)
            aggregate.grant = None

    class PasswordSet(Aggregate.Event):
        """A password was set or changed (the fact only; the hash is kept elsewhere)."""

        actor: Actor

    @staticmethod
    def create_id(username: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:staff:{normal_username(username)}")

    def __init__(
        self,
        username: str,
        name: str,
        email: str | None,
        role: Role,
        teams: list[str],
        actor: Actor,
    ) -> None:
        self.username = username
        self.name = name
        self.email = email
        self.role = role
        self.teams = list(teams)
        self.active = True
        self.grant: tuple[str, datetime] | None = None

    @classmethod
    def register(
        cls,
        username: str,
        name: str,
        email: str | None,
        role: Role,
        teams: list[str],
        actor: Actor,
        at: datetime,
    ) -> StaffAccount:
        username = normal_username(username)
        check_account(username, name, role, teams)
        account: StaffAccount = cls._create(
            cls.Registered,
            id=cls.create_id(username),
            username=username,
            name=name.strip(),
            email=(email or "").strip() or None,
            role=role,
            teams=list(teams),
            actor=actor,
            timestamp=at,
        )
        return account

    def change(
        self,
        name: str,
        email: str | None,
        role: Role,
        teams: list[str],
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Record a change; return False (and record nothing) when nothing differs."""
        check_account(self.username, name, role, teams)
        email = (email or "").strip() or None
        if (name.strip(), email, role, list(teams)) == (
            self.name,
            self.email,
            self.role,
            self.teams,
        ):
            return False
        self.trigger_event(
            self.Changed,
            name=name.strip(),
            email=email,
            role=role,
            teams=list(teams),
            actor=actor,
            timestamp=at,
        )
        return True

    def deactivate(self, actor: Actor, at: datetime, reason: str) -> None:
        if not self.active:
            raise InvariantViolation("active", "the account is already deactivated")
        if not (reason or "").strip():
            raise InvariantViolation("reason", "must not be empty")
        self.trigger_event(self.Deactivated, actor=actor, reason=reason.strip(), timestamp=at)

    def reactivate(self, actor: Actor, at: datetime, reason: str) -> None:
        if self.active:
            raise InvariantViolation("active", "the account is active")
        if not (reason or "").strip():
            raise InvariantViolation("reason", "must not be empty")
        self.trigger_event(self.Reactivated, actor=actor, reason=reason.strip(), timestamp=at)

    def grant_personal_data(
        self, actor: Actor, at: datetime, purpose: str, until: datetime
    ) -> None:
        if self.role is not Role.AUDITOR:
            raise InvariantViolation("role", "only an auditor gets a grant for personal data")
        if not (purpose or "").strip():
            raise InvariantViolation("purpose", "must not be empty")
        if until <= at:
            raise InvariantViolation("until", "must lie in the future")
        self.trigger_event(
            self.PersonalDataGranted,
            actor=actor,
            purpose=purpose.strip(),
            until=until,
            timestamp=at,
        )

    def revoke_grant(self, actor: Actor, at: datetime) -> None:
        if self.grant is None:
            raise InvariantViolation("grant", "there is no grant to revoke")
        self.trigger_event(self.GrantRevoked, actor=actor, timestamp=at)

    def grant_purpose(self, now: datetime) -> str | None:
        """The purpose of a grant in force at `now`, or None."""
        if self.grant is None or self.grant[1] <= now:
            return None
        return self.grant[0]

    def password_set(self, actor: Actor, at: datetime) -> None:
        self.trigger_event(self.PasswordSet, actor=actor, timestamp=at)


def check_account(username: str, name: str, role: Role, teams: list[str]) -> None:
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InvariantViolation("username", "letters, digits, '.', '-' and '_' only")
    if not (name or "").strip():
        raise InvariantViolation("name", "must not be empty")
    if role not in STAFF_ROLES:
        raise InvariantViolation("role", f"'{role.value}' is not a staff role")
    if role in TEAM_ROLES and not teams:
        raise InvariantViolation("teams", "this role works for at least one team")
    if role not in TEAM_ROLES and teams:
        raise InvariantViolation("teams", "this role does not work for a team")
