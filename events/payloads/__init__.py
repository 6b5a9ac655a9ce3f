"""One pydantic model per event of the contract (events.md), grouped by producer."""

from events.payloads.abeyance import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
)
from events.payloads.base import EventPayload
from events.payloads.evaluation import (
    CohortMemberEnrolled,
    JusticeContactRecorded,
    ProbationSpellRecorded,
)
from events.payloads.oend import NaloxoneDistributed, NaloxoneUseReported
from events.payloads.referral import (
    Arrest,
    AssessmentCompleted,
    CarePlanCompleted,
    DemographicsRecorded,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ReferralMade,
)

PAYLOAD_TYPES: tuple[type[EventPayload], ...] = (
    ReferralMade,
    AssessmentCompleted,
    CarePlanCompleted,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    DemographicsRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    CohortMemberEnrolled,
    JusticeContactRecorded,
    ProbationSpellRecorded,
    AbeyanceStarted,
    ChargesDeclined,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceEnded,
)
"""Every event type of the contract, in the order events.md lists them."""

__all__ = [
    "PAYLOAD_TYPES",
    "AbeyanceEnded",
    "AbeyanceExpired",
    "AbeyanceExpiryRescinded",
    "AbeyanceStarted",
    "Arrest",
    "AssessmentCompleted",
    "CarePlanCompleted",
    "ChargesDeclined",
    "CohortMemberEnrolled",
    "DemographicsRecorded",
    "EventPayload",
    "JusticeContactRecorded",
    "NaloxoneDistributed",
    "NaloxoneUseReported",
    "ParticipantStatusChanged",
    "ParticipantWithdrew",
    "ProbationSpellRecorded",
    "ReferralMade",
]
