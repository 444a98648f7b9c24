"""The area steering API (/api/v1, bearer token): the matrix, an area's agenda and figures, one
challenge across areas, and who may read them. Oracles by hand from the demo's data files."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from participatie.config import Settings
from participatie.domain.values import Actor, Role
from tests.e2e.conftest import PASSWORD, Site, make_site

SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = make_site(Settings(var_dir=tmp_path_factory.mktemp("steering") / "var"))
    staff = built.container.staff
    staff.add("gea", "Gea", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"], PASSWORD, SYSTEM)
    staff.add("audrey", "Audrey", Role.AUDITOR, [], PASSWORD, SYSTEM)
    staff.add("beheer", "Bea", Role.ADMIN, [], PASSWORD, SYSTEM)
    try:
        yield built
    finally:
        built.container.close()


def headers(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + site.container.staff.issue_token(username, "test", 1)}


def test_the_matrix_says_where_each_challenge_lands(site: Site) -> None:
    body = site.client().get("/api/v1/steering/matrix", headers=headers(site, "gea")).get_json()
    assert [a["code"] for a in body["areas"]] == ["WK999901", "WK999902", "WK999903", "WK999904"]
    assert [c["code"] for c in body["challenges"]] == [
        "bestaanszekerheid",
        "energietransitie",
        "klimaatadaptatie",
        "veilig-opgroeien",
    ]
    lands = {(c["area"], c["challenge"]) for c in body["cells"] if c["lands"]}
    # By hand from teams.yaml: each challenge's focus buurten, and the wijken they lie in.
    assert lands == {
        ("WK999901", "veilig-opgroeien"),
        ("WK999901", "klimaatadaptatie"),
        ("WK999902", "energietransitie"),
        ("WK999902", "bestaanszekerheid"),
        ("WK999902", "veilig-opgroeien"),
        ("WK999903", "energietransitie"),
        ("WK999903", "bestaanszekerheid"),
        ("WK999903", "klimaatadaptatie"),
        ("WK999904", "veilig-opgroeien"),
        ("WK999904", "klimaatadaptatie"),
    }
    for cell in body["cells"]:
        expected = "none" if cell["open"] == 0 else "low" if cell["open"] < 3 else None
        if expected:
            assert cell["band"] == expected


def test_an_area_s_agenda_order_and_figures(site: Site) -> None:
    client = site.client()
    body = client.get("/api/v1/areas/WK999902/steering", headers=headers(site, "audrey")).get_json()
    year = str(site.app.clock().year)
    assert (body["area"], body["period"]) == ("WK999902", year)
    [version] = body["agenda"]["versions"]
    assert version["status"] == "adopted"
    assert [p["key"] for p in version["priorities"]] == ["rondkomen", "spelen", "warmte"]
    assert version["priorities"][2]["buurten"] == ["BU99990202"]
    assert body["order"]["challenges"] == [
        "bestaanszekerheid",
        "veilig-opgroeien",
        "energietransitie",
    ]
    assert [c["code"] for c in body["challenges"]] == body["order"]["challenges"]
    assert [c["rank"] for c in body["challenges"]] == [1, 2, 3]
    assert body["figures"]["open"] <= body["figures"]["total"]
    assert sum(q["submitted"] for q in body["pc"]) == body["figures"]["total"]
    # Another period: no agenda.
    other = client.get(
        "/api/v1/areas/WK999902/steering?period=2031", headers=headers(site, "gea")
    ).get_json()
    assert other["agenda"] is None and other["period"] == "2031"


def test_one_challenge_across_areas(site: Site) -> None:
    body = (
        site.client()
        .get("/api/v1/challenges/energietransitie/overview", headers=headers(site, "gea"))
        .get_json()
    )
    assert (body["name"], body["team"]) == ("Energietransitie in de wijk", "opgaveteam-energie")
    assert body["focus_areas"] == ["BU99990201", "BU99990202", "BU99990302"]
    assert body["open"] <= body["total"]


@pytest.mark.parametrize(
    ("path", "who", "status"),
    [
        ("/api/v1/steering/matrix", None, 401),
        ("/api/v1/steering/matrix", "beheer", 403),
        ("/api/v1/areas/WK999902/steering", "beheer", 403),
        ("/api/v1/areas/WK000000/steering", "gea", 404),
        ("/api/v1/areas/WK999902/steering?period=volgend", "gea", 422),
        ("/api/v1/areas/WK999902/steering?period=2030-2027", "gea", 422),
        ("/api/v1/challenges/geen/overview", "gea", 404),
    ],
)
def test_refusals(site: Site, path: str, who: str | None, status: int) -> None:
    response = site.client().get(path, headers=headers(site, who) if who else {})
    assert response.status_code == status
    assert response.get_json()["code"] == status


def test_the_openapi_document_describes_the_steering_operations(site: Site) -> None:
    spec = site.client().get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/steering/matrix",
        "/api/v1/areas/{code}/steering",
        "/api/v1/challenges/{code}/overview",
    ):
        assert "get" in spec["paths"][path], path
    assert "AreaSteering" in spec["components"]["schemas"]


def test_the_challenge_page_shows_where_it_lands_and_what_serves_it(site: Site) -> None:
    from tests.e2e.conftest import login

    client = site.client()
    assert login(client, "gea").status_code == 303
    text = client.get("/beheer/opgaven/energietransitie").get_data(as_text=True)
    lands = dict(
        re.findall(r'<tr id="wijk-(WK\d+)"><th scope="row">.*?</th><td>(ja|nee)</td>', text)
    )
    # By hand from teams.yaml: focus buurten 0201, 0202 (Oude Haven) and 0302 (Molenkwartier).
    assert lands == {"WK999901": "nee", "WK999902": "ja", "WK999903": "ja", "WK999904": "nee"}
    # Regie put it third in Oude Haven (demo/data/agendas.yaml).
    rank = re.search(r'<tr id="wijk-WK999902">.*?<td>(\d+|–)</td></tr>', text, re.S)
    assert rank is not None and rank.group(1) == "3"
    serving = re.search(r'<ul id="prioriteiten">(.*?)</ul>', text, re.S)
    assert serving is not None
    assert ">Havenfront van het gas af</a>" in serving.group(1)
    assert ">Samen energie besparen</a>" in serving.group(1)
    assert client.get("/beheer/opgaven/geen").status_code == 404
