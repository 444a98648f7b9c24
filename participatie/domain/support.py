"""One support per e-mail address per initiative, without storing the address in the clear."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate


class SupportIndex(Aggregate):
    """Exists once per (initiative, pseudonym of the supporter's e-mail); saved with the support.

    Its id is derived from both, so a second support with the same address cannot be saved.
    """

    class Created(Aggregate.Created):
        initiative_id: UUID

    @staticmethod
    def create_id(initiative_id: UUID, pseudonym: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"participatie:support:{initiative_id}:{pseudonym}")

    @staticmethod
    def subject_id(initiative_id: UUID, pseudonym: str) -> UUID:
        """The supporter's subject id: one per address and initiative, from the first link on.

        Every support link mailed to the address and the support itself are sealed under this
        one subject's key, so erasing the supporter makes all of them unreadable.
        """
        return uuid5(NAMESPACE_URL, f"participatie:supporter:{initiative_id}:{pseudonym}")

    def __init__(self, initiative_id: UUID) -> None:
        self.initiative_id = initiative_id
