"""Every topic the system uses, declared once: name, partitions, retention, cleanup policy.

The local stack (``services.devstack.stack``), the compose job (``lead topics ensure``) and the
Strimzi ``KafkaTopic`` manifests (``lead deploy generate``) all come from ``topic_catalog``.
Replication is the deployment's choice (1 on one machine, 3 on a cluster), not the topic's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from events.topics import (
    ABEYANCE_EVENTS,
    EVALUATION_EVENTS,
    INBOUND_REFERRALS,
    INBOUND_REJECTED,
    OEND_EVENTS,
    REFERRAL_EVENTS,
    REPORTING_FACTS,
    dlq_topic,
    notices_topic,
)

CleanupPolicy = Literal["delete", "compact"]

FOREVER: Final = -1
"""``retention.ms`` of a topic that keeps every message."""
DAY_MS: Final = 86_400_000

EVENT_PARTITIONS: Final = 6
"""Partitions of each event topic and of the inbound topic: the ceiling of consumer replicas."""
EVENT_TOPICS: Final = (REFERRAL_EVENTS, ABEYANCE_EVENTS, OEND_EVENTS, EVALUATION_EVENTS)

PERSONAL_RETENTION_DAYS: Final = 7
"""Inbound submissions carry names and dates of birth in the clear: kept days, not years, since
forgetting a participant (crypto-shredding in intake) cannot reach a copy on these topics."""
NOTICE_RETENTION_DAYS: Final = 90
"""Long enough for a prosecutor's system to be down for weeks and still read every notice."""
DLQ_RETENTION_DAYS: Final = 30


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_days: int | None
    """``None``: kept forever."""
    cleanup_policy: CleanupPolicy
    purpose: str
    personal_data: bool = False
    """Carries names and dates of birth in the clear (never an event topic)."""

    @property
    def retention_ms(self) -> int:
        return FOREVER if self.retention_days is None else self.retention_days * DAY_MS

    def config(self) -> dict[str, str]:
        """The topic-level Kafka configuration, as every deployment sets it."""
        return {"cleanup.policy": self.cleanup_policy, "retention.ms": str(self.retention_ms)}


def _dead_letters(topic: TopicSpec) -> TopicSpec:
    return TopicSpec(
        name=dlq_topic(topic.name),
        partitions=1,
        retention_days=PERSONAL_RETENTION_DAYS if topic.personal_data else DLQ_RETENTION_DAYS,
        cleanup_policy="delete",
        purpose=f"messages from {topic.name} a consumer could not process",
        personal_data=topic.personal_data,
    )


def topic_catalog(prosecutors: Iterable[str]) -> tuple[TopicSpec, ...]:
    """Every topic, with one notices topic per prosecuting agency code in ``prosecutors``."""
    events = [
        TopicSpec(name, EVENT_PARTITIONS, None, "delete", "events, kept forever (the log)")
        for name in EVENT_TOPICS
    ]
    inbound = TopicSpec(
        INBOUND_REFERRALS,
        EVENT_PARTITIONS,
        PERSONAL_RETENTION_DAYS,
        "delete",
        "partners' submissions (names and dates of birth in the clear)",
        personal_data=True,
    )
    rejected = TopicSpec(
        INBOUND_REJECTED,
        1,
        PERSONAL_RETENTION_DAYS,
        "delete",
        "rejected submissions, unchanged, with the reasons",
        personal_data=True,
    )
    facts = TopicSpec(
        REPORTING_FACTS, 3, None, "compact", "de-identified warehouse facts, latest row per key"
    )
    notices = [
        TopicSpec(
            notices_topic(code),
            1,
            NOTICE_RETENTION_DAYS,
            "delete",
            f"notices for prosecuting agency {code} only",
        )
        for code in sorted(set(prosecutors))
    ]
    consumed = [*events, inbound]
    return (
        *consumed,
        *(_dead_letters(t) for t in consumed),
        rejected,
        facts,
        *notices,
    )
