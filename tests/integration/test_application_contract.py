"""The application's contract, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.domain.commands import (
    AcceptHandoff,
    AddInternalNote,
    Complete,
    Decide,
    DeclineHandoff,
    ProvideInfo,
    PublishDecision,
    RequestInfo,
    Route,
    StartExecution,
    Withdraw,
)
from participatie.domain.errors import ConcurrencyConflict, IllegalTransition, NotFound
from participatie.domain.initiative import Initiative
from participatie.domain.values import (
    REGIE_TEAM,
    Actor,
    Outcome,
    Role,
    RoutingDecision,
    Status,
    TeamKind,
)
from tests.conftest import submission

WORKER = Actor.system("router")
NOORD = Actor("u-noord", Role.AREA_MANAGER, "gebiedsteam-noord")


def submit(container: Container, **overrides: Any) -> UUID:
    schema = SubmissionSchema(container.app.area_index())
    return container.app.submit(schema.load_submission(submission(**overrides))).initiative_id


def route(container: Container, initiative_id: UUID, lead: str = "gebiedsteam-noord") -> int:
    decision = RoutingDecision(lead, ("opgaveteam-energie",), "r1", "2026-1", "v1", 5, "wijkregel")
    return container.app.act(initiative_id, Route(decision=decision), actor=WORKER)


def test_submission_is_stored_with_resolved_area_and_sealed_initiator(container: Container) -> None:
    initiative_id = submit(container)
    initiative = container.app.get_initiative(initiative_id)
    assert initiative.status is Status.SUBMITTED
    assert initiative.location.area_code == "BU00010101"
    assert initiative.location.map_version == "v1"
    assert container.app.personal_data(initiative_id) == {
        "name": "Anna de Vries",
        "email": "anna@example.org",
        "phone": "06-12345678",
        "address": "Dorpsstraat 1",
    }


def test_whole_lifecycle_is_recorded_with_actors_and_reasons(container: Container) -> None:
    app = container.app
    initiative_id = submit(container)
    route(container, initiative_id)
    app.act(initiative_id, AcceptHandoff(), actor=NOORD)
    app.act(initiative_id, RequestInfo(question="Hoeveel tuinen?"), actor=NOORD)
    app.act(initiative_id, ProvideInfo(answer="Twaalf."), actor=WORKER)
    app.act(
        initiative_id,
        Decide(
            outcome=Outcome.HONOURED, rationale="Past in het groenplan.", reason="budget aanwezig"
        ),
        actor=NOORD,
    )
    app.act(initiative_id, PublishDecision(), actor=NOORD)
    app.act(initiative_id, StartExecution(), actor=NOORD)
    app.act(initiative_id, Complete(), actor=NOORD)
    events = app.history(initiative_id)
    assert [type(e).__name__ for e in events] == [
        "Submitted",
        "Routed",
        "HandoffAccepted",
        "InformationRequested",
        "InformationProvided",
        "Decided",
        "DecisionPublished",
        "ExecutionStarted",
        "Completed",
    ]
    decided = events[5]
    assert (decided.actor, decided.reason, decided.outcome) == (  # type: ignore[attr-defined]
        NOORD,
        "budget aanwezig",
        Outcome.HONOURED,
    )
    assert app.get_initiative(initiative_id).status is Status.COMPLETED
    with pytest.raises(IllegalTransition):
        app.act(initiative_id, Withdraw(), actor=WORKER)
    assert len(app.history(initiative_id)) == 9


def test_declined_handoff_goes_to_regie(container: Container) -> None:
    initiative_id = submit(container)
    route(container, initiative_id)
    container.app.act(initiative_id, DeclineHandoff(reason="Geen gebiedsvraag"), actor=NOORD)
    initiative = container.app.get_initiative(initiative_id)
    assert (initiative.status, initiative.lead_team) == (Status.ROUTED, REGIE_TEAM)


def test_tracking_code_finds_the_initiative_and_only_its_hash_is_stored(
    container: Container,
) -> None:
    schema = SubmissionSchema(container.app.area_index())
    result = container.app.submit(schema.load_submission(submission()))
    assert len(result.tracking_code.replace("-", "")) == 15  # 70 bits and a check symbol
    assert container.app.find_by_tracking_code(result.tracking_code) == result.initiative_id
    assert container.app.find_by_tracking_code(result.tracking_code.lower()) == result.initiative_id
    assert container.app.find_by_tracking_code("0000-0000") is None
    assert container.app.find_by_tracking_code("00000-00000-00000") is None
    stored = container.app.get_initiative(result.initiative_id).tracking_code_hash
    assert result.tracking_code not in stored


def test_stale_expected_version_is_a_conflict_and_stores_nothing(container: Container) -> None:
    initiative_id = submit(container)
    version = route(container, initiative_id)
    container.app.act(initiative_id, AddInternalNote(note="eerste"), actor=NOORD)
    with pytest.raises(ConcurrencyConflict) as raised:
        container.app.act(initiative_id, AcceptHandoff(), actor=NOORD, expected_version=version)
    assert (raised.value.expected, raised.value.actual) == (version, version + 1)
    assert container.app.get_initiative(initiative_id).status is Status.ROUTED


def test_two_concurrent_writers_one_conflicts_and_no_event_is_lost(container: Container) -> None:
    initiative_id = submit(container)
    route(container, initiative_id)
    # Two processes' worth of applications: each loads the same version, then both save.
    first = build(container.settings)
    second = build(container.settings)
    try:
        a = first.app.get_initiative(initiative_id)
        b = second.app.get_initiative(initiative_id)
        a.add_internal_note(NOORD, first.app.clock(), "notitie A")
        b.add_internal_note(NOORD, second.app.clock(), "notitie B")
        outcomes: dict[str, str] = {}
        barrier = threading.Barrier(2)

        def save(name: str, c: Container, aggregate: Initiative) -> None:
            barrier.wait()
            try:
                c.app.save_all(aggregate)
                outcomes[name] = "saved"
            except ConcurrencyConflict:
                outcomes[name] = "conflict"

        threads = [
            threading.Thread(target=save, args=("A", first, a)),
            threading.Thread(target=save, args=("B", second, b)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values()) == ["conflict", "saved"]
        loser = first if outcomes["A"] == "conflict" else second
        # The loser retries on fresh state: nothing is lost.
        loser.app.act(initiative_id, AddInternalNote(note="opnieuw"), actor=NOORD)
    finally:
        first.close()
        second.close()
    notes = [
        e.note  # type: ignore[attr-defined]
        for e in container.app.history(initiative_id)
        if type(e).__name__ == "InternalNoteAdded"
    ]
    assert len(notes) == 2
    assert "opnieuw" in notes
    assert {"notitie A", "notitie B"} & set(notes)


def test_snapshot_gives_the_same_state_as_a_full_replay(container: Container) -> None:
    app = container.app
    initiative_id = submit(container)
    route(container, initiative_id)
    for number in range(45):
        app.act(initiative_id, AddInternalNote(note=f"notitie {number}"), actor=NOORD)
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(initiative_id))
    assert [s.originator_version for s in snapshots] == [20, 40]
    fresh = build(container.settings)
    try:
        from_snapshot = fresh.app.repository.get(initiative_id)
        full: Any = None
        for event in fresh.app.history(initiative_id):  # replay every event, no snapshot
            full = event.mutate(full)  # type: ignore[attr-defined]
    finally:
        fresh.close()
    assert from_snapshot.version == full.version == 47
    assert from_snapshot.__dict__ == full.__dict__


def test_teams_challenges_rulebook_and_area_map_round_trip(container: Container) -> None:
    app = container.app
    admin = Actor("u-admin", Role.ADMIN)
    assert app.register_team("regie", "Regieteam", TeamKind.REGIE, [], None, admin)
    assert app.register_team(
        "gebiedsteam-noord", "Gebiedsteam Noord", TeamKind.AREA, ["WK000101"], None, admin
    )
    assert not app.register_team(
        "gebiedsteam-noord", "Gebiedsteam Noord", TeamKind.AREA, ["WK000101"], None, admin
    )
    assert app.define_challenge(
        "energie", "Energietransitie", ["energie"], "opgaveteam-energie", ["BU00010101"], admin
    )
    app.publish_rulebook("2026-1", "eerste", 5, [{"id": "r1", "lead": "regie"}], admin)
    app.publish_rulebook("2026-2", "tweede", 4, [{"id": "r2", "lead": "regie"}], admin)
    fresh = build(container.settings)
    try:
        assert [t.code for t in fresh.app.teams()] == ["regie", "gebiedsteam-noord"]
        assert fresh.app.teams()[1].areas == ["WK000101"]
        assert [c.focus_areas for c in fresh.app.challenges()] == [["BU00010101"]]
        rulebook = fresh.app.rulebook()
        assert rulebook is not None
        assert rulebook.current_version == "2026-2"
        assert rulebook.versions["2026-1"]["rules"] == [{"id": "r1", "lead": "regie"}]
        assert fresh.app.area_map_version() == "v1"
        assert fresh.app.area_index().locate(0.5, 1.5) == "BU00010102"
    finally:
        fresh.close()


def test_unknown_initiative_is_not_found(container: Container) -> None:
    with pytest.raises(NotFound):
        container.app.get_initiative(UUID(int=1))
