"""The public search page (/zoeken) through the Flask test client, on the demo municipality:
stems, filters, paging, field errors in the reader's language, and nothing that is not public."""

from __future__ import annotations

import re
from uuid import UUID

from participatie.domain.commands import HidePublicText
from participatie.domain.values import Actor, Role
from tests.e2e.conftest import Site
from tests.e2e.test_public_pages import submit

HIT = re.compile(r'<h3 class="card__title"><a href="/initiatieven/([0-9a-f-]+)">')


def hits(site: Site, query: str) -> list[str]:
    """Every hit of a search, following the pages."""
    client = site.client()
    found: list[str] = []
    url = f"/zoeken?{query}"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        text = page.get_data(as_text=True)
        found += HIT.findall(text)
        more = re.search(r'id="volgende" href="([^"]+)"', text)
        url = more.group(1).replace("&amp;", "&") if more else ""
    return found


def test_the_form_alone_lists_nothing_and_words_find_their_forms(site: Site) -> None:
    page = site.client().get("/zoeken").get_data(as_text=True)
    assert 'role="search"' in page and 'id="resultaten-kop"' not in page
    mine = site.app.find_by_tracking_code(submit(site, title="Omgewaaide bomen langs de Kerkweg"))
    site.project()
    for query in ("q=boom", "q=bomen", "q=BOOM+kerkweg", "q=omgewaaide"):
        assert str(mine) in hits(site, query), query
    assert str(mine) not in hits(site, "q=boom+fietspad")  # every word must match


def test_hidden_and_unpublished_text_is_not_searched(site: Site) -> None:
    hidden = site.app.find_by_tracking_code(submit(site, title="Wipwap met scheldwoord erop"))
    private = site.app.find_by_tracking_code(
        submit(site, title="Wipwap in mijn eigen tuin", consent="nee")
    )
    regie = Actor("u-regie", Role.REGIE, "regie")
    assert hidden is not None and private is not None
    site.app.act(hidden, HidePublicText(reason="Scheldwoord"), actor=regie)
    site.project()
    assert hits(site, "q=wipwap") == []


def test_paging_goes_through_every_result_once(site: Site) -> None:
    first = site.client().get("/zoeken?gebied=GM9999").get_data(as_text=True)
    assert len(HIT.findall(first)) == 25 and 'id="volgende"' in first
    seen = hits(site, "gebied=GM9999")
    assert len(seen) == len(set(seen)) > 25  # more than one page of the demo's public work
    public = [
        i for i in site.app.initiative_ids() if site.app.get_initiative(i).public_text is not None
    ]
    assert sorted(seen) == sorted(str(i) for i in public)


def test_filters_narrow_the_results(site: Site) -> None:
    everything = set(hits(site, "gebied=GM9999"))
    for query in ("gebied=WK999901", "thema=groen", "status=in_progress", "van=2030-01-01"):
        narrowed = set(hits(site, query))
        assert narrowed < everything, query
    for initiative_id in hits(site, "thema=groen"):
        assert "groen" in site.app.get_initiative(UUID(initiative_id)).themes


def test_bad_filters_are_field_errors_in_the_readers_language(site: Site) -> None:
    client = site.client()
    answer = client.get("/zoeken?van=gisteren&tot=2026-01-01&gebied=XX&thema=geen&status=raar")
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    for field in ("van", "gebied", "thema", "status"):
        assert f'href="#veld-{field}"' in body, field
    assert "Vul een datum in als jjjj-mm-dd" in body
    assert 'value="gisteren"' in body  # what was typed stays
    backwards = client.get("/zoeken?van=2026-05-01&tot=2026-04-01")
    assert backwards.status_code == 422
    assert "Deze datum ligt voor de datum vanaf." in backwards.get_data(as_text=True)
    client.get("/taal/en")
    english = client.get("/zoeken?van=gisteren").get_data(as_text=True)
    assert "Enter a date as yyyy-mm-dd" in english
    long = client.get("/zoeken?q=" + "a" * 101)
    assert long.status_code == 422
