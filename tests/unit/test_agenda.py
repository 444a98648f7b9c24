"""The area agenda aggregate: draft, adopt (frozen), revise, links; every step by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from participatie.domain.agenda import (
    ADOPTED,
    DRAFT,
    SUPERSEDED,
    AgendaIndex,
    AgendaVersion,
    AreaAgenda,
    ChallengeOrder,
    Link,
    Priority,
)
from participatie.domain.errors import IllegalTransition, InvalidChoice, InvariantViolation
from participatie.domain.values import Actor, Role

T0 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
MANAGER = Actor("staff:gea", Role.AREA_MANAGER, "gebiedsteam-oude-haven")
REGIE = Actor("staff:rita", Role.REGIE, "regie")
HEAT = Priority(
    "warmte",
    "Wijk van het gas af",
    "400 woningen op het warmtenet",
    ("aansluitingen warmtenet",),
    "opgaveteam-energie",
    ("energietransitie",),
    ("BU99990202",),
)
MONEY = Priority(
    "rondkomen",
    "Niemand valt tussen wal en schip",
    "Schulden eerder in beeld",
    (),
    "opgaveteam-bestaanszekerheid",
    ("bestaanszekerheid",),
    (),
)
YOUTH = Priority("jeugd", "Veilig buiten spelen", "", (), "opgaveteam-jeugd", (), ())
INITIATIVE = UUID("00000000-0000-4000-8000-000000000001")


def new() -> AreaAgenda:
    return AreaAgenda._create(
        AreaAgenda.Started,
        id=AreaAgenda.create_id("WK999902", "2027"),
        area="WK999902",
        period="2027",
        actor=MANAGER,
        timestamp=T0,
    )


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_draft_adopted_then_revised_keeps_every_version() -> None:
    agenda = new()
    assert agenda.latest is None and agenda.adopted is None
    assert agenda.draft([HEAT, MONEY], "na de buurtgesprekken", MANAGER, at(1))
    assert agenda.latest == AgendaVersion(
        1, DRAFT, (HEAT, MONEY), at(1), "staff:gea", "na de buurtgesprekken"
    )
    assert agenda.draft([MONEY, HEAT], "geld eerst", MANAGER, at(2))  # ranked again
    assert agenda.adopt("regieoverleg 14 januari", REGIE, at(3)) == 1
    first = AgendaVersion(
        1, ADOPTED, (MONEY, HEAT), at(2), "staff:gea", "geld eerst", at(3), "staff:rita"
    )
    assert agenda.versions == {1: first}
    assert agenda.adopted == first
    # Adopted is frozen: no more drafting on it.
    with pytest.raises(IllegalTransition):
        agenda.draft([HEAT], "stiekem", MANAGER, at(4))
    assert agenda.revise("voorjaarsnota", REGIE, at(5)) == 2
    assert agenda.versions[2] == AgendaVersion(
        2, DRAFT, (MONEY, HEAT), at(5), "staff:rita", "voorjaarsnota"
    )
    assert agenda.adopted == first  # the adopted one is in force until the revision is
    assert agenda.draft([MONEY, HEAT, YOUTH], "jeugd erbij", MANAGER, at(6))
    assert agenda.adopt("regieoverleg 1 april", REGIE, at(7)) == 2
    assert agenda.versions[1].status == SUPERSEDED
    assert agenda.versions[1].priorities == (MONEY, HEAT)  # as it was adopted
    assert agenda.adopted is not None and agenda.adopted.number == 2
    assert agenda.adopted.priorities == (MONEY, HEAT, YOUTH)


def test_drafting_the_same_list_records_nothing() -> None:
    agenda = new()
    agenda.draft([HEAT], "eerste", MANAGER, at(1))
    list(agenda.collect_events())
    assert agenda.draft([HEAT], "nogmaals", MANAGER, at(2)) is False
    assert list(agenda.collect_events()) == []


@pytest.mark.parametrize(
    ("priorities", "reason", "field"),
    [
        ([HEAT], " ", "reason"),
        ([HEAT, HEAT], "dubbel", "priorities"),
        ([Priority("x", " ", "", (), "t", (), ())], "geen titel", "priorities"),
        ([Priority("x", "Titel", "", (), "", (), ())], "geen team", "priorities"),
        ([Priority(f"p{n}", "Titel", "", (), "t", (), ()) for n in range(13)], "13", "priorities"),
    ],
)
def test_a_draft_that_cannot_be_recorded_is_refused_naming_the_field(
    priorities: list[Priority], reason: str, field: str
) -> None:
    agenda = new()
    with pytest.raises(InvalidChoice) as refused:
        agenda.draft(priorities, reason, MANAGER, at(1))
    assert refused.value.field == field
    assert agenda.latest is None


def test_twelve_priorities_are_allowed() -> None:
    agenda = new()
    twelve = [Priority(f"p{n}", "Titel", "", (), "t", (), ()) for n in range(12)]
    assert agenda.draft(twelve, "alles", MANAGER, at(1))


def test_adopting_and_revising_follow_the_order() -> None:
    agenda = new()
    with pytest.raises(IllegalTransition):
        agenda.adopt("niets", REGIE, at(1))  # nothing drafted yet
    with pytest.raises(IllegalTransition):
        agenda.revise("niets", REGIE, at(1))
    agenda.draft([], "leeg concept", MANAGER, at(1))
    with pytest.raises(InvariantViolation) as empty:
        agenda.adopt("leeg", REGIE, at(2))
    assert empty.value.field == "priorities"
    agenda.draft([HEAT], "nu met inhoud", MANAGER, at(2))
    with pytest.raises(IllegalTransition):
        agenda.revise("te vroeg", REGIE, at(3))  # a draft is revised by drafting
    with pytest.raises(InvalidChoice):
        agenda.adopt("", REGIE, at(3))
    agenda.adopt("ok", REGIE, at(3))
    with pytest.raises(IllegalTransition):
        agenda.adopt("nogmaals", REGIE, at(4))
    with pytest.raises(InvalidChoice):
        agenda.revise(" ", REGIE, at(4))


def test_links_follow_the_priority_key_and_are_recorded_once() -> None:
    agenda = new()
    agenda.draft([HEAT, MONEY], "eerste", MANAGER, at(1))
    assert agenda.link(INITIATIVE, "warmte", "zonnepanelen op de school", MANAGER, at(2))
    assert agenda.link(INITIATIVE, "warmte", "nogmaals", MANAGER, at(3)) is False
    assert agenda.link(INITIATIVE, "rondkomen", "ook schulden", REGIE, at(3), suggested=True)
    assert agenda.links == {
        (INITIATIVE, "warmte"): Link(
            INITIATIVE, "warmte", "zonnepanelen op de school", "staff:gea", at(2), False
        ),
        (INITIATIVE, "rondkomen"): Link(
            INITIATIVE, "rondkomen", "ook schulden", "staff:rita", at(3), True
        ),
    }
    assert [link.priority for link in agenda.links_of("warmte")] == ["warmte"]
    with pytest.raises(InvalidChoice) as unknown:
        agenda.link(INITIATIVE, "jeugd", "bestaat niet", MANAGER, at(4))
    assert unknown.value.field == "priority"
    with pytest.raises(InvalidChoice):
        agenda.link(INITIATIVE, "warmte", "", MANAGER, at(4))
    assert agenda.unlink(INITIATIVE, "warmte", "toch niet", MANAGER, at(5))
    assert agenda.unlink(INITIATIVE, "warmte", "toch niet", MANAGER, at(5)) is False
    assert list(agenda.links) == [(INITIATIVE, "rondkomen")]


def test_a_priority_survives_its_stored_form() -> None:
    assert Priority.from_dict(HEAT.as_dict()) == HEAT
    assert Priority.from_dict({"key": "k", "title": "T", "team": "t"}) == Priority(
        "k", "T", "", (), "t", (), ()
    )


def test_one_agenda_per_area_and_period() -> None:
    assert AreaAgenda.create_id("WK999902", "2027") == AreaAgenda.create_id("WK999902", "2027")
    assert AreaAgenda.create_id("WK999902", "2027") != AreaAgenda.create_id("WK999902", "2028")
    assert AreaAgenda.create_id("WK999902", "2027") != AreaAgenda.create_id("WK999903", "2027")


def new_order() -> ChallengeOrder:
    return ChallengeOrder._create(
        ChallengeOrder.Started,
        id=ChallengeOrder.create_id("WK999902"),
        area="WK999902",
        timestamp=T0,
    )


def test_regie_s_order_is_recorded_once_and_ranks_from_one() -> None:
    order = new_order()
    assert (order.order, order.decided_at, order.rank("energie")) == ([], None, None)
    assert order.decide(["armoede", "jeugd", "energie"], "armoede eerst", REGIE, at(1)) is True
    assert (order.order, order.decided_at, order.decided_by, order.reason) == (
        ["armoede", "jeugd", "energie"],
        at(1),
        "staff:rita",
        "armoede eerst",
    )
    assert [order.rank(c) for c in ("armoede", "jeugd", "energie", "klimaat")] == [1, 2, 3, None]
    list(order.collect_events())
    assert order.decide(["armoede", "jeugd", "energie"], "nogmaals", REGIE, at(2)) is False
    assert list(order.collect_events()) == []
    assert order.decide(["jeugd", "armoede"], "jeugd eerst", REGIE, at(3)) is True
    assert order.rank("energie") is None and order.reason == "jeugd eerst"
    assert order.decide([], "geen volgorde meer", REGIE, at(4)) is True
    assert order.order == []


@pytest.mark.parametrize(
    ("codes", "reason", "field"),
    [
        (["a", "b", "a"], "dubbel", "order"),
        (["a", "a"], "dubbel", "order"),
        (["a"], " ", "reason"),
    ],
)
def test_an_order_that_cannot_be_recorded_is_refused(
    codes: list[str], reason: str, field: str
) -> None:
    order = new_order()
    with pytest.raises(InvalidChoice) as refused:
        order.decide(codes, reason, REGIE, at(1))
    assert refused.value.field == field
    assert order.order == []


def test_the_index_lists_each_agenda_once() -> None:
    index = AgendaIndex._create(AgendaIndex.Created, id=AgendaIndex.create_id(), timestamp=T0)
    index.add("WK999902", "2027", at(1))
    index.add("WK999902", "2027", at(2))  # again: nothing recorded
    index.add("WK999902", "2028", at(3))  # same area, another period
    index.add("WK999901", "2027", at(4))  # same period, another area
    assert index.entries == [("WK999902", "2027"), ("WK999902", "2028"), ("WK999901", "2027")]
    events = list(index.collect_events())
    assert len(events) == 1 + 3  # created, and three listings


@pytest.mark.parametrize(
    "value",
    [
        HEAT,
        AgendaVersion(1, DRAFT, (HEAT,), T0, "staff:gea", "r"),
        Link(INITIATIVE, "warmte", "r", "staff:gea", T0, False),
    ],
)
def test_agenda_values_cannot_be_changed_in_place(value: object) -> None:
    """Versions and links are shared by every reader of the agenda kept in memory."""
    import dataclasses

    field = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)
