"""The soak and fault runs' verdict (benchmarks.ledger) finds what is lost, unrouted or not
yet in the views, and nothing when all is well."""

from __future__ import annotations

import random
from uuid import UUID, uuid4

from benchmarks.ledger import check, head
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.demo.traffic import submit_one
from participatie.domain.values import Actor
from participatie.views.projector import Projector, ViewsProjection
from tests.services import catch_up


def test_the_ledger_sees_lost_unrouted_and_unprojected_submissions(settings: Settings) -> None:
    container = build(settings)
    try:
        load_demo(container.app)
        since = head(settings)
        rng = random.Random(3)
        ids = [str(submit_one(container.app, rng, n)) for n in range(3)]
        for initiative_id in ids[:2]:
            container.app.route_initiative(UUID(initiative_id), Actor.system("router"))
        never_stored = str(uuid4())
        ledger = check(settings, {*ids[:2], never_stored}, since)
        assert (ledger.acknowledged, ledger.stored, ledger.routed_once) == (3, 3, 2)
        assert ledger.lost == [never_stored]
        assert ledger.unacknowledged_stored == 1
        assert ledger.unrouted == [ids[2]]
        assert ledger.routed_twice == []
        assert sorted(ledger.not_in_views) == sorted(ids)  # the projector has not run
        assert not ledger.ok

        container.app.route_initiative(UUID(ids[2]), Actor.system("router"))
        catch_up(Projector(ViewsProjection(container.views, container.app)))
        ledger = check(settings, set(ids), since)
        assert ledger.ok, ledger.summary()
        assert ledger.routed_once == ledger.stored == 3
    finally:
        container.close()
