"""Routing on the demo municipality: a table of scenarios through the application."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shapely.geometry import shape

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import ROUTER, load_demo
from participatie.domain.values import AreaLevel, Status
from tests.conftest import submission
from tests.routing_scenarios import BUSINESS, SCENARIOS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    container = build(Settings(var_dir=tmp_path_factory.mktemp("demo") / "var"))
    load_demo(container.app)
    yield container
    container.close()


def submit_and_route(
    demo: Container, location: dict[str, object], themes: list[str], business: bool
) -> Status:
    initiator = BUSINESS if business else None
    data = submission(location=location, themes=themes)
    if initiator:
        data["initiator"] = initiator
    schema = SubmissionSchema(demo.app.area_index())
    result = demo.app.submit(schema.load_submission(data))
    assert demo.app.route_initiative(result.initiative_id, ROUTER)
    return result.initiative_id  # type: ignore[return-value]


@pytest.mark.parametrize(("area", "themes", "business", "rule", "lead", "involved"), SCENARIOS)
def test_scenario_routes_to_the_expected_team(
    demo: Container,
    area: str,
    themes: list[str],
    business: bool,
    rule: str | None,
    lead: str,
    involved: list[str] | None,
) -> None:
    initiative_id = submit_and_route(demo, {"area_code": area}, themes, business)
    initiative = demo.app.get_initiative(initiative_id)  # type: ignore[arg-type]
    assert initiative.status is Status.ROUTED
    assert initiative.routing is not None
    assert (initiative.routing.rule_id, initiative.lead_team) == (rule, lead)
    assert initiative.routing.rulebook_version == "2026-1"
    if involved is not None:
        assert initiative.involved_teams == involved
    if rule and rule.startswith("opgave-"):
        # A challenge landing in an area: the area team of that wijk is involved.
        assert any(t.startswith("gebiedsteam-") for t in initiative.involved_teams)


def test_routing_twice_changes_nothing(demo: Container) -> None:
    initiative_id = submit_and_route(demo, {"area_code": "BU99990104"}, ["groen"], False)
    version = demo.app.get_initiative(initiative_id).version  # type: ignore[arg-type]
    assert not demo.app.route_initiative(initiative_id, ROUTER)  # type: ignore[arg-type]
    assert demo.app.get_initiative(initiative_id).version == version  # type: ignore[arg-type]


def test_point_on_a_shared_border_resolves_to_the_lowest_buurt_code(demo: Container) -> None:
    areas = [a for a in demo.app.area_index().areas.values() if a.level is AreaLevel.NEIGHBOURHOOD]

    def vertices(area: object) -> set[tuple[float, float]]:
        return set(shape(area.geometry).exterior.coords)  # type: ignore[attr-defined]

    a, b, shared = next(
        (a, b, vertices(a) & vertices(b))
        for i, a in enumerate(areas)
        for b in areas[i + 1 :]
        if len(vertices(a) & vertices(b)) >= 2
    )
    lon, lat = sorted(shared)[0]  # a vertex both buurten share: exactly on the border
    codes = {
        x.code
        for x in areas
        if shape(x.geometry).covers(shape({"type": "Point", "coordinates": [lon, lat]}))
    }
    initiative_id = submit_and_route(demo, {"lat": lat, "lon": lon}, ["groen"], False)
    initiative = demo.app.get_initiative(initiative_id)  # type: ignore[arg-type]
    assert {a.code, b.code} <= codes
    assert initiative.location.area_code == min(codes)
    assert initiative.location.map_version == "2026-1"


def test_demo_initiatives_are_all_routed_with_explanations(demo: Container) -> None:
    routed = [
        n.originator_id
        for n in demo.app.recorder.select_notifications(1, 5000)
        if n.topic.endswith("Routed")
    ]
    assert len(set(routed)) >= 50
    assert len(routed) == len(set(routed))  # routed exactly once each
