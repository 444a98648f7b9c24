"""Before anything is stored, a resident who submits what is already proposed nearby is shown
it and can support it instead; or submit anyway. Hand-picked texts: what counts as alike is
sharing at least two words that say something (not "de", "bij", …), in the same wijk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from participatie.config import Settings
from tests.e2e.conftest import Site, csrf_token, make_site
from tests.e2e.test_public_pages import form, submit


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The demo site, with room for the many submissions of one test."""
    built = make_site(Settings(var_dir=tmp_path / "var"), SUBMIT_RATE_LIMIT="100 per minute")
    try:
        yield built
    finally:
        built.container.close()


NEUTRAL = "Een beschrijving die lang genoeg is voor het formulier, zonder meer."


def existing(site: Site, title: str, area: str = "BU99990101") -> UUID:
    initiative_id = site.app.find_by_tracking_code(
        submit(site, title=title, area_code=area, description=NEUTRAL)
    )
    assert initiative_id is not None
    site.project()
    return initiative_id


def try_submit(site: Site, **overrides: Any) -> Any:
    client = site.client()
    token = csrf_token(client, "/indienen")
    data = {"csrf_token": token, **form(**overrides)}
    data.pop("doorgaan")
    return client, client.post("/indienen", data=data)


def test_a_similar_open_initiative_nearby_is_shown_and_nothing_is_stored(site: Site) -> None:
    known = existing(site, "Watertappunt bij het Kerkplein voor wandelaars")
    before = site.events()
    client, answer = try_submit(site, title="Een watertappunt op het Kerkplein")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'id="vergelijkbaar"' in page
    assert f'href="/initiatieven/{known}#steun-kop"' in page  # support it instead
    assert 'name="doorgaan" value="1"' in page and "Toch indienen" in page
    assert 'value="Een watertappunt op het Kerkplein"' in page  # the form as typed
    assert site.events() == before  # nothing stored yet
    # Submitting anyway stores it.
    token = csrf_token(client, "/indienen")
    data = {"csrf_token": token, **form(title="Een watertappunt op het Kerkplein")}
    assert client.post("/indienen", data=data).status_code == 303
    assert site.events() > before


# (title already there, new title, shown?) — by hand.
CASES = [
    ("Watertappunt bij het Kerkplein", "Watertappunt Kerkplein graag", True),  # two words shared
    ("Watertappunt bij het Kerkplein", "Bankjes op het Kerkplein", False),  # one word shared
    ("Watertappunt bij het Kerkplein", "Meer groen in de wijk", False),  # nothing shared
    ("Speeltuinen in het Molenpark", "Nieuwe speeltuin in het Molenpark", True),  # by their stems
]


def test_only_what_shares_two_meaningful_words_is_shown(site: Site) -> None:
    for n, (there, new, shown) in enumerate(CASES):
        known = existing(site, f"{there} {'x' * (n + 1)}")
        _, answer = try_submit(site, title=new)
        page = answer.get_data(as_text=True)
        assert (f"/initiatieven/{known}#steun-kop" in page) is shown, (there, new)


def test_far_away_closed_or_unpublished_work_is_not_shown(site: Site) -> None:
    from participatie.domain.commands import Withdraw
    from participatie.domain.values import Actor

    far = existing(site, "Fietsenstalling bij de Molenbrug", area="BU99990202")  # another wijk
    private_code = submit(
        site,
        title="Fietsenstalling aan de Molenbrug",
        consent="nee",
        area_code="BU99990101",
        description=NEUTRAL,
    )
    closed = existing(site, "Fietsenstalling bij de Molenbrug nu", area="BU99990101")
    initiator = site.app.get_initiative(closed).initiator.subject_id
    site.app.act(closed, Withdraw(), actor=Actor.initiator(initiator))
    site.project()
    _, answer = try_submit(site, title="Fietsenstalling Molenbrug", area_code="BU99990101")
    assert answer.status_code == 303  # nothing alike nearby and open: stored at once
    assert far and private_code


def test_staff_see_likely_duplicates_on_the_detail_page_and_merge_into_one(site: Site) -> None:
    """The detail page lists other open initiatives in the same buurt sharing two meaningful
    words with the title; a manager of the lead team can open the merge form with one filled
    in, and merging works from there."""
    from participatie.domain.values import Actor, Role
    from tests.e2e.conftest import add_staff, client_of

    first = existing(site, "Watertappunt bij het Kerkplein voor wandelaars")
    second = existing(site, "Een watertappunt op het Kerkplein graag")
    one_word = existing(site, "Bankjes op het Kerkplein")
    elsewhere = existing(site, "Watertappunt op het Kerkplein", area="BU99990201")
    for initiative_id in (first, second, one_word, elsewhere):
        site.app.route_initiative(initiative_id, Actor.system("test"))
    site.project()
    lead = site.app.get_initiative(second).lead_team
    assert lead is not None and site.app.get_initiative(first).lead_team == lead
    add_staff(site, "manager-dubbel", Role.AREA_MANAGER, [lead])
    client = client_of(site, "manager-dubbel")

    page = client.get(f"/beheer/initiatieven/{second}").get_data(as_text=True)
    section = page[page.index('id="dubbelingen"') :]
    section = section[: section.index("</section>")]
    assert f'href="/beheer/initiatieven/{first}"' in section
    assert "Watertappunt bij het Kerkplein voor wandelaars" in section
    assert "2 woorden gemeen" in section
    for absent in (second, one_word, elsewhere):
        assert str(absent) not in section.replace(f"/beheer/initiatieven/{second}?", "")
    chosen = f"/beheer/initiatieven/{second}?samenvoegen={first}#actie-merge"
    assert f'href="{chosen}"' in section

    opened = client.get(f"/beheer/initiatieven/{second}?samenvoegen={first}")
    form_page = opened.get_data(as_text=True)
    assert 'class="action" open id="actie-merge"' in form_page
    assert f'value="{first}"' in form_page
    token = csrf_token(client, f"/beheer/initiatieven/{second}")
    version = site.app.get_initiative(second).version
    answer = client.post(
        f"/beheer/initiatieven/{second}/merge",
        data={"csrf_token": token, "version": str(version), "into": str(first), "reason": "Dubbel"},
    )
    assert answer.status_code == 303
    assert site.app.get_initiative(second).merged_into == first

    site.project()
    after = client.get(f"/beheer/initiatieven/{first}").get_data(as_text=True)
    assert 'id="dubbelingen"' not in after  # the only alike one is merged now
