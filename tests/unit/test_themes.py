"""The theme list as versioned reference data: what each applied version records (by hand)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatie.domain.errors import InvalidChoice, InvariantViolation
from participatie.domain.themes import (
    DEFAULT_THEMES,
    Theme,
    ThemeCatalogue,
    ThemeChange,
    ThemeList,
    VersionRecord,
    compare,
)
from participatie.domain.values import Actor, Role

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor("staff:beheer", Role.ADMIN)
GREEN = Theme("groen", "Groen", "Green")
HEAT = Theme("hitte", "Hittestress", "Heat stress", description="Koelte in de zomer.")
MOBILITY = Theme("mobiliteit", "Mobiliteit", "Mobility")
LONG = "a" * 41  # one over the longest code


def fresh() -> ThemeList:
    return ThemeList._create(ThemeList.Created, id=ThemeList.create_id(), timestamp=AT)


def applied(themes: list[Theme], label: str = "2027-1") -> ThemeList:
    found = fresh()
    found.apply_version(label, themes, "nieuw coalitieakkoord", ADMIN, AT)
    return found


def test_before_any_version_the_starting_list_holds() -> None:
    assert fresh().catalogue() is DEFAULT_THEMES
    assert DEFAULT_THEMES.version is None
    assert DEFAULT_THEMES.active_codes == (
        "groen", "energie", "verkeer", "veiligheid", "wonen", "armoede",
        "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
    )  # fmt: skip


def test_a_replacing_list_keeps_the_left_out_themes_retired_after_the_new_ones() -> None:
    themes = applied([GREEN, HEAT, MOBILITY])
    catalogue = themes.catalogue()
    assert catalogue.version == "2027-1"
    assert catalogue.active_codes == ("groen", "hitte", "mobiliteit")
    assert catalogue.codes == (
        "groen", "hitte", "mobiliteit",
        "energie", "verkeer", "veiligheid", "wonen", "armoede",
        "jeugd", "ondernemen", "zorg", "cultuur", "sport", "openbare_ruimte",
    )  # fmt: skip
    retired = catalogue.get("verkeer")
    assert retired == Theme(
        "verkeer",
        "Verkeer",
        "Traffic",
        False,
        "Verkeersveiligheid, fietsen, lopen, parkeren en bereikbaarheid.",
        "fiets, parkeren, oversteekplaats, snelheid, stoep",
        "Leefomgeving",
    )
    # a retired theme still has its labels: stored work stays readable
    assert catalogue.label("verkeer", "en") == "Traffic"
    assert catalogue.label("hitte", "nl") == "Hittestress"
    assert catalogue.label("hitte", "en") == "Heat stress"
    assert catalogue.label("onbekend", "nl") == "onbekend"


def test_the_event_records_label_list_reason_and_actor() -> None:
    themes = applied([GREEN])
    [created, event] = themes.collect_events()
    assert isinstance(created, ThemeList.Created)
    assert isinstance(event, ThemeList.Applied)
    assert (event.label, event.reason, event.actor, event.timestamp) == (
        "2027-1",
        "nieuw coalitieakkoord",
        ADMIN,
        AT,
    )
    assert event.themes[0] == {
        "code": "groen",
        "nl": "Groen",
        "en": "Green",
        "active": True,
        "description": "",
        "keywords": "",
        "group": "",
    }
    assert [t["active"] for t in event.themes] == [True] + [False] * 11


def test_what_each_version_changed() -> None:
    themes = applied([GREEN, HEAT])
    # the first version, against the starting list
    second = themes.apply_version(
        "2027-2",
        [
            Theme("groen", "Groen en water", "Green and water"),  # relabelled
            Theme("hitte", "Hittestress", "Heat stress", active=False),  # retired
            Theme("verkeer", "Verkeer", "Traffic"),  # back in use, same labels
            MOBILITY,  # new
        ],
        "herijking",
        ADMIN,
        AT,
    )
    assert second == ThemeChange(
        added=("mobiliteit",),
        retired=("hitte",),
        reactivated=("verkeer",),
        relabelled=("groen", "hitte", "verkeer"),  # descriptions left out count too
    )
    catalogue = themes.catalogue()
    assert catalogue.active_codes == ("groen", "verkeer", "mobiliteit")
    assert list(themes.versions) == ["2027-1", "2027-2"]
    # an earlier version stays readable as it was
    assert themes.catalogue("2027-1").active_codes == ("groen", "hitte")


def test_applying_the_same_list_again_records_nothing() -> None:
    themes = applied([GREEN, HEAT])
    list(themes.collect_events())
    change = themes.apply_version("2027-2", [GREEN, HEAT], "nogmaals", ADMIN, AT)
    assert change.nothing
    assert list(themes.collect_events()) == []
    assert themes.current_version == "2027-1"


def test_the_first_version_is_recorded_even_when_it_equals_the_starting_list() -> None:
    themes = fresh()
    change = themes.apply_version("2026-1", list(DEFAULT_THEMES.themes), "eigen lijst", ADMIN, AT)
    assert change.nothing
    assert themes.current_version == "2026-1"
    assert themes.catalogue().codes == DEFAULT_THEMES.codes


@pytest.mark.parametrize(
    ("label", "themes", "reason", "field", "message"),
    [
        ("2027-1", [GREEN], "dubbel", "version", "theme list version '2027-1' already exists"),
        ("2027-2", [GREEN], "  ", "reason", "a change of the theme list needs a reason"),
        ("2027-2", [Theme("Groen", "G", "G")], "r", "themes", "'Groen' is not a valid theme code"),
        ("2027-2", [Theme("g", "G", "G")], "r", "themes", "'g' is not a valid theme code"),
        ("2027-2", [Theme("9x", "G", "G")], "r", "themes", "'9x' is not a valid theme code"),
        ("2027-2", [Theme("a-b", "G", "G")], "r", "themes", "'a-b' is not a valid theme code"),
        ("2027-2", [Theme(LONG, "G", "G")], "r", "themes", f"'{LONG}' is not a valid theme code"),
        ("2027-2", [GREEN, HEAT, GREEN], "r", "themes", "theme codes appear twice: groen"),
    ],
)  # fmt: skip
def test_a_version_that_cannot_be_recorded_is_refused_naming_the_field(
    label: str, themes: list[Theme], reason: str, field: str, message: str
) -> None:
    found = applied([GREEN])
    with pytest.raises(InvalidChoice) as refused:
        found.apply_version(label, themes, reason, ADMIN, AT)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert found.current_version == "2027-1"


def test_the_longest_code_and_the_shortest_are_accepted() -> None:
    found = applied([Theme("ab", "A", "A"), Theme("a" + "b" * 39, "B", "B")])
    assert found.catalogue().active_codes == ("ab", "a" + "b" * 39)


def test_a_list_must_leave_one_theme_active() -> None:
    found = applied([GREEN])
    with pytest.raises(InvariantViolation) as refused:
        found.apply_version("2027-2", [Theme("groen", "Groen", "Green", False)], "r", ADMIN, AT)
    assert refused.value.field == "themes"
    assert found.current_version == "2027-1"


def test_a_catalogue_lists_active_and_retired_in_order() -> None:
    catalogue = ThemeCatalogue("x", (GREEN, Theme("oud", "Oud", "Old", active=False), HEAT))
    assert catalogue.codes == ("groen", "oud", "hitte")
    assert catalogue.active_codes == ("groen", "hitte")
    assert catalogue.active == (GREEN, HEAT)
    assert catalogue.get("oud") == Theme("oud", "Oud", "Old", active=False)
    assert catalogue.get("nieuw") is None


def test_a_theme_survives_its_stored_form() -> None:
    assert Theme.from_dict(HEAT.as_dict()) == HEAT
    # older or sparse rows: optional fields default
    assert Theme.from_dict({"code": "x_y", "nl": "X", "en": "Y"}) == Theme("x_y", "X", "Y")
    assert Theme.from_dict({"code": "x_y", "nl": "X", "en": "Y", "active": False}).active is False


def test_each_version_records_who_when_and_why() -> None:
    themes = applied([GREEN])
    later = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    regie = Actor("staff:rita", Role.REGIE, "regie")
    themes.apply_version("2027-2", [GREEN, HEAT], "hitteplan", regie, later)
    assert themes.history == [
        VersionRecord("2027-1", AT, "staff:beheer", "nieuw coalitieakkoord"),
        VersionRecord("2027-2", later, "staff:rita", "hitteplan"),
    ]


def test_a_change_is_nothing_only_when_every_part_is_empty() -> None:
    assert ThemeChange((), (), (), ()).nothing is True
    for change in (
        ThemeChange(("a",), (), (), ()),
        ThemeChange((), ("a",), (), ()),
        ThemeChange((), (), ("a",), ()),
        ThemeChange((), (), (), ("a",)),
    ):
        assert change.nothing is False, change


def test_a_new_theme_does_not_hide_the_changes_after_it() -> None:
    before = ThemeCatalogue("1", (GREEN, HEAT))
    after = ThemeCatalogue("2", (MOBILITY, GREEN, Theme("hitte", "Hitte", "Heat")))
    assert compare(before, after) == ThemeChange(("mobiliteit",), (), (), ("hitte",))


def test_relabelling_or_reordering_an_applied_list_is_recorded() -> None:
    themes = applied([GREEN, HEAT])
    list(themes.collect_events())
    renamed = themes.apply_version(
        "2027-2", [Theme("groen", "Groen en water", "Green"), HEAT], "naam", ADMIN, AT
    )
    assert renamed.relabelled == ("groen",)
    assert themes.current_version == "2027-2"
    reordered = themes.apply_version(
        "2027-3", [HEAT, Theme("groen", "Groen en water", "Green")], "volgorde", ADMIN, AT
    )
    assert reordered.nothing  # nothing added, retired or renamed ...
    assert themes.current_version == "2027-3"  # ... but the order is the municipality's choice
    assert themes.catalogue().codes[:2] == ("hitte", "groen")


@pytest.mark.parametrize(
    "value",
    [
        GREEN,
        ThemeCatalogue("1", (GREEN,)),
        ThemeChange((), (), (), ()),
        VersionRecord("1", AT, "staff:x", "r"),
    ],
)
def test_theme_values_cannot_be_changed_in_place(value: object) -> None:
    """They are shared: the catalogue is kept in memory for every request that reads it."""
    import dataclasses

    field = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)
