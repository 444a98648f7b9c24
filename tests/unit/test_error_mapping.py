"""Named errors become HTTP statuses and field messages by their type, in one place."""

from __future__ import annotations

from uuid import uuid4

import pytest

from participatie.application.actions import CHOICE_MESSAGES, ActionInvalid, invalid
from participatie.domain.errors import (
    AlreadySupported,
    CapacityOutOfRange,
    ConcurrencyConflict,
    IllegalTransition,
    InvalidChoice,
    InvariantViolation,
    MergeIntoItself,
    MergeTargetClosed,
    NoCapacity,
    NotATeamMember,
    NotFound,
    NothingChanged,
    ReasonRequired,
    UnknownInitiative,
    UnknownTeam,
    UnknownTheme,
)
from web.errors import http_status


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no initiative"), 404),
        (ActionInvalid({"reason": ["Geef een reden."]}), 422),
        (ReasonRequired("decide"), 422),
        (UnknownTeam("to_team"), 422),
        (NothingChanged(), 422),
        (ConcurrencyConflict(uuid4(), 3, 4), 409),
        (IllegalTransition("decide", "routed"), 409),
        (InvariantViolation("decision", "the decision has already been published"), 409),
        (AlreadySupported("supported"), 409),
        (ValueError("anything else"), 500),
    ],
)
def test_each_named_error_has_one_http_status(error: Exception, status: int) -> None:
    assert http_status(error) == status


@pytest.mark.parametrize(
    ("error", "field", "message"),
    [
        (UnknownTeam("to_team"), "to_team", "Kies een team uit de lijst."),
        (UnknownTeam("involved_teams"), "involved_teams", "Kies een team uit de lijst."),
        (UnknownInitiative("into"), "into", "Er is geen initiatief met dit nummer."),
        (MergeTargetClosed(), "into", "Dat initiatief is al afgesloten."),
        (MergeIntoItself(), "into", "Een initiatief kan niet met zichzelf worden samengevoegd."),
        (NothingChanged(), "themes", "Er is niets veranderd."),  # the form's first field
        (NotATeamMember("assignee"), "assignee", "Kies iemand uit het team."),
        (NoCapacity(), "cases", "Geef het aantal zaken, de uren per week, of allebei."),
        (
            CapacityOutOfRange("cases", 10_000),
            "cases",
            "Geef een geheel getal van 0 tot en met 10000.",
        ),
        (
            CapacityOutOfRange("hours_per_week", 10_000),
            "hours_per_week",
            "Geef een geheel getal van 0 tot en met 10000.",
        ),
    ],
)
def test_a_choice_to_correct_becomes_a_field_error_by_its_type(
    error: InvalidChoice, field: str, message: str
) -> None:
    assert invalid(error).errors == {field: [message]}


def test_the_english_words_of_a_refusal_do_not_decide_its_message() -> None:
    """Rewording a domain message changes nothing a user sees."""
    reworded = UnknownTeam("to_team")
    reworded.message = "this team does not exist (reworded)"
    assert invalid(reworded).errors == {"to_team": ["Kies een team uit de lijst."]}
    assert set(CHOICE_MESSAGES) == {
        UnknownTeam,
        UnknownInitiative,
        MergeTargetClosed,
        MergeIntoItself,
        NothingChanged,
        NotATeamMember,
        UnknownTheme,
        NoCapacity,
        CapacityOutOfRange,
    }
    retired = UnknownTheme("themes", ["verkeer"])
    assert invalid(retired).errors == {"themes": ["Kies een thema uit de lijst."]}
