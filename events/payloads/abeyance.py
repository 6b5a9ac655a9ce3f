"""Events of a pre-booking abeyance: charges held, then declined, expired or ended."""

from datetime import date
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from events.categories import CompletionStep
from events.common import CaseReference, Text
from events.payloads.base import EventPayload


def _in_step_order(steps: tuple[CompletionStep, ...]) -> tuple[CompletionStep, ...]:
    # One canonical order, so that equal step sets encode to identical JSON.
    return tuple(step for step in CompletionStep if step in steps)


Steps = Annotated[tuple[CompletionStep, ...], Field(min_length=1), AfterValidator(_in_step_order)]
"""A set of completion steps, without repeats, in the order they are listed in CompletionStep."""


class AbeyanceStarted(CaseReference, EventPayload):
    """Charges are held until `deadline_at` while the participant meets the condition."""

    started_at: AwareDatetime
    deadline_at: AwareDatetime
    completion_condition: Steps

    @model_validator(mode="after")
    def _deadline_after_start(self) -> Self:
        if self.deadline_at <= self.started_at:
            raise ValueError("deadline_at is not after started_at")
        return self


class ChargesDeclined(CaseReference, EventPayload):
    """The condition was met in time; `completed_on` has dates only, never treatment content."""

    declined_at: AwareDatetime
    basis: Text
    completed_on: dict[CompletionStep, date] = Field(min_length=1)


class AbeyanceExpired(CaseReference, EventPayload):
    """The deadline passed with steps `outstanding`; the prosecutor may file as usual."""

    deadline_at: AwareDatetime
    outstanding: Steps


class AbeyanceExpiryRescinded(EventPayload):
    """An expiry is withdrawn: the condition was met in time but recorded after the expiry."""

    referral_id: UUID
    reason: Text


class AbeyanceEnded(EventPayload):
    """The abeyance ended without a decline (the participant withdrew, the referral was voided)."""

    referral_id: UUID
    reason: Text
