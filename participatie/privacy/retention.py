"""Retention (bewaartermijnen): erase an initiative's personal data once its period is over.

Each rule starts at a moment in the initiative's life: when it was completed, withdrawn or merged,
or, for an initiative that was not honoured, when that decision was published. After the rule's
months (`PARTICIPATIE_RETENTION`, counted on the Amsterdam calendar: 31 January + 1 month is
28 or 29 February) the initiator and every supporter are erased with `erase_initiative`, as
`system:retention` with the rule as the reason. When more than one rule applies (a decision not
honoured, then withdrawn), the earliest due date wins: nothing is kept longer than a rule allows.

The view table finds the candidates; the initiative itself decides. Running twice erases
nothing the second time: erased subjects are no longer "to erase". Each run also finishes any
erasure a crash left half done (`finish_erasures`): a key still there, mail still kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dateutil.relativedelta import relativedelta

from participatie.config import DEFAULT_RETENTION, RETENTION_RULES, Settings
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.errors import ConcurrencyConflict
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, Outcome, Status
from participatie.privacy.erasure import Erasure, erase_initiative, finish_erasures
from participatie.views.store import LIVE, ViewTables, stamp

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp
    from participatie.bootstrap import Container

RETENTION = Actor.system("retention")
COMPLETED, WITHDRAWN, MERGED, NOT_HONOURED = RETENTION_RULES
LABELS = {
    COMPLETED: "afgerond",
    WITHDRAWN: "ingetrokken",
    MERGED: "samengevoegd",
    NOT_HONOURED: "niet gehonoreerd",
}
# The event that starts each rule's period.
STARTS: dict[str, type[Initiative.Action]] = {
    COMPLETED: Initiative.Completed,
    WITHDRAWN: Initiative.Withdrawn,
    MERGED: Initiative.Merged,
    NOT_HONOURED: Initiative.DecisionPublished,
}
CLOSING = {COMPLETED: Status.COMPLETED, WITHDRAWN: Status.WITHDRAWN, MERGED: Status.MERGED}
# Month ends (31 January + 1 month = 28 February) and daylight saving move a due date by a few
# days at most; the candidate query looks this much further back, the exact check follows.
MARGIN = timedelta(days=8)


@dataclass(frozen=True)
class RetentionPolicy:
    """Months to keep personal data per rule (every rule in RETENTION_RULES has a period)."""

    months: tuple[tuple[str, int], ...] = DEFAULT_RETENTION

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(settings.retention)

    def period(self, rule: str) -> int:
        return dict(self.months)[rule]

    def due(self, rule: str, since: datetime) -> datetime:
        """The moment the period of `rule`, begun at `since`, ends (months on local dates)."""
        local = since.astimezone(AMSTERDAM) + relativedelta(months=self.period(rule))
        return local.astimezone(UTC)

    def reason(self, rule: str) -> str:
        months = self.period(rule)
        return (
            f"Bewaartermijn verstreken: {LABELS[rule]} + {months}"
            f" {'maand' if months == 1 else 'maanden'}"
        )


@dataclass(frozen=True)
class RetentionItem:
    """One initiative whose retention period is over, with the subjects still to erase."""

    initiative_id: UUID
    rule: str
    since: datetime  # the moment the period began
    due: datetime  # the moment it ended
    subjects: tuple[UUID, ...]


@dataclass(frozen=True)
class RetentionReport:
    at: datetime
    dry_run: bool
    items: list[RetentionItem] = field(default_factory=list)
    erasures: list[Erasure] = field(default_factory=list)  # empty in a dry run
    finished: int = 0  # keys of earlier, half-done erasures deleted now

    @property
    def erased(self) -> int:
        """Subjects erased by this run."""
        return sum(len(e.erased) for e in self.erasures)

    def summary(self) -> str:
        subjects = sum(len(i.subjects) for i in self.items)
        if self.dry_run:
            return (
                f"{len(self.items)} initiatieven met verstreken bewaartermijn;"
                f" {subjects} personen zouden worden gewist (proefdraai)."
            )
        done = (
            f"{len(self.items)} initiatieven met verstreken bewaartermijn;"
            f" {self.erased} personen gewist."
        )
        if self.finished:
            done += (
                f" {self.finished} sleutels van eerder onderbroken verwijderingen"
                " alsnog vernietigd."
            )
        return done


def candidates(views: ViewTables, policy: RetentionPolicy, now: datetime) -> list[UUID]:
    """Initiatives the view table says may be due (a superset: `due` checks each one)."""
    cutoff = {rule: stamp(_months_before(now, policy.period(rule)) + MARGIN) for rule in STARTS}
    with views.cursor(commit=False) as c:
        c.execute(
            views.sql(
                f"SELECT id FROM {views.table(LIVE, 'initiatives')} WHERE"
                " (status = ? AND closed_at <= ?) OR (status = ? AND closed_at <= ?)"
                " OR (status = ? AND closed_at <= ?)"
                " OR (outcome = ? AND decision_published = 1 AND decided_at <= ?)"
                " ORDER BY id"
            ),
            [
                Status.COMPLETED.value,
                cutoff[COMPLETED],
                Status.WITHDRAWN.value,
                cutoff[WITHDRAWN],
                Status.MERGED.value,
                cutoff[MERGED],
                Outcome.NOT_HONOURED.value,
                cutoff[NOT_HONOURED],  # published after decided: an earlier decision is needed
            ],
        )
        return [UUID(str(r[0])) for r in c.fetchall()]


def due(
    app: ParticipatieApp, views: ViewTables, policy: RetentionPolicy, now: datetime
) -> list[RetentionItem]:
    """The initiatives whose retention period ended by `now` and that still hold personal data."""
    found = []
    for initiative_id in candidates(views, policy, now):
        item = check(app, initiative_id, policy, now)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda i: (i.due, str(i.initiative_id)))


def check(
    app: ParticipatieApp, initiative_id: UUID, policy: RetentionPolicy, now: datetime
) -> RetentionItem | None:
    """The initiative's retention item if its period ended by `now` and someone is left."""
    initiative = app.get_initiative(initiative_id)
    remaining = tuple(s for s in initiative.subjects() if s not in initiative.erased)
    rules = _rules(initiative)
    if not remaining or not rules:
        return None
    periods = _starts(app.history(initiative_id), rules)
    ends = sorted((policy.due(rule, since), rule, since) for rule, since in periods.items())
    if not ends or ends[0][0] > now:
        return None
    end, rule, since = ends[0]
    return RetentionItem(initiative_id, rule, since, end, remaining)


def run(
    container: Container, now: datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Erase the remaining subjects of every initiative due by `now` (default: the clock)."""
    app = container.app
    moment = now or app.clock()
    policy = RetentionPolicy.from_settings(container.settings)
    items = due(app, container.views, policy, moment)
    if dry_run:
        return RetentionReport(moment, dry_run, items)
    erasures = [_erase(container, item, policy) for item in items]
    finished = finish_erasures(container)
    return RetentionReport(moment, dry_run, items, erasures, finished)


def _erase(container: Container, item: RetentionItem, policy: RetentionPolicy) -> Erasure:
    for _ in range(5):
        try:
            return erase_initiative(
                container, item.initiative_id, RETENTION, policy.reason(item.rule)
            )
        except ConcurrencyConflict:
            continue  # someone acted on it at the same moment: look again
    raise ConcurrencyConflict(item.initiative_id, None, None)


def _rules(initiative: Initiative) -> list[str]:
    """The rules that apply to the initiative as it is now."""
    rules = [rule for rule, status in CLOSING.items() if initiative.status is status]
    if initiative.outcome is Outcome.NOT_HONOURED and initiative.decision_published:
        rules.append(NOT_HONOURED)
    return rules


def _starts(history: Iterable[Any], rules: list[str]) -> dict[str, datetime]:
    """When each rule's period began: the (last) event that starts it."""
    found: dict[str, datetime] = {}
    for event in history:
        for rule in rules:
            if isinstance(event, STARTS[rule]):
                found[rule] = event.timestamp
    return found


def _months_before(moment: datetime, months: int) -> datetime:
    return (moment.astimezone(AMSTERDAM) - relativedelta(months=months)).astimezone(UTC)
