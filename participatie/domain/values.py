"""Value objects and controlled lists of the domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from uuid import UUID


class Status(Enum):
    SUBMITTED = "submitted"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_INITIATOR = "waiting_for_initiator"
    DECIDED = "decided"
    IN_EXECUTION = "in_execution"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATUSES


CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.WITHDRAWN, Status.MERGED})


class Role(Enum):
    INITIATOR = "initiator"
    AREA_MANAGER = "area_manager"  # gebiedsmanager
    TEAM_MEMBER = "team_member"  # gebiedsteamlid / opgaveteamlid
    REGIE = "regie"
    LINE_DEPARTMENT = "line_department"  # lijnafdeling
    AUDITOR = "auditor"
    ADMIN = "admin"  # beheerder
    SYSTEM = "system"  # workers, sweeps, imports
    SUPPORTER = "supporter"  # a member of the public who supports an initiative


class InitiatorKind(Enum):
    RESIDENT = "resident"
    BUSINESS = "business"
    ORGANISATION = "organisation"


class Moderation(Enum):
    """Where the public text of an initiative stands (its title, description and photos)."""

    NONE = "none"  # the initiator did not agree to publish: nothing is public
    PENDING = "pending"  # waiting for a moderator
    APPROVED = "approved"  # public as written
    REDACTED = "redacted"  # public in a version a moderator edited
    HIDDEN = "hidden"  # not public, by a moderator's decision

    @property
    def is_public(self) -> bool:
        return self in (Moderation.APPROVED, Moderation.REDACTED)


class Outcome(Enum):
    HONOURED = "honoured"
    PARTLY_HONOURED = "partly_honoured"
    NOT_HONOURED = "not_honoured"


class Priority(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TeamKind(Enum):
    AREA = "area"
    CHALLENGE = "challenge"
    LINE = "line"
    REGIE = "regie"


class AreaLevel(Enum):
    MUNICIPALITY = "municipality"
    DISTRICT = "district"  # wijk
    NEIGHBOURHOOD = "neighbourhood"  # buurt


REGIE_TEAM = "regie"


@dataclass(frozen=True)
class Actor:
    """Who did something: an id, the role they acted in and the team they acted for."""

    id: str
    role: Role
    team: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(id=f"system:{name}", role=Role.SYSTEM)

    @classmethod
    def initiator(cls, subject_id: UUID) -> Actor:
        """The initiator, known only by the subject id of their sealed personal data."""
        return cls(id=f"subject:{subject_id.hex}", role=Role.INITIATOR)


@dataclass(frozen=True)
class Location:
    """A point (WGS84) or an area code, plus the buurt/area it resolved to and the map version."""

    area_code: str
    lat: float | None = None
    lon: float | None = None
    map_version: str | None = None

    @property
    def is_point(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class SealedPersonalData:
    """Personal fields of one data subject, AES-GCM encrypted with that subject's key."""

    subject_id: UUID
    ciphertext: bytes


class FreeText(str):
    """Text a person typed (a title, an answer, a note): their personal data until proven
    otherwise, so it is stored sealed under the key of `subject_id` and gone when that key is.

    It is a str, so whoever reads it reads the text; the event store seals it on the way in
    (infra/sealing.py) and opens it on the way out. `erased` marks text whose key was deleted
    (its value then is ""); `legacy` marks text stored in clear before free text was sealed.
    """

    subject_id: UUID | None
    erased: bool
    legacy: bool

    def __new__(
        cls, value: str, subject_id: UUID | None = None, erased: bool = False, legacy: bool = False
    ) -> FreeText:
        text = super().__new__(cls, "" if erased else value)
        text.subject_id = subject_id
        text.erased = erased
        text.legacy = legacy
        return text

    def __getnewargs__(self) -> tuple[str, UUID | None, bool, bool]:  # type: ignore[override]
        return (str(self), self.subject_id, self.erased, self.legacy)

    @classmethod
    def of(cls, value: str | None, subject_id: UUID | None) -> FreeText | None:
        """`value` as the free text of `subject_id` (None and "" stay as they are)."""
        if value is None:
            return None
        return cls(value, subject_id)


@dataclass(frozen=True)
class SealedText:
    """Free text as stored: AES-GCM encrypted with its subject's key (empty: erased)."""

    subject_id: UUID
    ciphertext: bytes


@dataclass(frozen=True)
class PhotoRef:
    """A photo that came with a submission: its place, what it is, and the checksum of what is
    stored (the photo sealed under the initiator's key, kept beside the log, not in it)."""

    position: int  # 1 is the first
    mime: str
    width: int
    height: int
    digest: str  # sha256 of the sealed photo as stored: a swapped file is noticed


@dataclass(frozen=True)
class RoutingDecision:
    """Where an initiative goes and why; produced by the pure routing function.

    `facts` are the facts routing used and `candidates` every rule that matched, best first,
    with what it matched on: enough for an auditor to answer "why team X" years later.
    """

    lead_team: str
    involved_teams: tuple[str, ...]
    rule_id: str | None
    rulebook_version: str | None
    map_version: str | None
    acceptance_days: int
    explanation: str
    facts: dict[str, Any] = field(default_factory=dict, compare=True)
    candidates: tuple[dict[str, Any], ...] = ()


# The fields of a person's contact details: sealed per person, never stored in clear.
PERSONAL_FIELDS = ("name", "email", "phone", "address", "kvk_number", "organisation_name")
