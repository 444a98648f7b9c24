"""The staff area pages through the Flask test client: the stacking matrix, an area's agenda
from first draft to adoption and revision, regie's order of the challenges, who may do what,
bad input and races. The oracles are read by hand from the demo's teams.yaml.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from participatie.demo import ROUTER
from participatie.domain.agenda import Priority
from participatie.domain.values import Actor, Role
from tests.conftest import submission
from tests.e2e.conftest import PASSWORD, Site, client_of, csrf_token, make_site

OUDE_HAVEN = "WK999902"
AREA = f"/beheer/gebieden/{OUDE_HAVEN}"
YEAR = "2026"  # the demo's clock runs in 2026; the page defaults to the current year
SYSTEM = Actor.system("test")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = make_site(Settings(var_dir=tmp_path / "var"), agendas=False)  # each test makes its own
    staff = built.container.staff
    staff.add("gea", "Gea", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"], PASSWORD, SYSTEM)
    staff.add("cor", "Cor", Role.AREA_MANAGER, ["gebiedsteam-centrum"], PASSWORD, SYSTEM)
    staff.add("rita", "Rita", Role.REGIE, ["regie"], PASSWORD, SYSTEM)
    staff.add("audrey", "Audrey", Role.AUDITOR, [], PASSWORD, SYSTEM)
    staff.add("beheer", "Bea", Role.ADMIN, [], PASSWORD, SYSTEM)
    staff.add("tim", "Tim", Role.TEAM_MEMBER, ["gebiedsteam-oude-haven"], PASSWORD, SYSTEM)
    try:
        yield built
    finally:
        built.container.close()


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def post(client: FlaskClient, url: str, **data: Any) -> Any:
    token = csrf_token(client, AREA)
    return client.post(url, data={"csrf_token": token, **data})


def version_of(site: Site) -> str:
    agenda = site.app.agenda(OUDE_HAVEN, YEAR)
    return str(agenda.version) if agenda else ""


def priority(site: Site, **fields: Any) -> dict[str, Any]:
    return {
        "periode": YEAR,
        "version": version_of(site),
        "key": "warmte",
        "title": "Wijk van het gas af",
        "result": "400 woningen op het warmtenet",
        "indicators": "aansluitingen warmtenet\ndeelnemers energiecafé",
        "team": "opgaveteam-energie",
        "challenges": ["energietransitie"],
        "buurten": ["BU99990202"],
        "reason": "na de buurtgesprekken",
    } | fields


def test_the_matrix_shows_where_challenges_stack(site: Site) -> None:
    page = text_of(client_of(site, "gea").get("/beheer/gebieden"))
    # By hand from teams.yaml: the focus buurten of each challenge, and their wijken.
    stacked = dict(re.findall(r'<tr id="wijk-(WK\d+)">.*?<td>(\d+)</td>\s*</tr>', page, re.S))
    assert stacked == {"WK999901": "2", "WK999902": "3", "WK999903": "3", "WK999904": "2"}
    row = re.search(r'<tr id="wijk-WK999902">(.*?)</tr>', page, re.S)
    assert row is not None
    lands = re.findall(r'data-lands="(ja|nee)"', row.group(1))
    # columns by challenge name: Bestaanszekerheid, Energietransitie, Klimaatadaptatie, Veilig
    assert lands == ["ja", "ja", "nee", "ja"]
    assert 'href="/beheer/gebieden/WK999902">Oude Haven</a>' in page


@pytest.mark.parametrize(
    ("username", "status"),
    [("gea", 200), ("tim", 200), ("rita", 200), ("audrey", 200), ("beheer", 403)],
)
def test_who_opens_the_area_pages(site: Site, username: str, status: int) -> None:
    client = client_of(site, username)
    assert client.get("/beheer/gebieden").status_code == status
    assert client.get(AREA).status_code == status


def test_an_agenda_from_first_draft_to_adoption_and_revision(site: Site) -> None:
    gea, rita = client_of(site, "gea"), client_of(site, "rita")
    before = text_of(gea.get(AREA))
    assert "Er is voor deze periode nog geen gebiedsagenda." in before
    assert 'action="/beheer/gebieden/WK999902/agenda/prioriteit"' in before
    saved = post(gea, f"{AREA}/agenda/prioriteit", **priority(site))
    assert saved.status_code == 303
    page = text_of(gea.get(saved.headers["Location"]))
    assert "Prioriteit „Wijk van het gas af” opgeslagen in het concept." in page
    second = priority(
        site,
        key="rondkomen",
        title="Niemand valt tussen wal en schip",
        result="",
        indicators="",
        team="opgaveteam-bestaanszekerheid",
        challenges=["bestaanszekerheid"],
        buurten=[],
        reason="tweede prioriteit",
    )
    assert post(gea, f"{AREA}/agenda/prioriteit", **second).status_code == 303
    moved = post(
        gea,
        f"{AREA}/agenda/volgorde",
        periode=YEAR,
        version=version_of(site),
        key="rondkomen",
        move="up",
        reason="geld eerst",
    )
    assert moved.status_code == 303
    agenda = site.app.agenda(OUDE_HAVEN, YEAR)
    assert agenda is not None and agenda.latest is not None
    assert [p.key for p in agenda.latest.priorities] == ["rondkomen", "warmte"]
    assert agenda.latest.priorities[1].indicators == (
        "aansluitingen warmtenet",
        "deelnemers energiecafé",
    )
    # The area manager drafts but does not adopt; regie adopts.
    assert "/agenda/vaststellen" not in text_of(gea.get(AREA))
    refused = post(gea, f"{AREA}/agenda/vaststellen", periode=YEAR, reason="zelf")
    assert refused.status_code == 403
    adopted = post(
        rita, f"{AREA}/agenda/vaststellen", periode=YEAR, version=version_of(site), reason="regie"
    )
    assert adopted.status_code == 303
    page = text_of(rita.get(adopted.headers["Location"]))
    assert "Versie 1 van de gebiedsagenda is vastgesteld." in page
    assert "Versie 1 is vastgesteld op" in page and "door staff:rita" in page
    assert re.findall(r'<li id="prioriteit-([a-z-]+)">', page) == ["rondkomen", "warmte"]
    # Adopted is frozen: the area manager's form is gone and a post is refused (409).
    frozen_page = text_of(gea.get(AREA))
    assert "/agenda/prioriteit" not in frozen_page
    frozen = post(gea, f"{AREA}/agenda/prioriteit", **priority(site, title="Stiekem"))
    assert frozen.status_code == 409
    assert "de agenda is intussen vastgesteld of herzien" in html.unescape(text_of(frozen))
    # Revising starts a new draft; the adopted version stays in force.
    revised = post(
        rita, f"{AREA}/agenda/herzien", periode=YEAR, version=version_of(site), reason="voorjaar"
    )
    assert revised.status_code == 303
    agenda = site.app.agenda(OUDE_HAVEN, YEAR)
    assert agenda is not None and agenda.adopted is not None and agenda.latest is not None
    assert (agenda.adopted.number, agenda.latest.number, agenda.latest.status) == (1, 2, "draft")


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({"reason": ""}, "reason", "Geef een reden."),
        ({"key": "Warmte!"}, "key", "Gebruik 1 tot 40 kleine letters, cijfers en -, beginnend"),
        ({"title": "ab"}, "title", "Geef een titel van 3 tot 150 tekens."),
        ({"team": "geen-team"}, "team", "Kies het team dat eigenaar is."),
        ({"indicators": "\n".join(f"i{n}" for n in range(11))}, "indicators", "hoogstens 10"),
    ],
)
def test_a_wrong_priority_gets_a_field_error_and_records_nothing(
    site: Site, fields: dict[str, Any], key: str, message: str
) -> None:
    gea = client_of(site, "gea")
    before = site.app.recorder.max_notification_id()
    response = post(gea, f"{AREA}/agenda/prioriteit", **priority(site, **fields))
    assert response.status_code == 422
    page = html.unescape(text_of(response))
    assert f'<a href="#veld-priority-{key}">' in page
    error = re.search(rf'id="fout-priority-{key}">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1), page[:3000]
    assert site.app.recorder.max_notification_id() == before


def test_a_period_the_page_did_not_give_is_refused(site: Site) -> None:
    gea = client_of(site, "gea")
    response = post(gea, f"{AREA}/agenda/prioriteit", **priority(site, periode="volgend jaar"))
    assert response.status_code == 400
    assert site.app.agenda(OUDE_HAVEN, "volgend jaar") is None


def test_next_year_gets_its_own_agenda(site: Site) -> None:
    gea = client_of(site, "gea")
    page = text_of(gea.get(AREA))
    assert f'href="/beheer/gebieden/{OUDE_HAVEN}?periode=2027#agenda">2027</a>' in page
    assert "Gebiedsagenda 2027" in text_of(gea.get(f"{AREA}?periode=2027"))
    saved = post(gea, f"{AREA}/agenda/prioriteit", **priority(site, periode="2027", version=""))
    assert saved.status_code == 303
    assert site.app.agenda(OUDE_HAVEN, "2027") is not None
    assert site.app.agenda(OUDE_HAVEN, YEAR) is None


def test_a_stale_version_gets_409_and_keeps_what_was_typed(site: Site) -> None:
    gea = client_of(site, "gea")
    assert post(gea, f"{AREA}/agenda/prioriteit", **priority(site)).status_code == 303
    stale = priority(site, version="1", title="Mijn lange titel die ik niet kwijt wil")
    assert post(gea, f"{AREA}/agenda/prioriteit", **priority(site, key="x")).status_code == 303
    before = site.app.recorder.max_notification_id()
    response = post(gea, f"{AREA}/agenda/prioriteit", **stale)
    assert response.status_code == 409
    page = text_of(response)
    assert 'value="Mijn lange titel die ik niet kwijt wil"' in page
    assert site.app.recorder.max_notification_id() == before


def test_only_the_owning_area_manager_drafts(site: Site) -> None:
    cor, tim = client_of(site, "cor"), client_of(site, "tim")
    for client in (cor, tim):
        assert "/agenda/prioriteit" not in text_of(client.get(AREA))
        refused = post(client, f"{AREA}/agenda/prioriteit", **priority(site))
        assert refused.status_code == 403
    assert site.app.agenda(OUDE_HAVEN, YEAR) is None


def test_regie_decides_the_order_of_the_stacked_challenges(site: Site) -> None:
    rita, gea = client_of(site, "rita"), client_of(site, "gea")
    page = text_of(gea.get(AREA))
    assert "Regie heeft nog geen volgorde besloten." in page
    assert "/opgaven" not in re.sub(r'href="[^"]*"', "", page.split('id="opgaven"')[1])
    ranks = {
        "rank-bestaanszekerheid": "1",
        "rank-veilig-opgroeien": "2",
        "rank-energietransitie": "",
    }
    response = post(rita, f"{AREA}/opgaven", reason="armoede eerst", **ranks)
    assert response.status_code == 303
    page = text_of(gea.get(AREA))
    rows = re.findall(r'<tr id="opgave-([a-z-]+)">\s*<td>([^<]*)</td>', page)
    assert rows == [
        ("bestaanszekerheid", "1"),
        ("veilig-opgroeien", "2"),
        ("energietransitie", "–"),
    ]
    assert "armoede eerst" in page
    twice = post(rita, f"{AREA}/opgaven", reason="x", **{**ranks, "rank-energietransitie": "1"})
    assert twice.status_code == 422
    assert post(gea, f"{AREA}/opgaven", reason="zelf", **ranks).status_code == 403


def test_an_unknown_area_is_404(site: Site) -> None:
    assert client_of(site, "gea").get("/beheer/gebieden/WK000000").status_code == 404


def adopted_agenda(site: Site) -> None:
    app = site.app
    warmte = Priority(
        "warmte",
        "Wijk van het gas af",
        "",
        (),
        "opgaveteam-energie",
        ("energietransitie",),
        ("BU99990202",),
    )
    app.draft_agenda(OUDE_HAVEN, YEAR, [warmte], "concept", Actor("staff:gea", Role.AREA_MANAGER))
    app.adopt_agenda(OUDE_HAVEN, YEAR, "regie", Actor("staff:rita", Role.REGIE, "regie"))


def energy_initiative(site: Site) -> str:
    app = site.app
    data = SubmissionSchema.of(app).load_submission(
        submission(themes=["energie"], location={"area_code": "BU99990202"})
    )
    initiative_id = app.submit(data).initiative_id
    assert app.route_initiative(initiative_id, ROUTER)
    site.project()
    return str(initiative_id)


def test_an_area_manager_confirms_a_suggested_priority_on_the_detail_page(site: Site) -> None:
    adopted_agenda(site)
    initiative_id = energy_initiative(site)
    url = f"/beheer/initiatieven/{initiative_id}"
    gea = client_of(site, "gea")
    page = text_of(gea.get(url))
    assert "Dit initiatief is niet gekoppeld aan een prioriteit" in page
    suggestions = re.search(r'<ul id="agenda-suggesties">(.*?)</ul>', page, re.S)
    assert suggestions is not None
    assert "<strong>Wijk van het gas af</strong>" in suggestions.group(1)
    assert "past op: gebied, buurt, opgave, thema" in suggestions.group(1)
    form = {"area": OUDE_HAVEN, "periode": YEAR, "key": "warmte", "suggested": "1"}
    before = site.app.recorder.max_notification_id()
    empty = gea.post(f"{url}/agenda", data={"csrf_token": csrf_token(gea, url), **form})
    assert empty.status_code == 303
    assert "Geef een reden" in text_of(gea.get(empty.headers["Location"]))
    assert site.app.recorder.max_notification_id() == before
    token = csrf_token(gea, url)
    done = gea.post(f"{url}/agenda", data={"csrf_token": token, "reason": "klopt", **form})
    assert done.status_code == 303
    page = text_of(gea.get(done.headers["Location"]))
    assert "Het initiatief is gekoppeld aan de prioriteit." in page
    links = re.search(r'<ul id="agenda-koppelingen">(.*?)</ul>', page, re.S)
    assert links is not None and "Wijk van het gas af (gebiedsagenda Oude Haven" in links.group(1)
    assert 'id="agenda-suggesties"' not in page  # linked: no longer suggested
    agenda = site.app.agenda(OUDE_HAVEN, YEAR)
    assert agenda is not None
    [link] = agenda.links.values()
    assert (str(link.initiative_id), link.priority, link.actor, link.suggested) == (
        initiative_id,
        "warmte",
        "staff:gea",
        True,
    )
    # The area page counts it.
    area_page = text_of(gea.get(AREA))
    assert re.search(r"Gekoppelde initiatieven</dt><dd>1</dd>", area_page)
    # A team member sees the link but may not change it.
    tim = client_of(site, "tim")
    assert 'name="do" value="unlink"' not in text_of(tim.get(url))
    refused = tim.post(
        f"{url}/agenda",
        data={"csrf_token": csrf_token(tim, url), "reason": "weg", "do": "unlink", **form},
    )
    assert refused.status_code == 403
    unlinked = gea.post(
        f"{url}/agenda",
        data={"csrf_token": csrf_token(gea, url), "reason": "toch niet", "do": "unlink", **form},
    )
    assert "De koppeling is verwijderd." in text_of(gea.get(unlinked.headers["Location"]))
    assert site.app.links_of_initiative(UUID(initiative_id)) == []


def test_the_public_area_page_shows_the_adopted_agenda_and_only_published_links(
    site: Site,
) -> None:
    adopted_agenda(site)
    published = energy_initiative(site)  # consent given (the default submission)
    app = site.app
    hidden_data = SubmissionSchema.of(app).load_submission(
        submission(
            themes=["energie"],
            location={"area_code": "BU99990202"},
            consent_to_publish=False,
            title="Niet openbaar initiatief",
        )
    )
    hidden = app.submit(hidden_data).initiative_id
    app.route_initiative(hidden, ROUTER)
    manager = Actor("staff:gea", Role.AREA_MANAGER)
    for initiative_id in (UUID(published), hidden):
        app.link_to_priority(OUDE_HAVEN, YEAR, initiative_id, "warmte", "past", manager)
    site.project()
    page = text_of(site.client().get(f"/gebieden/{OUDE_HAVEN}"))
    section = re.search(r'<section aria-labelledby="agenda-\d+">(.*?)</section>', page, re.S)
    assert section is not None, page[:2000]
    assert "<h3>Wijk van het gas af</h3>" in section.group(1)
    assert f'href="/initiatieven/{published}">Geveltuinen in de Dorpsstraat</a>' in section.group(1)
    assert "Niet openbaar initiatief" not in page and str(hidden) not in page
    # A draft is not public.
    app.revise_agenda(OUDE_HAVEN, YEAR, "herzien", Actor("staff:rita", Role.REGIE, "regie"))
    assert "<h3>Wijk van het gas af</h3>" in text_of(site.client().get(f"/gebieden/{OUDE_HAVEN}"))
    other = text_of(site.client().get("/gebieden/WK999901"))
    assert "Gebiedsagenda" not in other


def test_an_auditor_opens_the_agenda_as_it_was_before_adoption(site: Site) -> None:
    from datetime import timedelta

    from participatie.demo import clock_at

    app = site.app
    now = app.clock()
    warmte = Priority("warmte", "Wijk van het gas af", "", (), "opgaveteam-energie", (), ())
    with clock_at(app, now - timedelta(days=10)):
        app.draft_agenda(
            OUDE_HAVEN, YEAR, [warmte], "concept", Actor("staff:gea", Role.AREA_MANAGER)
        )
    with clock_at(app, now - timedelta(days=5)):
        app.adopt_agenda(OUDE_HAVEN, YEAR, "regie", Actor("staff:rita", Role.REGIE, "regie"))
    audrey = client_of(site, "audrey")
    assert 'href="/beheer/audit/gebiedsagenda"' in text_of(audrey.get("/beheer/audit/"))

    def as_of(days_ago: int) -> str:
        moment = (now - timedelta(days=days_ago)).astimezone(ZoneInfo("Europe/Amsterdam"))
        when = moment.strftime("%Y-%m-%dT%H:%M")
        response = audrey.get(f"/beheer/audit/gebiedsagenda?agenda={OUDE_HAVEN}|{YEAR}&op={when}")
        assert response.status_code == 200
        return text_of(response)

    assert 'id="geen-agenda"' in as_of(12)
    draft = as_of(7)
    assert 'id="versie-1">Versie 1: concept</h3>' in draft
    assert "<strong>Wijk van het gas af</strong>" in draft
    adopted = as_of(1)
    assert 'id="versie-1">Versie 1: vastgesteld</h3>' in adopted
    wrong = audrey.get("/beheer/audit/gebiedsagenda?agenda=WK0|2027&op=gisteren")
    assert wrong.status_code == 422
    assert client_of(site, "gea").get("/beheer/audit/gebiedsagenda").status_code == 403


def test_the_queue_filters_by_challenge_and_shows_regie_s_order(tmp_path: Path) -> None:
    built = make_site(Settings(var_dir=tmp_path / "demo" / "var"))  # with the demo's agendas
    try:
        built.container.staff.add(
            "bas", "Bas", Role.AREA_MANAGER, ["opgaveteam-bestaanszekerheid"], PASSWORD, SYSTEM
        )
        app = built.app
        placed = {}
        # Molenkwartier (no decided order) first, then Oude Haven (bestaanszekerheid ranked 1)
        for buurt in ("BU99990302", "BU99990202"):
            data = SubmissionSchema.of(app).load_submission(
                submission(
                    themes=["armoede"], location={"area_code": buurt}, title=f"Schulden {buurt}"
                )
            )
            placed[buurt] = str(app.submit(data).initiative_id)
            assert app.route_initiative(UUID(placed[buurt]), ROUTER)
        built.project()
        bas = client_of(built, "bas")
        queue = "/beheer/wachtrij/opgaveteam-bestaanszekerheid"
        text = text_of(bas.get(f"{queue}?challenge=bestaanszekerheid"))
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", text, re.S):
            found = re.search(r'href="/beheer/initiatieven/([0-9a-f-]+)"', row)
            meta = re.findall(r'<br><span class="card__meta">([^<]*)</span></td>', row)
            if found:
                rows[found.group(1)] = meta[-1] if meta else ""
        # By hand: regie put bestaanszekerheid first in Oude Haven (demo/data/agendas.yaml);
        # Molenkwartier has no decided order.
        assert rows[placed["BU99990202"]] == (
            "Bestaanszekerheid en armoede · nr. 1 in de volgorde van regie"
        )
        assert rows[placed["BU99990302"]] == "Bestaanszekerheid en armoede"

        # Sorted by regie's order, what regie ranked comes first, whenever it was submitted.
        def order_of(query: str) -> list[tuple[str, bool]]:
            page = text_of(bas.get(f"{queue}?challenge=bestaanszekerheid&{query}"))
            found = []
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
                link = re.search(r'href="/beheer/initiatieven/([0-9a-f-]+)"', row)
                if link:
                    found.append((link.group(1), "in de volgorde van regie" in row))
            return found

        by_date = [i for i, _ in order_of("sort=submitted")]
        assert by_date.index(placed["BU99990302"]) < by_date.index(placed["BU99990202"])
        by_rank = order_of("sort=challenge_order")
        ids = [i for i, _ in by_rank]
        assert ids.index(placed["BU99990202"]) < ids.index(placed["BU99990302"])
        ranked = [flag for _, flag in by_rank]
        assert ranked == sorted(ranked, reverse=True) and ranked[0]  # ranked rows first
        other = text_of(bas.get(f"{queue}?challenge=veilig-opgroeien"))
        assert placed["BU99990202"] not in other and placed["BU99990302"] not in other
    finally:
        built.container.close()
