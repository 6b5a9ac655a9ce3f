"""Why the referral decider refuses a command: an HTTP status and a reason."""

from __future__ import annotations

from collections.abc import Iterable


class Rejection(Exception):
    """A command the referral's state does not allow; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ValidationFailure(Rejection):
    """Invalid input (422): ``errors`` names every offending field with its message."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__(422, "; ".join(f"{field}: {message}" for field, message in self.errors))

    @property
    def fields(self) -> list[str]:
        """The offending fields, in the order they were found (a field may repeat)."""
        return [field for field, _ in self.errors]
