"""Why intake refuses a command, in the program's words.

Nothing here speaks HTTP: each entrypoint maps these to its own answer in one place (the HTTP
adapter to 404, 409 and 422 with a message per field; the inbound topic to a rejected copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from pydantic import ValidationError

from events.errors import field_errors


class Rejection(Exception):
    """A command intake does not carry out; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(Rejection):
    """The referral (or evaluation subject) the command is about was never recorded."""


class Conflict(Rejection):
    """The command contradicts what is recorded (a second withdrawal, a step already done)."""


class ValidationFailure(Rejection):
    """Invalid input: ``errors`` names every offending field (dotted path) with its message."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors))

    @classmethod
    def of(cls, field: str, message: str) -> Self:
        return cls([(field, message)])

    @classmethod
    def from_validation(cls, error: ValidationError) -> Self:
        """A contract model's refusal, field by field (a whole-model error names ``body``)."""
        return cls((e.field or "body", e.message) for e in field_errors(error))

    @property
    def fields(self) -> list[str]:
        """The offending fields, in the order they were found (a field may repeat)."""
        return [field for field, _ in self.errors]
