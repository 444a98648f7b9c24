"""What the parts of ParticipatieApp share: its clock and vault, and the typed view they use.

ParticipatieApp (app.py) is one eventsourcing Application put together from a part per concern
(initiatives.py, routing.py, organisation.py, personal_data.py). Each part is a plain class at
run time; for mypy it derives from AppCore, which declares the attributes and the store helpers
that app.py defines, so every part is checked against the whole it will be mixed into.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from participatie.domain.values import SealedPersonalData

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(tz=UTC)


class Vault(Protocol):
    """Seals personal data per person (privacy.keys.PersonalDataVault, given by bootstrap)."""

    def seal(self, fields: dict[str, Any], subject_id: UUID | None = None) -> SealedPersonalData:
        """Encrypt `fields` under a new random key for a new (or given) subject."""

    def open(self, sealed: SealedPersonalData) -> dict[str, Any] | None:
        """Decrypt; None when the subject's key was erased."""

    def seal_as(self, subject_id: UUID, fields: dict[str, Any]) -> SealedPersonalData:
        """Encrypt `fields` under the subject's key, made first if it has none."""

    def readable(self, subject_id: UUID) -> bool:
        """Whether the subject still has a key."""

    def seal_texts(self, subject_id: UUID, texts: list[str]) -> list[bytes]:
        """Encrypt a subject's free texts with their key."""

    def open_texts(self, subject_id: UUID, ciphertexts: list[bytes]) -> list[str] | None:
        """Decrypt a subject's free texts; None when their key was erased."""

    def seal_blobs(self, subject_id: UUID, blobs: list[bytes]) -> list[bytes]:
        """Encrypt a subject's photos with their key."""

    def open_blobs(self, subject_id: UUID, ciphertexts: list[bytes]) -> list[bytes] | None:
        """Decrypt a subject's photos; None when their key was erased."""

    def shred(self, subject_id: UUID) -> bool:
        """Delete the subject's key; return whether there was one."""

    def scrub(self) -> None:
        """Leave no copy of a shredded key on disk."""

    def pseudonym(self, text: str) -> str:
        """A keyed hash of `text`: equal texts give equal pseudonyms."""


if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, DomainEventProtocol
    from eventsourcing.persistence import Notification

    from participatie.domain.initiative import Initiative
    from participatie.domain.organisation import Challenge, Team
    from participatie.domain.themes import ThemeCatalogue
    from participatie.infra.photostore import PhotoStore
    from participatie.maps.geo import AreaIndex

    class AppCore(Application[UUID]):
        """ParticipatieApp as its parts see it: what app.py sets up and defines."""

        decision_days: int
        auto_approve: bool

        @property
        def photo_store(self) -> PhotoStore: ...

        vault: Vault
        clock: Clock
        _readonly: dict[UUID, Aggregate]
        _orders_seen: int
        _order_ids: list[UUID]

        def save_all(self, *aggregates: Aggregate) -> None: ...
        def _get(self, aggregate_id: UUID, kind: type[Any]) -> Any: ...
        def _read(self, aggregate_id: UUID, kind: type[Any]) -> Any: ...
        def _read_all(self, wanted: Sequence[tuple[UUID, type[Any]]]) -> list[Any]: ...
        def notifications(
            self, *event_classes: type[Any], start: int = 1
        ) -> Iterator[Notification]: ...
        def history(self, aggregate_id: UUID) -> list[DomainEventProtocol[UUID]]: ...
        def get_initiative(self, initiative_id: UUID) -> Initiative: ...
        def check_themes(
            self, field: str, codes: Iterable[str], kept: Iterable[str] = ()
        ) -> None: ...
        def theme_list(self) -> ThemeCatalogue: ...
        def area_index(self, version: str | None = None, checked: bool = False) -> AreaIndex: ...
        def teams(self) -> list[Team]: ...
        def challenges(self) -> list[Challenge]: ...
        def _get_young_initiative(self, initiative_id: UUID) -> Initiative: ...

else:
    AppCore = object  # at run time each part is a plain mixin; ParticipatieApp has it all
