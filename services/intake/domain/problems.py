"""Finding every invalid field of a command before refusing it, in the words a caller can act on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, TypeVar

from pydantic import ValidationError

from events.payloads import EventPayload
from services.intake.domain.errors import ValidationFailure
from services.program import Site

CLOCK_SKEW: Final = timedelta(minutes=5)
"""How far past ``now`` a timestamp may lie (the caller's clock may run ahead)."""


E = TypeVar("E", bound=StrEnum)


class Problems:
    """Invalid fields found so far; ``check()`` raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append((field, message))

    def check(self) -> None:
        if self.errors:
            raise ValidationFailure(self.errors)

    def timestamp(
        self, field: str, value: datetime, now: datetime, not_before: datetime | None = None
    ) -> None:
        if value.tzinfo is None or value.utcoffset() is None:
            self.add(field, f"{value.isoformat()} has no UTC offset")
            return
        if value > now + CLOCK_SKEW:
            self.add(field, f"{value.isoformat()} is in the future (now is {now.isoformat()})")
        if not_before is not None and value < not_before:
            self.add(
                field,
                f"{value.isoformat()} is before the referral was made ({not_before.isoformat()})",
            )


def build_event(problems: Problems, make: Callable[[], EventPayload]) -> list[EventPayload]:
    """The event ``make`` builds, once no problem is left; what the contract refuses is
    invalid input too."""
    problems.check()
    try:
        return [make()]
    except ValidationError as error:
        raise ValidationFailure.from_validation(error) from error


def local_day(moment: datetime, site: Site | None) -> str:
    """The calendar day of ``moment`` at the site (in its own offset when unknown)."""
    local = moment.astimezone(site.zone) if site is not None else moment
    return local.date().isoformat()


def listed(codes: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(sorted(codes)) or "none"


def choice(problems: Problems, field: str, kind: type[E], value: str) -> E | None:
    """``value`` as a member of ``kind``, or a problem naming the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = listed(frozenset(member.value for member in kind))
        problems.add(field, f"unknown {field} {value!r}; one of: {choices}")
        return None
