"""The referral decider: pure rules, no I/O.

``decide(command, state, now)`` returns the events a command produces or raises a
``Rejection``; ``evolve(state, event)`` folds an event into the state. Handlers load the state
from the referral's stream, call ``decide`` and append the events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from events.categories import Ethnicity, Gender, ParticipantStatus, Pathway
from events.payloads import Arrest, EventPayload, ReferralMade


class Rejection(Exception):
    """A command the referral's state does not allow; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ReferralState:
    referral_id: UUID | None = None
    site: str | None = None
    pathway: Pathway | None = None
    status: ParticipantStatus | None = None

    @property
    def exists(self) -> bool:
        return self.referral_id is not None


INITIAL = ReferralState()


@dataclass(frozen=True)
class MakeReferral:
    referral_id: UUID
    participant_id: UUID
    is_re_referral: bool
    site: str
    pathway: Pathway
    referred_at: datetime
    referring_agency: str
    gender: Gender | None
    ethnicity: Ethnicity | None
    age_at_referral: int | None
    arrest: Arrest | None


Command = MakeReferral


def decide(command: Command, state: ReferralState, now: datetime) -> list[EventPayload]:
    if state.exists:
        raise Rejection(409, f"referral {command.referral_id} already exists")
    return [
        ReferralMade(
            referral_id=command.referral_id,
            participant_id=command.participant_id,
            site=command.site,
            pathway=command.pathway,
            referred_at=command.referred_at,
            referring_agency=command.referring_agency,
            is_re_referral=command.is_re_referral,
            gender=command.gender,
            ethnicity=command.ethnicity,
            age_at_referral=command.age_at_referral,
            arrest=command.arrest,
        )
    ]


def evolve(state: ReferralState, event: EventPayload) -> ReferralState:
    if isinstance(event, ReferralMade):
        return replace(
            state,
            referral_id=event.referral_id,
            site=event.site,
            pathway=event.pathway,
            status=ParticipantStatus.ACTIVE,
        )
    return state
