"""Following an area: a resident hears by e-mail of new public initiatives and published
decisions in an area (and everything under it).

One AreaFollow exists per (area, keyed hash of the address): its id is derived from both, so
asking twice cannot make two. It starts asked (Requested, the address sealed under a subject
of its own) and counts only once the person followed the link mailed to the address
(Confirmed: double opt-in). Stopping (Stopped: the unsubscribe link in every mail, or the
erasure of the person) ends it, and the address is erased with it: its subject's key is
shredded. Asking again later starts a new round under a new subject (RequestedAgain).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from participatie.domain.errors import InvariantViolation
from participatie.domain.values import SealedPersonalData

ASKED, CONFIRMED, STOPPED = "asked", "confirmed", "stopped"


class AreaFollow(Aggregate):
    class Requested(Aggregate.Created):
        area_code: str
        follower: SealedPersonalData
        language: str

    class RequestedAgain(Aggregate.Event):
        """Asked again after stopping: a new round, under a new subject."""

        follower: SealedPersonalData
        language: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaFollow)
            aggregate.follower = self.follower
            aggregate.language = self.language
            aggregate.state = ASKED
            aggregate.round += 1

    class Confirmed(Aggregate.Event):
        """The person followed the link mailed to the address (it reaches them)."""

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaFollow)
            aggregate.state = CONFIRMED

    class Stopped(Aggregate.Event):
        """No more mail; the address is erased (`reason`: unsubscribed, or the person erased)."""

        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, AreaFollow)
            aggregate.state = STOPPED
            aggregate.erased.append(aggregate.follower.subject_id)

    @staticmethod
    def create_id(area_code: str, pseudonym: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:follow:{area_code}:{pseudonym}")

    @staticmethod
    def subject_id(follow_id: UUID, round: int) -> UUID:
        """The follower's subject in one round: its key seals the address, and goes at the end."""
        return uuid5(NAMESPACE_URL, f"participatie:follower:{follow_id}:{round}")

    def __init__(self, area_code: str, follower: SealedPersonalData, language: str) -> None:
        self.area_code = area_code
        self.follower = follower
        self.language = language
        self.state = ASKED
        self.round = 1
        self.erased: list[UUID] = []

    @property
    def confirmed(self) -> bool:
        return self.state == CONFIRMED

    def ask_again(self, follower: SealedPersonalData, language: str) -> None:
        if self.state != STOPPED:
            raise InvariantViolation("follow", "it has not stopped")
        if follower.subject_id in self.erased:
            raise InvariantViolation("follower", "that subject was erased")
        self.trigger_event(self.RequestedAgain, follower=follower, language=language)

    def confirm(self) -> None:
        if self.state != ASKED:
            raise InvariantViolation("follow", f"it is {self.state}, not asked")
        self.trigger_event(self.Confirmed)

    def stop(self, reason: str) -> None:
        if self.state == STOPPED:
            raise InvariantViolation("follow", "it has stopped already")
        if not reason.strip():
            raise InvariantViolation("reason", "say why")
        self.trigger_event(self.Stopped, reason=reason.strip())
