"""Named domain errors; `web/errors.py` and the CLI map them to user-facing messages."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class IllegalTransition(DomainError):
    """The command is not allowed in the initiative's current status."""

    def __init__(self, command: str, status: str) -> None:
        super().__init__(f"'{command}' is not allowed when the initiative is '{status}'")
        self.command = command
        self.status = status


class ReasonRequired(DomainError):
    """A person decided something without giving a reason."""

    def __init__(self, command: str) -> None:
        super().__init__(f"'{command}' needs a reason")
        self.command = command


class InvariantViolation(DomainError):
    """A command would break a rule of the aggregate (field names the culprit)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConcurrencyConflict(DomainError):
    """Someone else changed the aggregate first; nothing was stored."""

    def __init__(self, aggregate_id: object, expected: int | None, actual: int | None) -> None:
        super().__init__(
            f"{aggregate_id} was changed by someone else "
            f"(you saw version {expected}, it is now {actual})"
        )
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual


class AlreadySupported(DomainError):
    """This e-mail address already supports this initiative."""


class NotFound(DomainError):
    """No such aggregate."""


class InvalidChoice(InvariantViolation):
    """A value the person chose cannot be used here; they can correct it (a field error)."""


class UnknownTeam(InvalidChoice):
    def __init__(self, field: str) -> None:
        super().__init__(field, "unknown team")


class UnknownTheme(InvalidChoice):
    """A theme that is not in the current list, or is retired (new work cannot use it)."""

    def __init__(self, field: str, codes: list[str]) -> None:
        super().__init__(field, f"unknown or retired theme(s): {', '.join(codes)}")
        self.codes = list(codes)


class UnknownInitiative(InvalidChoice):
    def __init__(self, field: str) -> None:
        super().__init__(field, "no such initiative")


class MergeTargetClosed(InvalidChoice):
    def __init__(self) -> None:
        super().__init__("into", "the initiative to merge into is closed")


class MergeIntoItself(InvalidChoice):
    def __init__(self) -> None:
        super().__init__("into", "an initiative cannot be merged into itself")


class NothingChanged(InvalidChoice):
    def __init__(self, field: str = "details") -> None:
        super().__init__(field, "nothing changed")


class NotATeamMember(InvalidChoice):
    def __init__(self, field: str) -> None:
        super().__init__(field, "not a member of the team")


class NoCapacity(InvalidChoice):
    """A team's capacity with neither open cases nor hours a week."""

    def __init__(self) -> None:
        super().__init__("cases", "give the cases a team can carry, its hours a week, or both")


class CapacityOutOfRange(InvalidChoice):
    """A capacity figure that is not a whole number from 0 up to the maximum."""

    def __init__(self, field: str, maximum: int) -> None:
        super().__init__(field, f"a whole number from 0 to {maximum}")
        self.maximum = maximum
