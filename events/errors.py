"""Why a message could not be decoded, in words a person on call can act on."""

from collections.abc import Sequence
from typing import NamedTuple, Self

from pydantic import ValidationError


class FieldError(NamedTuple):
    field: str
    """Dotted path to the offending field; empty when the whole value is at fault."""
    message: str


def field_errors(error: ValidationError) -> tuple[FieldError, ...]:
    return tuple(
        FieldError(".".join(str(part) for part in detail["loc"]), detail["msg"])
        for detail in error.errors(include_url=False)
    )


def describe(errors: Sequence[FieldError]) -> str:
    """`field: message; ...` (a whole-value error shows its message alone)."""
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)


class EventDecodeError(Exception):
    """A message that is not a valid event of the contract."""

    def __init__(self, reason: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = tuple(errors)

    @classmethod
    def from_validation(cls, prefix: str, error: ValidationError) -> Self:
        errors = field_errors(error)
        return cls(f"{prefix}: {describe(errors)}", errors)


class MalformedMessage(EventDecodeError):
    """Not JSON, or not an envelope."""


class UnknownEventType(EventDecodeError):
    """An `event_type` outside the contract."""


class UnsupportedSchemaVersion(EventDecodeError):
    """A `schema_version` newer than this code knows, or one with no upcaster."""


class InvalidPayload(EventDecodeError):
    """A known event type whose payload breaks its model."""
