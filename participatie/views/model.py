"""The read model of one initiative, and how each event changes it (pure, no storage).

Both the incremental projector and a rebuild feed events through `apply`, so they cannot drift
apart. Rows hold no personal data: the sealed initiator is never opened here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from participatie.domain import deadlines
from participatie.domain.deadlines import DEFAULT_ACCEPTANCE_DAYS, DEFAULT_DECISION_DAYS
from participatie.domain.initiative import INITIATOR, Initiative
from participatie.domain.values import CLOSED_STATUSES, REGIE_TEAM, Status

OPEN_STATUSES = tuple(s.value for s in Status if s not in CLOSED_STATUSES)
WAITING = Status.WAITING_FOR_INITIATOR.value


@dataclass
class Row:
    """One initiative as every view sees it (`apply` copies before it changes anything)."""

    id: str
    title: str
    description: str | None  # only with consent to publish
    consent: bool
    status: str
    themes: tuple[str, ...]
    area_code: str
    area_chain: tuple[str, ...]  # the area and everything above it, nearest first
    initiator_kind: str
    channel: str
    submitted_at: datetime
    last_activity: datetime
    lead_team: str | None = None
    involved_teams: tuple[str, ...] = ()
    challenge: str | None = None
    priority: str = "normal"
    assignee: str | None = None
    handoff_pending: bool = False
    handoff_days: int = DEFAULT_ACCEPTANCE_DAYS
    deadline: datetime | None = None  # the first of handoff_due and decision_due
    deadline_kind: str | None = None  # which of the two it is
    handoff_due: datetime | None = None
    decision_days: int = DEFAULT_DECISION_DAYS
    decision_due: datetime | None = None  # None: decided, closed, or paused
    paused_since: datetime | None = None  # waiting for the initiator since
    paused_days: int = 0
    routed_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: str | None = None
    decision_published: bool = False
    rationale: str | None = None  # public only once published
    closed_at: datetime | None = None
    supporters: int = 0
    text_erased: bool = False  # the initiator was erased: their title and description are gone
    moderation: str = "none"  # domain.values.Moderation
    public_title: str | None = None  # what the public sees (None: nothing is public)
    public_description: str | None = None
    photos: tuple[int, ...] = ()  # the positions of its photos (staff see them all)
    public_photos: tuple[int, ...] = ()  # those the public sees
    rating: int | None = None  # the initiator's last rating of how it went (1-5)
    rated_at: datetime | None = None
    decision_from: datetime | None = None  # the decision clock's start, if not submitted_at
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def published(self) -> bool:
        """Whether the public sees it (consent given and approved or redacted by a moderator)."""
        return self.public_title is not None

    def teams(self) -> dict[str, str]:
        """Team → 'lead' or 'involved' while the initiative is open (the team queues)."""
        if not self.is_open or self.lead_team is None:
            return {}
        found = {team: "involved" for team in self.involved_teams}
        found[self.lead_team] = "lead"
        return found


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the public timeline (no internal notes, no personal data)."""

    initiative_id: str
    version: int
    at: datetime
    kind: str
    text: str
    team: str | None = None


@dataclass
class Change:
    row: Row | None
    timeline: list[TimelineEntry] = field(default_factory=list)


AreaChains = Any  # callable(area_code, map_version) -> tuple[str, ...]


def _name(event: Any) -> str:
    return type(event).__qualname__.split(".")[-1]


def apply(row: Row | None, event: Any, chains: AreaChains) -> Change:
    """Return the row after `event` and the public timeline entries it adds."""
    name = _name(event)
    at: datetime = event.timestamp
    version: int = event.originator_version
    iid = str(event.originator_id)

    def entry(kind: str, text: str, team: str | None = None) -> TimelineEntry:
        return TimelineEntry(iid, version, at, kind, text, team)

    if row is not None and version <= row.version:
        return Change(row)  # an event we already have (delivered twice) changes nothing
    if isinstance(event, Initiative.Submitted):
        location = event.location
        new = Row(
            id=iid,
            title=event.title,
            description=event.description if event.consent_to_publish else None,
            consent=bool(event.consent_to_publish),
            status=Status.SUBMITTED.value,
            themes=tuple(event.themes),
            area_code=location.area_code,
            area_chain=tuple(chains(location.area_code, location.map_version)),
            initiator_kind=event.initiator_kind.value,
            channel=event.channel,
            submitted_at=at,
            last_activity=at,
            decision_days=event.decision_days,
            moderation=event.moderation.value,
            photos=tuple(p.position for p in event.photos),
            version=version,
        )
        if event.moderation.is_public:
            new.public_title, new.public_description = new.title, new.description
            new.public_photos = new.photos
        _settle_deadlines(new)
        return Change(new, [entry("submitted", "Initiatief ingediend")])
    if row is None:
        return Change(None)  # only possible when the log is read from the middle
    status = getattr(event, "status", None)
    row = _copy(row)
    row.version = version
    row.last_activity = at
    if status is not None:
        row.status = status.value
    if row.paused_since is not None and row.status != WAITING:
        row.paused_days += deadlines.paused_days(row.paused_since, at)
        row.paused_since = None
        row.decision_due = None  # computed again below, moved by the pause
    timeline: list[TimelineEntry] = []
    if isinstance(event, Initiative.Routed):  # Routed and Rerouted
        decision = event.decision
        winner = decision.candidates[0] if decision.candidates else {}
        _handoff(
            row, decision.lead_team, tuple(decision.involved_teams), at, decision.acceptance_days
        )
        row.routed_at = row.routed_at or at
        row.challenge = _challenge_of(winner)
        row.area_code = decision.facts.get("area_code", row.area_code)
        row.area_chain = tuple(decision.facts.get("area_chain") or row.area_chain)
        verb = "Opnieuw doorgestuurd" if name == "Rerouted" else "Doorgestuurd"
        timeline.append(
            entry(name.lower(), f"{verb} naar {decision.lead_team}", decision.lead_team)
        )
    elif isinstance(event, Initiative.HandoffAccepted):
        row.handoff_pending = False
        timeline.append(entry("accepted", f"In behandeling bij {event.team}", event.team))
    elif isinstance(event, Initiative.HandoffDeclined):
        _handoff(row, REGIE_TEAM, (), at, row.handoff_days)
        timeline.append(entry("declined", "Doorgestuurd naar het regieteam", REGIE_TEAM))
    elif isinstance(event, Initiative.Forwarded):
        _handoff(row, event.to_team, tuple(event.involved_teams), at, row.handoff_days)
        timeline.append(entry("forwarded", f"Doorgestuurd naar {event.to_team}", event.to_team))
    elif isinstance(event, Initiative.Escalated):
        _handoff(row, REGIE_TEAM, row.involved_teams, at, row.handoff_days)
        timeline.append(entry("escalated", "Voorgelegd aan het regieteam", REGIE_TEAM))
    elif isinstance(event, Initiative.DetailsChanged):
        location = event.location
        row.themes = tuple(event.themes)
        row.area_code = location.area_code
        row.area_chain = tuple(chains(location.area_code, location.map_version))
        timeline.append(entry("details_changed", "Thema of locatie aangepast"))
    elif isinstance(event, Initiative.InformationRequested):
        row.paused_since = at
        timeline.append(entry("information_requested", "Wacht op informatie van de indiener"))
    elif isinstance(event, Initiative.InformationProvided):
        timeline.append(entry("information_provided", "Indiener heeft informatie gegeven"))
    elif isinstance(event, Initiative.PrioritySet):
        row.priority = event.priority.value
    elif isinstance(event, Initiative.Assigned):
        row.assignee = event.assignee
    elif isinstance(event, Initiative.PublicUpdatePosted):
        timeline.append(entry("public_update", event.message, row.lead_team))
    elif isinstance(event, Initiative.Decided):
        row.decided_at = at
        row.outcome = event.outcome.value
        # A new decision replaces a published one: nothing of it is public until published.
        row.decision_published = False
        row.rationale = None
    elif isinstance(event, Initiative.DecisionPublished):
        row.decision_published = True
        row.rationale = event.rationale
        timeline.append(entry("decision_published", f"Besluit: {row.outcome}. {event.rationale}"))
    elif isinstance(event, Initiative.ExecutionStarted):
        timeline.append(entry("execution_started", "Uitvoering gestart"))
    elif isinstance(event, Initiative.Completed):
        row.closed_at = at
        timeline.append(entry("completed", "Afgerond"))
    elif isinstance(event, Initiative.Withdrawn):
        row.closed_at = at
        timeline.append(entry("withdrawn", "Ingetrokken door de indiener"))
    elif isinstance(event, Initiative.Merged):
        row.closed_at = at
        timeline.append(entry("merged", "Samengevoegd met een ander initiatief"))
    elif isinstance(event, Initiative.Supported):
        row.supporters += 1
    elif isinstance(event, Initiative.OutcomeRated):
        row.rating, row.rated_at = event.score, at
    elif isinstance(event, Initiative.Reopened):
        # Back to the lead team for a new hand-off; the decision and its clock start anew (the
        # last rating stays in the figures of its quarter until a new one replaces it).
        assert row.lead_team is not None
        row.outcome, row.decided_at, row.rationale = None, None, None
        row.decision_published, row.closed_at = False, None
        row.decision_from, row.decision_due = at, None
        row.paused_days, row.paused_since = 0, None
        _handoff(row, row.lead_team, row.involved_teams, at, row.handoff_days)
        timeline.append(entry("reopened", "Heropend op verzoek van de indiener", row.lead_team))
    elif isinstance(event, Initiative.PublicTextApproved):
        row.moderation = "approved"
        row.public_title, row.public_description = row.title, row.description
        row.public_photos = row.photos
    elif isinstance(event, Initiative.PublicTextRedacted):
        row.moderation = "redacted"
        row.public_title, row.public_description = event.title, event.description
        row.public_photos = row.photos if event.photos is None else tuple(event.photos)
    elif isinstance(event, Initiative.PublicTextHidden):
        row.moderation = "hidden"
        row.public_title, row.public_description = None, None
        row.public_photos = ()
    elif isinstance(event, Initiative.PersonalDataErased) and event.subject == INITIATOR:
        row.title, row.description, row.text_erased = "", None, True
        row.photos, row.public_photos = (), ()  # deleted with the key that sealed them
        if row.public_title is not None:
            row.public_title, row.public_description = "", ""
    if not row.is_open:
        row.handoff_pending = False
    _settle_deadlines(row)
    return Change(row, timeline)


def _settle_deadlines(row: Row) -> None:
    """Both clocks by the domain's rules (deadlines.py); the queue's deadline is the first.

    A row keeps its due dates and computes one again only when it may have changed: at a
    hand-off, and when the decision clock starts again after a pause.
    """
    status = Status(row.status)
    if not deadlines.handoff_runs(status, row.handoff_pending):
        row.handoff_due = None
    if not deadlines.decision_runs(status, row.outcome is not None):
        row.decision_due = None
    elif row.decision_due is None:
        row.decision_due = deadlines.decision_due(
            status,
            False,
            row.decision_from or row.submitted_at,
            row.decision_days,
            row.paused_days,
        )
    row.deadline, row.deadline_kind = deadlines.first(row.handoff_due, row.decision_due) or (
        None,
        None,
    )


def _challenge_of(winner: dict[str, Any]) -> str | None:
    """The challenge of the winning rule (older decisions name it only in `matched_on`)."""
    if winner.get("challenge_code"):
        return str(winner["challenge_code"])
    if winner.get("challenge"):
        for text in winner.get("matched_on", ()):
            if text.startswith("opgave "):
                return str(text.split()[1])
    return None


def _handoff(row: Row, team: str, involved: tuple[str, ...], at: datetime, days: int) -> None:
    row.lead_team = team
    row.involved_teams = tuple(t for t in involved if t != team)
    row.handoff_pending = True
    row.handoff_days = days
    row.handoff_due = deadlines.handoff_due(Status(row.status), True, at, days)


def _copy(row: Row) -> Row:
    """A shallow copy, much cheaper than dataclasses.replace (all fields are immutable)."""
    new = object.__new__(Row)
    new.__dict__.update(row.__dict__)
    return new
