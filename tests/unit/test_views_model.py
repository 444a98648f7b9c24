"""The projection of an initiative's events into its view row (views/model.py, pure)."""

from __future__ import annotations

from participatie.domain.initiative import Initiative
from participatie.domain.values import Outcome, Status
from participatie.views.model import Row, apply
from tests.unit.factories import NOORD, REGIE, T0, initiative_in


def _fold(row: Row | None, initiative: Initiative) -> Row:
    """`row` after the initiative's events not yet projected."""
    for event in initiative.collect_events():
        row = apply(row, event, lambda code, version: (code,)).row
    assert row is not None
    return row


def test_a_new_decision_after_an_escalation_is_not_public_until_it_is_published() -> None:
    initiative = initiative_in(Status.DECIDED)
    initiative.publish_decision(NOORD, T0)
    row = _fold(None, initiative)
    assert (row.decision_published, row.outcome) == (True, "honoured")
    first_rationale = row.rationale
    assert first_rationale

    initiative.escalate(NOORD, T0, "bezwaar tegen het besluit")
    initiative.accept_handoff(REGIE, T0)
    initiative.decide(REGIE, T0, Outcome.NOT_HONOURED, "Toch geen ruimte.", "herzien")
    row = _fold(row, initiative)
    assert row.outcome == "not_honoured"
    assert row.decision_published is False  # the old one no longer stands, the new is not public
    assert row.rationale is None

    initiative.publish_decision(REGIE, T0)
    row = _fold(row, initiative)
    assert (row.decision_published, row.outcome, row.rationale) == (
        True,
        "not_honoured",
        "Toch geen ruimte.",
    )
