"""The RuleBook aggregate (domain/rulebook.py): versions published once, with sound defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatie.domain.errors import InvariantViolation
from participatie.domain.rulebook import RuleBook
from participatie.domain.values import Actor, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Actor("u-admin", Role.ADMIN)
RULES = [{"id": "r1", "lead": "noord", "match": {"areas": ["WK01"]}}]


def book() -> RuleBook:
    found: RuleBook = RuleBook._create(RuleBook.Created, id=RuleBook.create_id())
    found.collect_events()
    return found


@pytest.mark.parametrize(("days", "refused"), [(-1, True), (0, True), (1, False), (40, False)])
def test_the_default_acceptance_days_are_at_least_one(days: int, refused: bool) -> None:
    found = book()
    if refused:
        with pytest.raises(InvariantViolation) as caught:
            found.publish("2026-1", "eerste", days, RULES, ADMIN, T0)
        assert caught.value.field == "default_acceptance_days"
        assert found.collect_events() == [] and found.current_version is None
        return
    found.publish("2026-1", "eerste", days, RULES, ADMIN, T0)
    assert found.current_version == "2026-1"


def test_a_label_is_published_once_and_the_newest_is_current() -> None:
    found = book()
    found.publish("2026-1", "eerste", 5, RULES, ADMIN, T0)
    found.publish("2026-2", "tweede", 3, [], ADMIN, T0)
    with pytest.raises(InvariantViolation) as caught:
        found.publish("2026-1", "nog eens", 5, [], ADMIN, T0)
    assert caught.value.field == "version"
    assert found.current_version == "2026-2"
    assert list(found.versions) == ["2026-1", "2026-2"]
    assert found.versions["2026-1"] == {
        "description": "eerste",
        "default_acceptance_days": 5,
        "rules": RULES,
    }
