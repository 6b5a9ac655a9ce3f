"""Kafka topic and header names, and which topic carries which event type (see events.md)."""

from collections.abc import Mapping
from typing import Final

INBOUND_REFERRALS: Final = "lead.inbound.referrals"
INBOUND_REJECTED: Final = "lead.inbound.rejected"
REFERRAL_EVENTS: Final = "lead.referral.events"
ABEYANCE_EVENTS: Final = "lead.abeyance.events"
OEND_EVENTS: Final = "lead.oend.events"
EVALUATION_EVENTS: Final = "lead.evaluation.events"
REPORTING_FACTS: Final = "lead.reporting.facts"

NOTICES_PREFIX: Final = "lead.notices."
DLQ_SUFFIX: Final = ".dlq"

HEADER_EVENT_TYPE: Final = "event_type"
HEADER_SCHEMA_VERSION: Final = "schema_version"
HEADER_EVENT_ID: Final = "event_id"
HEADER_REJECTION: Final = "lead-rejection"
"""On `lead.inbound.rejected`: the reasons as JSON, a list of {field, message}."""
HEADER_ERROR: Final = "lead-error"
"""On a `.dlq` topic: why the consumer could not process the message."""
HEADER_ORIGINAL_TOPIC: Final = "lead-original-topic"
HEADER_ORIGINAL_PARTITION: Final = "lead-original-partition"
HEADER_ORIGINAL_OFFSET: Final = "lead-original-offset"

EVENTS_BY_TOPIC: Final[Mapping[str, tuple[str, ...]]] = {
    REFERRAL_EVENTS: (
        "ReferralMade",
        "AssessmentCompleted",
        "CarePlanCompleted",
        "ParticipantStatusChanged",
        "ParticipantWithdrew",
        "DemographicsRecorded",
    ),
    ABEYANCE_EVENTS: (
        "AbeyanceStarted",
        "ChargesDeclined",
        "AbeyanceExpired",
        "AbeyanceExpiryRescinded",
        "AbeyanceEnded",
    ),
    OEND_EVENTS: ("NaloxoneDistributed", "NaloxoneUseReported"),
    EVALUATION_EVENTS: (
        "CohortMemberEnrolled",
        "JusticeContactRecorded",
        "ProbationSpellRecorded",
    ),
}

TOPIC_BY_EVENT_TYPE: Final[Mapping[str, str]] = {
    event_type: topic
    for topic, event_types in EVENTS_BY_TOPIC.items()
    for event_type in event_types
}


def topic_for_event(event_type: str) -> str:
    """The topic an event type is published on; KeyError for a type outside the contract."""
    return TOPIC_BY_EVENT_TYPE[event_type]


def notices_topic(agency_code: str) -> str:
    """The topic that only this prosecuting agency may read."""
    return f"{NOTICES_PREFIX}{agency_code}"


def dlq_topic(topic: str) -> str:
    """Where a consumer of `topic` puts the messages it could not process."""
    return f"{topic}{DLQ_SUFFIX}"
