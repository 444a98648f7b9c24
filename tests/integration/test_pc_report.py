"""P&C figures per quarter on SQLite and PostgreSQL, equal to figures computed by hand from the
eleven initiatives of the capacity fixture (tests/integration/test_capacity.py, its table).

| quarter | submitted                         | decided (quarter of the decision)    |
|---------|-----------------------------------|--------------------------------------|
| 2026-K1 | #10 2 Feb, #4 2 Mar, #5 9 Mar,    | #4 honoured 20 Mar 10:00             |
|         | #1 16 Mar                         |                                      |
| 2026-K2 | #11 1 Apr, #3 6 Apr, #6 8 Apr,    | #5 honoured 1 Apr, #6 honoured 20 Apr |
|         | #7 10 Apr, #8 14 Apr, #2 20 Apr,  |                                      |
|         | #9 26 May                         |                                      |

Median days to decision: K1 #4 2 Mar 09:00 → 20 Mar 10:00 = 18.04 → 18.0. K2 #5 9 Mar 09:00 →
1 Apr 10:00 = 23.04 and #6 8 Apr 09:00 → 20 Apr 10:00 = 12.04, median 17.54 → 17.5.
Overdue at NOW (1 June), by quarter of submission: K1 #1 and #10; K2 #2, #7 and #11.
Linked to the agenda (#1, #5, #6, #8): K1 #1 and #5; K2 #6 and #8.
"""

from __future__ import annotations

import pytest

from participatie.bootstrap import Container
from participatie.views import queries
from tests.integration.test_capacity import NOW, build_fixture


@pytest.mark.parametrize("step", [False, True], ids=["at-once", "event-by-event"])
def test_the_figures_per_quarter_equal_the_hand_computed_table(
    container: Container, step: bool
) -> None:
    """At once: one batch writes each row; event by event: every row is changed over and over,
    so the area counts must take away what each earlier version added."""
    ids = build_fixture(container, step=step)
    linked = [str(ids[n]) for n in (1, 5, 6, 8)]
    found = queries.pc_figures(container.views, "GM0001", now=NOW, linked=linked)
    assert [
        (q.quarter, q.submitted, q.decided, q.median_days_to_decision, q.overdue, q.linked)
        for q in found
    ] == [
        ("2026-K1", 4, {"honoured": 1}, 18.0, 2, 2),
        ("2026-K2", 7, {"honoured": 2}, 17.5, 3, 2),
    ]
    assert [q.decided_total for q in found] == [1, 2]
    # A buurt only sees its own: every case of the fixture lies in the Westbuurt.
    assert queries.pc_figures(container.views, "BU00010102", now=NOW) == []
