"""What the holder of a tracking code sees: status, public timeline, and the team's questions.

Built from the initiative's own history (not the view tables), so the page is current the moment
a worker or a team member has acted. The public timeline comes from the same `apply` the views
use, so both always say the same thing. No personal data is opened here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from participatie.application.app import ParticipatieApp
from participatie.domain.initiative import Initiative
from participatie.domain.values import Status
from participatie.views.model import Row, TimelineEntry, apply
from participatie.views.projector import AreaChains


@dataclass(frozen=True)
class Exchange:
    """A question from a team and, once given, the initiator's answer."""

    asked_at: datetime
    team: str | None
    question: str
    answered_at: datetime | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Progress:
    initiative_id: UUID
    version: int
    title: str
    status: str
    lead_team: str | None
    area_code: str
    themes: tuple[str, ...]
    submitted_at: datetime
    consent: bool
    supporters: int
    outcome: str | None  # only once the decision is published
    rationale: str | None
    timeline: list[TimelineEntry] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    decision_due: datetime | None = None  # None: decided, closed, or paused
    moderation: str = "none"  # where the public text stands (domain.values.Moderation)
    public_title: str | None = None  # what the public sees of it (None: nothing)
    public_description: str | None = None
    moderation_reason: str | None = None  # the moderator's, when they redacted or hid it

    @property
    def waiting_for_answer(self) -> bool:
        return self.status == Status.WAITING_FOR_INITIATOR.value

    @property
    def open_question(self) -> Exchange | None:
        if self.waiting_for_answer and self.exchanges and self.exchanges[-1].answer is None:
            return self.exchanges[-1]
        return None

    @property
    def can_withdraw(self) -> bool:
        return Status(self.status).is_open


def progress_of(app: ParticipatieApp, initiative_id: UUID) -> Progress:
    """Replay the initiative's history into what its initiator may see."""
    chains = AreaChains(app)
    row: Row | None = None
    timeline: list[TimelineEntry] = []
    exchanges: list[Exchange] = []
    moderation_reason: str | None = None
    for event in app.history(initiative_id):
        change = apply(row, event, chains)
        row = change.row
        timeline.extend(change.timeline)
        if isinstance(event, Initiative.InformationRequested):
            exchanges.append(Exchange(event.timestamp, event.actor.team, event.question))
        elif isinstance(event, Initiative.InformationProvided) and exchanges:
            last = exchanges[-1]
            exchanges[-1] = Exchange(
                last.asked_at, last.team, last.question, event.timestamp, event.answer
            )
        elif isinstance(event, Initiative.PublicTextRedacted | Initiative.PublicTextHidden):
            moderation_reason = event.reason
        elif isinstance(event, Initiative.PublicTextApproved):
            moderation_reason = None
    if row is None:
        raise LookupError(f"initiative {initiative_id} has no history")
    return Progress(
        initiative_id=initiative_id,
        version=row.version,
        title=row.title,
        status=row.status,
        lead_team=row.lead_team,
        area_code=row.area_code,
        themes=row.themes,
        submitted_at=row.submitted_at,
        consent=row.consent,
        supporters=row.supporters,
        outcome=row.outcome if row.decision_published else None,
        rationale=row.rationale if row.decision_published else None,
        timeline=timeline,
        exchanges=exchanges,
        decision_due=row.decision_due,
        moderation=row.moderation,
        public_title=row.public_title,
        public_description=row.public_description,
        moderation_reason=moderation_reason,
    )
