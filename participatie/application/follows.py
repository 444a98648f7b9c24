"""ParticipatieApp's following part: residents follow an area by e-mail (domain/follow.py)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from participatie.application.core import AppCore
from participatie.domain.errors import InvalidChoice
from participatie.domain.follow import ASKED, STOPPED, AreaFollow

UNSUBSCRIBED = "unsubscribed"  # the reason of a stop by the link in a mail
# What asking to follow led to: a new request (its event's mail job sends the link), one that
# still waits for its confirmation, or a follow that is confirmed already.
NEW, PENDING, FOLLOWING = "new", "pending", "following"


@dataclass(frozen=True)
class FollowRequest:
    follow_id: UUID
    outcome: str  # NEW, PENDING or FOLLOWING


class FollowCommands(AppCore):
    """Ask to follow an area, confirm it (double opt-in), stop it (the address goes with it)."""

    def follow_id(self, area_code: str, email: str) -> UUID:
        pseudonym = self.vault.pseudonym(f"follow:{area_code}:{email.strip().lower()}")
        return AreaFollow.create_id(area_code, pseudonym)

    def request_follow(self, area_code: str, email: str, language: str) -> FollowRequest:
        """Ask, for `email`, to hear of `area_code` (the person sees the same answer whatever
        the outcome). Two people asking for one address at once: one wins, the other gets a
        ConcurrencyConflict (the web answers 409; asking again works)."""
        if area_code not in self.area_index():
            raise InvalidChoice("area_code", f"unknown area '{area_code}'")
        follow_id = self.follow_id(area_code, email)
        try:
            follow: AreaFollow = self.repository.get(follow_id)
        except AggregateNotFoundError:
            subject = AreaFollow.subject_id(follow_id, 1)
            sealed = self.vault.seal_as(subject, {"email": email.strip()})
            created = AreaFollow._create(
                AreaFollow.Requested,
                id=follow_id,
                area_code=area_code,
                follower=sealed,
                language=language,
            )
            self.save_all(created)
            return FollowRequest(follow_id, NEW)
        if follow.state == STOPPED:
            subject = AreaFollow.subject_id(follow_id, follow.round + 1)
            follow.ask_again(self.vault.seal_as(subject, {"email": email.strip()}), language)
            self.save_all(follow)
            return FollowRequest(follow_id, NEW)
        return FollowRequest(follow_id, PENDING if follow.state == ASKED else FOLLOWING)

    def get_follow(self, follow_id: UUID) -> AreaFollow:
        follow: AreaFollow = self._get(follow_id, AreaFollow)
        return follow

    def confirm_follow(self, follow_id: UUID, round: int) -> bool:
        """The link of round `round` was followed; True when it confirmed just now."""
        follow = self.get_follow(follow_id)
        if follow.round != round or follow.state != ASKED:
            return False
        follow.confirm()
        self.save_all(follow)
        return True

    def stop_follow(self, follow_id: UUID, reason: str = UNSUBSCRIBED) -> bool:
        """Stop and erase the address (its key is shredded); True when it stopped just now.
        A stop recorded whose key somehow survived (a crash) loses the key now."""
        follow = self.get_follow(follow_id)
        stopped = follow.state != STOPPED
        if stopped:
            follow.stop(reason)
            self.save_all(follow)
        for subject in follow.erased:
            self.vault.shred(subject)
        self.vault.scrub()
        return stopped
