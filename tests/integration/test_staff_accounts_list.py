"""Listing staff accounts reads only the log after what it read before, and misses nothing."""

from __future__ import annotations

from participatie.bootstrap import Container
from participatie.domain.values import Actor, Role, TeamKind

SYSTEM = Actor.system("test")


def test_accounts_added_between_listings_are_listed(container: Container) -> None:
    app = container.app
    app.register_team("team-a", "Team A", TeamKind.AREA, [], None, SYSTEM)
    staff = container.staff
    assert staff.all() == []
    staff.add("bea", "Bea", Role.AREA_MANAGER, ["team-a"], "een lang wachtwoord 1", SYSTEM)
    assert [a.username for a in staff.all()] == ["bea"]
    app.register_team("team-b", "Team B", TeamKind.AREA, [], None, SYSTEM)  # other events
    staff.add("ada", "Ada", Role.TEAM_MEMBER, ["team-b"], "een lang wachtwoord 2", SYSTEM)
    staff.deactivate("bea", SYSTEM, "uit dienst")
    listed = staff.all()
    assert [a.username for a in listed] == ["ada", "bea"]
    assert [a.active for a in listed] == [True, False]  # the current state, not a kept copy
    # Another process (a second container on the same store) sees the same.
    from participatie.bootstrap import build

    other = build(container.settings)
    try:
        assert [a.username for a in other.staff.all()] == ["ada", "bea"]
    finally:
        other.close()
