"""JSON transcodings for the domain's dates, enums and value objects."""

from __future__ import annotations

import base64
from dataclasses import fields
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from participatie.domain.areas import Area
from participatie.domain.values import (
    Actor,
    AreaLevel,
    InitiatorKind,
    Location,
    Moderation,
    Outcome,
    PhotoRef,
    Priority,
    Role,
    RoutingDecision,
    SealedPersonalData,
    Status,
    TeamKind,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BytesAsBase64(Transcoding):
    type = bytes
    name = "b64"

    def encode(self, obj: bytes) -> str:
        return base64.b64encode(obj).decode("ascii")

    def decode(self, data: str) -> bytes:
        return base64.b64decode(data)


class EnumAsValue(Transcoding):
    """Store an enum member as its value under a stable name per enum class."""

    def __init__(self, enum_class: type[Enum], name: str) -> None:
        self.type = enum_class
        self.name = name

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """Store a frozen dataclass as a dict of its fields; nested values are transcoded too."""

    def __init__(self, cls: type, name: str, tuples: tuple[str, ...] = ()) -> None:
        self.type = cls
        self.name = name
        self.tuples = tuples
        self.field_names = tuple(f.name for f in fields(cls))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.field_names}

    def decode(self, data: dict[str, Any]) -> Any:
        values = {k: v for k, v in data.items() if k in self.field_names}
        for name in self.tuples:
            values[name] = tuple(values[name])
        return self.type(**values)


class SealedAsDict(Transcoding):
    type = SealedPersonalData
    name = "sealed"

    def encode(self, obj: SealedPersonalData) -> dict[str, str]:
        return {
            "subject_id": obj.subject_id.hex,
            "ciphertext": base64.b64encode(obj.ciphertext).decode("ascii"),
        }

    def decode(self, data: dict[str, str]) -> SealedPersonalData:
        return SealedPersonalData(UUID(data["subject_id"]), base64.b64decode(data["ciphertext"]))


ENUMS: dict[str, type[Enum]] = {
    "status": Status,
    "role": Role,
    "initiator_kind": InitiatorKind,
    "outcome": Outcome,
    "priority": Priority,
    "team_kind": TeamKind,
    "moderation": Moderation,
    "area_level": AreaLevel,
}


def register_all(transcoder: JSONTranscoder) -> None:
    """Register every transcoding the domain needs on `transcoder`."""
    transcoder.register(DateAsISO())
    transcoder.register(BytesAsBase64())
    transcoder.register(SealedAsDict())
    for name, enum_class in ENUMS.items():
        transcoder.register(EnumAsValue(enum_class, name))
    transcoder.register(DataclassAsDict(Actor, "actor"))
    transcoder.register(DataclassAsDict(Location, "location"))
    transcoder.register(DataclassAsDict(PhotoRef, "photo"))
    transcoder.register(DataclassAsDict(Area, "area"))
    transcoder.register(
        DataclassAsDict(RoutingDecision, "routing", tuples=("involved_teams", "candidates"))
    )
