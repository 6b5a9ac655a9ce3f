"""The projection runner: idempotent, redelivery-safe consumers with a dead-letter queue.

A consumer reads batches with manual commit. For each batch it applies every new event and
records the event id (and the partition offset) in **one** database transaction, then commits the
Kafka offsets. A redelivery or a duplicate finds its event id already recorded and changes
nothing. A message that cannot be decoded, or whose event the projection refuses, goes to
``<topic>.dlq`` with the reason in headers; the consumer carries on with the next one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from aiokafka import ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from events.errors import EventDecodeError
from events.registry import DecodedEvent, decode
from events.topics import (
    HEADER_ERROR,
    HEADER_ORIGINAL_OFFSET,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_TOPIC,
    dlq_topic,
)
from services.platform.db import Connection, Pool
from services.platform.kafka import OutgoingMessage, Publisher, consumer_options
from services.platform.logging import get_logger
from services.platform.metrics import CONSUMED
from services.platform.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Source:
    """Where an event was read: the consumer's topic, partition and offset."""

    topic: str
    partition: int
    offset: int


Highwaters = Mapping[tuple[str, int], int]
"""Per (topic, partition): the offset after the last message (the partition's end)."""


class Projection(Protocol):
    """A read model fed by events. ``apply`` runs inside the runner's transaction."""

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None: ...


@runtime_checkable
class SettlesBatches(Protocol):
    """A projection with work to do once per batch, in the batch's transaction."""

    async def batch_applied(self, conn: Connection) -> None: ...


@dataclass(frozen=True)
class Rejected:
    record: ConsumerRecord[Any, Any]
    reason: str
    error_type: str


@dataclass(frozen=True)
class BatchOutcome:
    applied: int
    duplicates: int
    rejected: list[Rejected]


def dead_letter(rejected: Rejected, consumer: str) -> OutgoingMessage:
    """The original message, unchanged, with why it could not be processed."""
    record = rejected.record
    headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith(HEADER_ERROR)]
    headers += [
        (HEADER_ERROR, rejected.reason.encode()),
        (f"{HEADER_ERROR}-type", rejected.error_type.encode()),
        ("lead-consumer", consumer.encode()),
        (HEADER_ORIGINAL_TOPIC, record.topic.encode()),
        (HEADER_ORIGINAL_PARTITION, str(record.partition).encode()),
        (HEADER_ORIGINAL_OFFSET, str(record.offset).encode()),
    ]
    key = record.key.decode(errors="replace") if isinstance(record.key, bytes) else ""
    value = record.value if isinstance(record.value, bytes) else b""
    return OutgoingMessage(dlq_topic(record.topic), key, value, tuple(headers))


class ProjectionRunner:
    def __init__(self, pool: Pool, projection: Projection, dlq: Publisher, consumer: str) -> None:
        self._pool = pool
        self.projection = projection
        self._dlq = dlq
        self.consumer = consumer

    async def handle_batch(
        self, records: Sequence[ConsumerRecord[Any, Any]], highwaters: Highwaters | None = None
    ) -> BatchOutcome:
        decoded: list[tuple[ConsumerRecord[Any, Any], DecodedEvent]] = []
        rejected: list[Rejected] = []
        for record in records:
            try:
                decoded.append((record, decode(record.value)))
            except EventDecodeError as error:
                rejected.append(Rejected(record, error.reason, type(error).__name__))
        applied, duplicates = await self._apply_all(decoded, rejected, highwaters or {})
        if rejected:
            await self._dlq.publish_many([dead_letter(r, self.consumer) for r in rejected])
            for r in rejected:
                log.warning(
                    "message_dead_lettered",
                    consumer=self.consumer,
                    topic=r.record.topic,
                    offset=r.record.offset,
                    reason=r.reason,
                )
        CONSUMED.labels(self.consumer, "applied").inc(applied)
        CONSUMED.labels(self.consumer, "duplicate").inc(duplicates)
        CONSUMED.labels(self.consumer, "dead_lettered").inc(len(rejected))
        return BatchOutcome(applied, duplicates, rejected)

    async def _apply_all(
        self,
        decoded: list[tuple[ConsumerRecord[Any, Any], DecodedEvent]],
        rejected: list[Rejected],
        highwaters: Highwaters,
    ) -> tuple[int, int]:
        applied = duplicates = 0
        async with self._pool.acquire() as conn, conn.transaction():
            for record, event in decoded:
                try:
                    async with conn.transaction():  # a savepoint: one bad event spoils nothing
                        if await self._claim(conn, record, event):
                            source = Source(record.topic, record.partition, record.offset)
                            await self.projection.apply(conn, event, source)
                            applied += 1
                        else:
                            duplicates += 1
                except Exception as error:
                    rejected.append(Rejected(record, str(error), type(error).__name__))
            await self._record_positions(conn, decoded, highwaters)
            if applied and isinstance(self.projection, SettlesBatches):
                await self.projection.batch_applied(conn)
        return applied, duplicates

    async def _claim(
        self, conn: Connection, record: ConsumerRecord[Any, Any], event: DecodedEvent
    ) -> bool:
        claimed = await conn.fetchval(
            'INSERT INTO processed_events (consumer, event_id, topic, partition, "offset")'
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
            self.consumer,
            event.envelope.event_id,
            record.topic,
            record.partition,
            record.offset,
        )
        return bool(claimed)

    async def _record_positions(
        self,
        conn: Connection,
        decoded: list[tuple[ConsumerRecord[Any, Any], DecodedEvent]],
        highwaters: Highwaters,
    ) -> None:
        """Per partition: the last offset, the latest event times, whether it is caught up."""
        latest: dict[tuple[str, int], tuple[int, datetime, datetime]] = {}
        for record, event in decoded:
            key = (record.topic, record.partition)
            occurred, recorded = event.envelope.occurred_at, event.envelope.recorded_at
            offset, seen, logged = latest.get(key, (-1, occurred, recorded))
            latest[key] = (max(offset, record.offset), max(seen, occurred), max(logged, recorded))
        await conn.executemany(
            'INSERT INTO consumer_positions (consumer, topic, partition, "offset", event_time,'
            " recorded_time, caught_up) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (consumer, topic, partition) DO UPDATE"
            ' SET "offset" = greatest(consumer_positions."offset", excluded."offset"),'
            " event_time = greatest(consumer_positions.event_time, excluded.event_time),"
            " recorded_time = greatest(consumer_positions.recorded_time, excluded.recorded_time),"
            " caught_up = excluded.caught_up, updated_at = now()",
            [
                (self.consumer, t, p, o, at, logged, o + 1 >= highwaters.get((t, p), o + 1))
                for (t, p), (o, at, logged) in latest.items()
            ],
        )


async def _undecoded(_message: Any) -> None:
    """The handler decodes each record itself, so one bad message cannot fail a batch."""
    return None


async def _parsed_leniently(
    records: tuple[ConsumerRecord[Any, Any], ...],
    original: Callable[[tuple[ConsumerRecord[Any, Any], ...]], Awaitable[Any]],
) -> Any:
    """faststream's own parsing, which reads every header as UTF-8; when one is not, the same
    parsing on copies whose headers are made readable, while the handler still gets the records
    as they came (a partner's binary header must neither stop the consumer nor be altered in a
    dead-letter or rejected copy)."""
    try:
        return await original(records)
    except UnicodeDecodeError:  # rare: copy the batch only then
        readable = tuple(
            replace(r, headers=[(k, v.decode(errors="replace").encode()) for k, v in r.headers])
            for r in records
        )
        message = await original(readable)
        message.raw_message = records
        return message


def _highwaters(message: KafkaMessage, records: Sequence[ConsumerRecord[Any, Any]]) -> Highwaters:
    """The end offsets the consumer last saw for the batch's partitions (from fetch responses)."""
    consumer = getattr(message, "consumer", None)
    highwater = getattr(consumer, "highwater", None)
    if highwater is None:
        return {}
    ends: dict[tuple[str, int], int] = {}
    for record in records:
        end = highwater(TopicPartition(record.topic, record.partition))
        if end is not None:
            ends[(record.topic, record.partition)] = end
    return ends


class BatchConsumer(Protocol):
    """A consumer of raw records that keeps its own exactly-once bookkeeping."""

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    async def handle_batch(
        self, records: Sequence[ConsumerRecord[Any, Any]], highwaters: Highwaters
    ) -> None: ...


BatchHandler = Callable[[Sequence[ConsumerRecord[Any, Any]], Highwaters], Awaitable[object]]


def subscribe_batches(
    broker: KafkaBroker,
    topics: Sequence[str],
    group_id: str,
    settings: Settings,
    handle_batch: BatchHandler,
) -> None:
    """A batch subscriber with manual commit: offsets are committed once the handler returned."""

    async def handle(_body: Any, message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        await handle_batch(records, _highwaters(message, records))
        await message.ack()

    broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        ack_policy=AckPolicy.MANUAL,
        decoder=_undecoded,
        parser=_parsed_leniently,
        **consumer_options(settings),
    )(handle)


def subscribe(broker: KafkaBroker, runner: ProjectionRunner, settings: Settings) -> None:
    """Attach the runner to the broker as a batch subscriber of its projection's topics."""
    subscribe_batches(
        broker, runner.projection.topics, runner.consumer, settings, runner.handle_batch
    )
