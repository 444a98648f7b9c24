"""The audit chain read and written in batches: with batches of 3 over 8 events (the small map's 2
events and 3 submissions of 2 each), every page boundary is crossed and nothing is skipped."""

from __future__ import annotations

import pytest

from participatie.audit import chain
from participatie.audit.chain import GENESIS, leaf, link, notifications_after
from participatie.bootstrap import Container
from tests.integration.test_audit_oracle import check, seals, submit_some


@pytest.mark.parametrize(
    ("after", "batch", "ids"),
    [
        (0, 3, [1, 2, 3, 4, 5, 6, 7, 8]),
        (0, 4, [1, 2, 3, 4, 5, 6, 7, 8]),  # the last page is full: one more, empty, read
        (0, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
        (4, 3, [5, 6, 7, 8]),
        (6, 2, [7, 8]),
        (8, 3, []),
    ],
)
def test_the_log_is_read_whole_in_batches(
    container: Container, after: int, batch: int, ids: list[int]
) -> None:
    submit_some(container, 3)
    found = [int(n.id) for n in notifications_after(container.app, after, batch=batch)]
    assert found == ids


def test_sealing_and_verifying_in_batches_of_three_give_the_same_chain(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_some(container, 3)
    monkeypatch.setattr(chain, "BATCH", 3)
    assert container.sealer().seal() == 8
    in_batches = seals(container)
    assert [position for position, _ in in_batches] == [1, 2, 3, 4, 5, 6, 7, 8]
    report = check(container)
    assert report.ok and report.checked == 8, report.text()
    # The chain read in one go (leaf and link are pinned by the known-answer oracles).
    whole, hashed = [], GENESIS
    for notification in notifications_after(container.app, 0, batch=100):
        hashed = link(hashed, leaf(notification))
        whole.append((int(notification.id), hashed.hex()))
    assert in_batches == whole
