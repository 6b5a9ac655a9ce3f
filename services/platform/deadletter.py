"""Dead letters: the original message, unchanged, with why a consumer could not apply it.

A dead letter is written to the consumer's outbox in the transaction that records the
consumer's progress, so it is published exactly once per message (and never lost), like every
message the service sends. Its key and value are the original bytes; headers say why
(``lead-error``), which fault it was (``lead-error-type``, ``lead-fault``), which consumer, where
the original was, and the id under which the consumer claimed it (``lead-claim-id``, which
``lead dlq replay`` releases).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from aiokafka import ConsumerRecord

from events.topics import (
    HEADER_ERROR,
    HEADER_ORIGINAL_OFFSET,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_TOPIC,
    dlq_topic,
)
from services.platform.faults import Fault
from services.platform.kafka import OutgoingMessage

HEADER_ERROR_TYPE = f"{HEADER_ERROR}-type"
HEADER_FAULT = "lead-fault"
HEADER_CONSUMER = "lead-consumer"
HEADER_CLAIM_ID = "lead-claim-id"
_CONTENT_NAMESPACE = UUID("0f3c2a9e-6f61-4c55-9d3e-2c1b7a4e5d10")
"""The uuid5 namespace of claims on messages that carry no event id (never change it)."""


@dataclass(frozen=True)
class DeadLetter:
    """Why one message is dead-lettered."""

    reason: str
    error_type: str
    fault: Fault


def content_claim(record: ConsumerRecord[Any, Any]) -> UUID:
    """The claim id of a message that carries no event id: a hash of its key and value, so the
    same bytes redelivered (or re-read by a rewind) are recognised."""
    digest = hashlib.sha256()
    for part in (record.key, record.value):
        data = part if isinstance(part, bytes) else b""
        digest.update(len(data).to_bytes(8, "big") + data)
    return uuid5(_CONTENT_NAMESPACE, digest.hexdigest())


def original_headers(record: ConsumerRecord[Any, Any]) -> list[tuple[str, bytes]]:
    """The message's own headers, without those a dead letter or rejection adds."""
    return [(k, v) for k, v in (record.headers or ()) if not k.startswith("lead-")]


def where_from(record: ConsumerRecord[Any, Any]) -> list[tuple[str, bytes]]:
    return [
        (HEADER_ORIGINAL_TOPIC, record.topic.encode()),
        (HEADER_ORIGINAL_PARTITION, str(record.partition).encode()),
        (HEADER_ORIGINAL_OFFSET, str(record.offset).encode()),
    ]


def dead_letter_message(
    record: ConsumerRecord[Any, Any],
    letter: DeadLetter,
    consumer: str,
    claim_id: UUID,
    *,
    personal: bool = False,
) -> OutgoingMessage:
    headers = [
        *original_headers(record),
        (HEADER_ERROR, letter.reason.encode()),
        (HEADER_ERROR_TYPE, letter.error_type.encode()),
        (HEADER_FAULT, letter.fault.value.encode()),
        (HEADER_CONSUMER, consumer.encode()),
        (HEADER_CLAIM_ID, str(claim_id).encode()),
        *where_from(record),
    ]
    key = record.key if isinstance(record.key, bytes) else None
    value = record.value if isinstance(record.value, bytes) else b""
    return OutgoingMessage(dlq_topic(record.topic), key, value, tuple(headers), personal)
