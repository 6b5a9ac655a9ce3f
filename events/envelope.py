"""The envelope every message travels in, and how it goes on the wire (JSON, UTF-8)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import AwareDatetime, Field

from events.common import ContractModel
from events.notice import NOTICE_EVENT_TYPE, Notice
from events.payloads import EventPayload
from events.topics import HEADER_EVENT_ID, HEADER_EVENT_TYPE, HEADER_SCHEMA_VERSION


class Envelope(ContractModel):
    event_id: UUID
    event_type: str = Field(min_length=1)
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    """When it happened in the world; decisions follow this time."""
    recorded_at: AwareDatetime
    """When the producing service recorded it."""
    source: str = Field(min_length=1)
    correlation_id: str | None = None
    causation_id: str | None = None
    subject: str = Field(min_length=1)
    """The aggregate the event belongs to; also the Kafka message key."""
    payload: dict[str, Any]


def new_envelope(
    payload: EventPayload,
    *,
    occurred_at: datetime,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    recorded_at: datetime | None = None,
    event_id: UUID | None = None,
) -> Envelope:
    """Wrap a payload at its current schema version; `recorded_at` defaults to now."""
    return Envelope(
        event_id=uuid4() if event_id is None else event_id,
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        occurred_at=occurred_at,
        recorded_at=datetime.now(UTC) if recorded_at is None else recorded_at,
        source=source,
        correlation_id=correlation_id,
        causation_id=causation_id,
        subject=payload.subject,
        payload=payload.model_dump(mode="json"),
    )


def encode(envelope: Envelope) -> bytes:
    """Compact JSON, UTF-8."""
    return envelope.model_dump_json().encode()


def kafka_headers(envelope: Envelope) -> list[tuple[str, bytes]]:
    return [
        (HEADER_EVENT_TYPE, envelope.event_type.encode()),
        (HEADER_SCHEMA_VERSION, str(envelope.schema_version).encode()),
        (HEADER_EVENT_ID, str(envelope.event_id).encode()),
    ]


def notice_envelope(notice: Notice, *, source: str, causation_id: str | None = None) -> Envelope:
    """A notice travels in the envelope like every message: its ``event_id`` is the notice id
    (so a re-published notice is recognisably the same), its subject the referral."""
    return Envelope(
        event_id=notice.notice_id,
        event_type=NOTICE_EVENT_TYPE,
        schema_version=1,
        occurred_at=notice.issued_at,
        recorded_at=notice.issued_at,
        source=source,
        correlation_id=str(notice.referral_id),
        causation_id=causation_id,
        subject=notice.subject,
        payload=notice.model_dump(mode="json"),
    )
