"""The AreaFollow aggregate: asked → confirmed → stopped, asked again in a new round; what each
state refuses. Expected states written by hand."""

from __future__ import annotations

from uuid import uuid4

import pytest

from participatie.domain.errors import InvariantViolation
from participatie.domain.follow import ASKED, CONFIRMED, STOPPED, AreaFollow
from participatie.domain.values import SealedPersonalData


def sealed() -> SealedPersonalData:
    return SealedPersonalData(subject_id=uuid4(), ciphertext=b"x")


def new() -> AreaFollow:
    return AreaFollow._create(
        AreaFollow.Requested, id=uuid4(), area_code="WK000101", follower=sealed(), language="nl"
    )


def test_the_life_of_a_follow() -> None:
    follow = new()
    assert (follow.state, follow.round, follow.confirmed) == (ASKED, 1, False)
    follow.confirm()
    assert (follow.state, follow.confirmed) == (CONFIRMED, True)
    first = follow.follower.subject_id
    follow.stop("unsubscribed")
    assert (follow.state, follow.erased) == (STOPPED, [first])
    again = sealed()
    follow.ask_again(again, "en")
    assert (follow.state, follow.round, follow.language) == (ASKED, 2, "en")
    assert follow.follower == again
    follow.stop("erased with the person")  # a follow still waiting may stop too
    assert follow.erased == [first, again.subject_id]


# (what is done first, the command, refused?) — by hand.
REFUSALS = [
    ("asked", "ask_again", True),  # not stopped
    ("confirmed", "ask_again", True),
    ("confirmed", "confirm", True),  # confirmed already
    ("stopped", "confirm", True),  # the address is gone
    ("stopped", "stop", True),
    ("asked", "stop", False),
    ("stopped", "ask_again", False),
]


@pytest.mark.parametrize(("state", "command", "refused"), REFUSALS)
def test_what_each_state_refuses(state: str, command: str, refused: bool) -> None:
    follow = new()
    if state in ("confirmed", "stopped"):
        follow.confirm()
    if state == "stopped":
        follow.stop("unsubscribed")
    version = follow.version
    act = {
        "ask_again": lambda: follow.ask_again(sealed(), "nl"),
        "confirm": follow.confirm,
        "stop": lambda: follow.stop("unsubscribed"),
    }[command]
    if refused:
        with pytest.raises(InvariantViolation):
            act()
        assert follow.version == version
    else:
        act()
        assert follow.version == version + 1


def test_a_stop_needs_a_reason_and_an_erased_subject_is_not_used_again() -> None:
    follow = new()
    with pytest.raises(InvariantViolation):
        follow.stop("  ")
    old = follow.follower
    follow.stop("unsubscribed")
    with pytest.raises(InvariantViolation):
        follow.ask_again(old, "nl")


def test_ids_are_per_area_and_pseudonym_and_subjects_per_round() -> None:
    a = AreaFollow.create_id("WK000101", "p1")
    assert a == AreaFollow.create_id("WK000101", "p1")
    assert (
        len({a, AreaFollow.create_id("WK000102", "p1"), AreaFollow.create_id("WK000101", "p2")})
        == 3
    )
    assert AreaFollow.subject_id(a, 1) != AreaFollow.subject_id(a, 2)
