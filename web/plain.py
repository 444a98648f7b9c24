"""What templates receive of accounts, teams and challenges: plain values, not aggregates.

A template given an aggregate could call its commands and would break when the aggregate's
inside changes; these frozen rows carry codes and strings only (the enum's value, not the enum).
"""

from __future__ import annotations

from dataclasses import dataclass

from participatie.domain.organisation import Challenge, Team
from participatie.domain.staff import StaffAccount


@dataclass(frozen=True)
class AccountRow:
    username: str
    name: str
    email: str | None
    role: str
    teams: tuple[str, ...]
    active: bool

    @classmethod
    def of(cls, account: StaffAccount) -> AccountRow:
        return cls(
            username=account.username,
            name=account.name,
            email=account.email,
            role=account.role.value,
            teams=tuple(account.teams),
            active=account.active,
        )


@dataclass(frozen=True)
class TeamRow:
    code: str
    name: str
    kind: str
    areas: tuple[str, ...]
    email: str | None

    @classmethod
    def of(cls, team: Team) -> TeamRow:
        return cls(
            code=team.code,
            name=team.name,
            kind=team.kind.value,
            areas=tuple(team.areas),
            email=team.email,
        )


@dataclass(frozen=True)
class ChallengeRow:
    code: str
    name: str
    themes: tuple[str, ...]
    team: str
    focus_areas: tuple[str, ...]

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeRow:
        return cls(
            code=challenge.code,
            name=challenge.name,
            themes=tuple(challenge.themes),
            team=challenge.team,
            focus_areas=tuple(challenge.focus_areas),
        )
