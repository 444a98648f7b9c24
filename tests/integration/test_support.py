"""One support per e-mail address, sealed like an initiator's, also when two arrive at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.errors import AlreadySupported
from participatie.domain.initiative import Initiative
from tests.conftest import submission


def new_initiative(container: Container) -> Any:
    schema = SubmissionSchema(container.app.area_index())
    return container.app.submit(schema.load_submission(submission())).initiative_id


def supports(container: Container, initiative_id: Any) -> list[Any]:
    return [e for e in container.app.history(initiative_id) if isinstance(e, Initiative.Supported)]


def test_the_same_address_supports_once_whatever_its_case(container: Container) -> None:
    app = container.app
    initiative_id = new_initiative(container)
    assert app.support_initiative(initiative_id, "piet@example.org") == 1
    with pytest.raises(AlreadySupported):
        app.support_initiative(initiative_id, " Piet@Example.org ")
    assert app.support_initiative(initiative_id, "marie@example.org") == 2
    stored = supports(container, initiative_id)
    assert len(stored) == 2
    assert app.vault.open(stored[0].supporter) == {"email": "piet@example.org"}
    assert stored[0].actor.role.value == "supporter"


def test_an_address_may_support_two_initiatives(container: Container) -> None:
    first, second = new_initiative(container), new_initiative(container)
    container.app.support_initiative(first, "piet@example.org")
    assert container.app.support_initiative(second, "piet@example.org") == 1


def test_two_supports_with_one_address_at_once_count_once(container: Container) -> None:
    initiative_id = new_initiative(container)
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def support(address: str) -> None:
        start.wait()
        try:
            container.app.support_initiative(initiative_id, address)
            outcomes.append("counted")
        except AlreadySupported:
            outcomes.append("already")

    threads = [
        threading.Thread(target=support, args=(a,))
        for a in ("same@example.org", "same@example.org", "SAME@example.org", "other@example.org")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["already", "already", "counted", "counted"]
    assert len(supports(container, initiative_id)) == 2
    assert len(container.app.get_initiative(initiative_id).supporters) == 2
