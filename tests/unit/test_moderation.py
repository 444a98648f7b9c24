"""Moderation of what the public sees of an initiative: a hand-written table of moderator steps
and what is public after each, the refusals, and the views' public text following the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from participatie.domain.errors import InvariantViolation, NothingChanged, ReasonRequired
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, FreeText, Moderation, PhotoRef, Role
from participatie.views.model import apply
from tests.unit.factories import REGIE, T0, new_initiative

TITLE = "Bankjes op het plein"
DESCRIPTION = "Graag drie bankjes op het plein zodat ouderen kunnen uitrusten."
EDITED = ("Bankjes op het plein", "Graag drie bankjes op het plein om uit te rusten.")
NO_NAMES = "naam van de buurvrouw weggehaald"

# Step → (moderation after it, what the public sees after it: None for nothing).
STEPS: list[tuple[str, Moderation, tuple[str, str] | None]] = [
    ("submitted", Moderation.PENDING, None),
    ("approve", Moderation.APPROVED, (TITLE, DESCRIPTION)),
    ("redact", Moderation.REDACTED, EDITED),
    ("hide", Moderation.HIDDEN, None),
    ("approve", Moderation.APPROVED, (TITLE, DESCRIPTION)),  # as written again
    ("hide", Moderation.HIDDEN, None),
    ("redact", Moderation.REDACTED, EDITED),
]


def step(initiative: Initiative, name: str, hours: int) -> None:
    at = T0 + timedelta(hours=hours)
    if name == "approve":
        initiative.approve_public_text(REGIE, at)
    elif name == "redact":
        initiative.redact_public_text(REGIE, at, *EDITED, NO_NAMES)
    elif name == "hide":
        initiative.hide_public_text(REGIE, at, "beledigend")


def test_the_public_text_follows_each_moderator_step_in_the_aggregate_and_the_views() -> None:
    initiative = new_initiative()
    row = None
    chains = lambda code, version: (code,)  # noqa: E731 - the area alone
    for hours, (name, moderation, public) in enumerate(STEPS):
        step(initiative, name, hours)
        for event in initiative.collect_events():
            row = apply(row, event, chains).row
        assert initiative.moderation is moderation, name
        assert initiative.public_text == public, name
        assert row is not None
        assert row.moderation == moderation.value, name
        assert (row.public_title, row.public_description) == (public or (None, None)), name
        assert row.published is (public is not None)
        assert (row.title, row.description) == (TITLE, DESCRIPTION)  # staff see it as written


def test_a_redacted_version_is_the_initiator_s_text_sealed_under_their_key() -> None:
    initiative = new_initiative()
    initiative.redact_public_text(REGIE, T0, *EDITED, NO_NAMES)
    event = initiative.collect_events()[-1]
    assert isinstance(event, Initiative.PublicTextRedacted)
    for text in (event.title, event.description):
        assert isinstance(text, FreeText) and text.subject_id == initiative.initiator.subject_id
    assert event.reason == NO_NAMES and not isinstance(event.reason, FreeText)


def test_moderating_is_refused_without_consent_twice_over_or_without_a_reason() -> None:
    private = new_initiative()
    private.consent_to_publish, private.moderation = False, Moderation.NONE
    for command, args in [
        ("approve_public_text", ()),
        ("redact_public_text", (*EDITED, NO_NAMES)),
        ("hide_public_text", ("beledigend",)),
    ]:
        with pytest.raises(InvariantViolation) as refused:
            getattr(private, command)(REGIE, T0, *args)
        assert refused.value.field == "consent", command
    initiative = new_initiative()
    initiative.approve_public_text(REGIE, T0)
    with pytest.raises(InvariantViolation, match="already public"):
        initiative.approve_public_text(REGIE, T0)
    with pytest.raises(NothingChanged) as unchanged:
        initiative.redact_public_text(REGIE, T0, TITLE, DESCRIPTION, "niets")
    assert unchanged.value.field == "title"
    with pytest.raises(ReasonRequired):
        initiative.hide_public_text(REGIE, T0, "  ")
    with pytest.raises(ReasonRequired):
        initiative.redact_public_text(REGIE, T0, *EDITED, "")
    with pytest.raises(InvariantViolation) as empty:
        initiative.redact_public_text(REGIE, T0, " ", DESCRIPTION, NO_NAMES)
    assert empty.value.field == "title"
    initiative.hide_public_text(REGIE, T0, "beledigend")
    with pytest.raises(InvariantViolation, match="already hidden"):
        initiative.hide_public_text(REGIE, T0, "nog eens")
    kinds = [type(e).__name__ for e in initiative.collect_events()]
    assert kinds == ["Submitted", "PublicTextApproved", "PublicTextHidden"]  # nothing else


def test_nothing_is_public_of_an_erased_initiator_but_that_it_was() -> None:
    initiative = new_initiative()
    initiative.approve_public_text(REGIE, T0)
    subject = initiative.initiator.subject_id
    initiative.erase_personal_data(Actor.system("privacy"), T0, subject, "art. 17")
    chains = lambda code, version: (code,)  # noqa: E731
    row = None
    for event in initiative.collect_events():
        row = apply(row, event, chains).row
    assert row is not None and row.published
    assert (row.title, row.description, row.public_title, row.public_description) == (
        "",
        None,
        "",
        "",
    )
    with pytest.raises(InvariantViolation) as refused:
        initiative.redact_public_text(REGIE, T0, *EDITED, NO_NAMES)
    assert refused.value.field == "text"


def test_moderation_needs_no_team() -> None:
    initiative = new_initiative()
    moderator = replace(REGIE, team=None, role=Role.ADMIN)
    initiative.approve_public_text(moderator, T0)
    assert initiative.moderation is Moderation.APPROVED


def with_photos(count: int) -> Initiative:
    initiative = new_initiative()
    initiative.photos = [
        PhotoRef(n, "image/jpeg", 40, 30, f"{n:064x}") for n in range(1, count + 1)
    ]
    return initiative


# Step → the positions of the photos the public sees after it (three photos came in).
PHOTO_STEPS: list[tuple[str, list[int] | None, list[int]]] = [
    ("submitted", None, []),  # waiting: none
    ("approve", None, [1, 2, 3]),
    ("redact", [3, 1], [1, 3]),  # a licence plate on photo 2
    ("hide", None, []),
    ("redact", [], []),  # the text public, no photo
    ("approve", None, [1, 2, 3]),  # as submitted again: every photo
]


def test_the_public_photos_follow_each_moderator_step() -> None:
    initiative = with_photos(3)
    for hours, (name, chosen, shown) in enumerate(PHOTO_STEPS):
        at = T0 + timedelta(hours=hours)
        if name == "approve":
            initiative.approve_public_text(REGIE, at)
        elif name == "redact":
            initiative.redact_public_text(REGIE, at, *EDITED, NO_NAMES, chosen)
        elif name == "hide":
            initiative.hide_public_text(REGIE, at, "beledigend")
        assert initiative.shown_photos == shown, name
    with pytest.raises(InvariantViolation) as unknown:
        initiative.redact_public_text(REGIE, T0, *EDITED, NO_NAMES, [4])
    assert unknown.value.field == "photos"
    with pytest.raises(NothingChanged):
        initiative.redact_public_text(REGIE, T0, TITLE, DESCRIPTION, NO_NAMES, [1, 2, 3])
