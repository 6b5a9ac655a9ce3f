"""A referral's state: every referral event folded, in order, into one immutable value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import reduce
from uuid import UUID

from events.categories import ParticipantStatus, Pathway
from events.payloads import (
    Arrest,
    AssessmentCompleted,
    CarePlanCompleted,
    EventPayload,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ReferralMade,
)


@dataclass(frozen=True)
class ReferralState:
    referral_id: UUID | None = None
    site: str | None = None
    pathway: Pathway | None = None
    status: ParticipantStatus | None = None
    participant_id: UUID | None = None
    referred_at: datetime | None = None
    referring_agency: str | None = None
    arrest: Arrest | None = None
    assessment_at: datetime | None = None
    care_plan_at: datetime | None = None
    status_changed_at: datetime | None = None
    withdrew_at: datetime | None = None

    @property
    def exists(self) -> bool:
        return self.referral_id is not None

    @property
    def withdrawn(self) -> bool:
        return self.withdrew_at is not None


INITIAL = ReferralState()
"""The state of a referral nobody has made yet."""


def evolve(state: ReferralState, event: EventPayload) -> ReferralState:
    """``state`` after ``event``; events of other kinds leave it as it is."""
    match event:
        case ReferralMade():
            return replace(
                state,
                referral_id=event.referral_id,
                participant_id=event.participant_id,
                site=event.site,
                pathway=event.pathway,
                status=ParticipantStatus.ACTIVE,
                referred_at=event.referred_at,
                referring_agency=event.referring_agency,
                arrest=event.arrest,
            )
        case AssessmentCompleted():
            return replace(state, assessment_at=event.completed_at)
        case CarePlanCompleted():
            return replace(state, care_plan_at=event.completed_at)
        case ParticipantStatusChanged():
            return replace(state, status=event.status, status_changed_at=event.changed_at)
        case ParticipantWithdrew():  # a withdrawal ends participation: inactive from then on
            withdrawn = replace(state, withdrew_at=event.withdrew_at)
            if state.status is ParticipantStatus.INACTIVE:
                return withdrawn
            return replace(
                withdrawn, status=ParticipantStatus.INACTIVE, status_changed_at=event.withdrew_at
            )
        case _:
            return state


def state_from(events: Iterable[EventPayload], state: ReferralState = INITIAL) -> ReferralState:
    """The state after ``events``, folded in order onto ``state`` (default: ``INITIAL``)."""
    return reduce(evolve, events, state)
