"""The consumer runner: applies batches of messages exactly once, never skipping one.

For each batch, in **one** database transaction, the runner claims every message (its event id,
or a hash of its bytes for messages that are not events) in ``processed_events``, applies the
new ones in order, dead-letters those that are at fault, and records each partition's position;
the subscriber commits the Kafka offsets only after that transaction committed. A redelivered
or duplicated message finds its claim and changes nothing. A projection that can
(``AppliesBatches``, e.g. reporting's) is given the batch's new events together; should that
fail for anything but a transient fault, the batch is applied again one event at a time, which
finds the message at fault.

Failures follow the fault policy (``services.platform.faults``): a transient fault aborts the
batch and the subscriber retries it from its first message; a message at fault is dead-lettered
(to ``<topic>.dlq``, through the outbox, in the same transaction) and the batch is applied again
without it; a bug is retried a bounded number of times, then dead-lettered with a traceback
summary. Nothing is ever committed past a message that was neither applied nor dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from aiokafka import ConsumerRecord

from events.errors import EventDecodeError
from events.registry import DecodedEvent, decode
from services.platform.db import Connection, Pool
from services.platform.deadletter import DeadLetter, content_claim, dead_letter_message
from services.platform.faults import Fault, classify, summary
from services.platform.logging import get_logger
from services.platform.metrics import CONSUMED, DEAD_LETTERS
from services.platform.outbox import enqueue

log = get_logger(__name__)
PartitionKey = tuple[str, int]
MessageKey = tuple[str, int, int]


@dataclass(frozen=True)
class Source:
    """Where an event was read: the consumer's topic, partition and offset."""

    topic: str
    partition: int
    offset: int


Highwaters = Mapping[PartitionKey, int]
"""Per (topic, partition): the offset after the last message (the partition's end)."""


class Projection(Protocol):
    """A consumer of events. ``apply`` runs inside the runner's transaction."""

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None: ...


@runtime_checkable
class AppliesBatches(Protocol):
    """A projection that applies a batch's new events together (fewer statements).

    If that fails for anything but a transient fault, the runner applies the batch again one
    event at a time (``apply``), to find the message at fault."""

    async def apply_batch(self, conn: Connection, events: Sequence[DecodedEvent]) -> None: ...


@runtime_checkable
class SettlesBatches(Protocol):
    """A projection with work to do once per batch, in the batch's transaction."""

    async def batch_applied(self, conn: Connection) -> None: ...


@runtime_checkable
class RecordConsumer(Protocol):
    """A consumer of messages that are not events (e.g. partners' inbound submissions).

    ``personal``: its messages may carry a person's identity, so their dead letters are
    deleted from the outbox once published."""

    personal: bool

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    async def apply_record(self, conn: Connection, record: ConsumerRecord[Any, Any]) -> str:
        """Handle one message; the outcome's name (for metrics)."""
        ...


Consumer = Projection | RecordConsumer


class Rewound(Exception):
    """An operator asked this consumer to re-read its topics (``lead consumer rewind``)."""


class RetryLater(Exception):
    """A message failed through no fault of its own this time: retry the batch later."""


@dataclass(frozen=True)
class BatchOutcome:
    applied: int
    duplicates: int
    dead_lettered: int


@dataclass(frozen=True)
class _Read:
    record: ConsumerRecord[Any, Any]
    claim_id: UUID | None
    event: DecodedEvent | None = None
    letter: DeadLetter | None = None

    @property
    def key(self) -> MessageKey:
        return (self.record.topic, self.record.partition, self.record.offset)


@dataclass
class _Attempt:
    applied: int = 0
    duplicates: int = 0
    dead: list[_Read] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)


class ProjectionRunner:
    """Runs one consumer (a projection, or a consumer of raw records) under one name."""

    def __init__(
        self, pool: Pool, projection: Consumer, consumer: str, *, max_bug_attempts: int = 5
    ) -> None:
        self._pool = pool
        self.projection = projection
        self.consumer = consumer
        self.generation: int | None = None
        """The rewind generation this process last sought to (None: not read yet)."""
        self._max_bug_attempts = max_bug_attempts
        self._attempts: dict[MessageKey, int] = {}
        self._poisoned: dict[MessageKey, DeadLetter] = {}
        # what the consumer can do, looked up once (a protocol check is slow per message)
        self._records = projection if isinstance(projection, RecordConsumer) else None
        self._events = None if isinstance(projection, RecordConsumer) else projection
        self._together = projection if isinstance(projection, AppliesBatches) else None
        self._settles = projection if isinstance(projection, SettlesBatches) else None

    async def handle_batch(
        self, records: Sequence[ConsumerRecord[Any, Any]], highwaters: Highwaters | None = None
    ) -> BatchOutcome:
        """Apply the batch; raises on a transient fault or a bug to retry (nothing recorded)."""
        reads = [self._read(record) for record in records]
        together = self._together is not None
        while True:
            try:
                attempt = await self._attempt(reads, highwaters or {}, together=together)
            except _Poisoned:
                continue  # the message at fault is dead-lettered in the next attempt
            except _OneByOne as failed:
                log.warning("batch_applied_one_by_one", consumer=self.consumer, error=str(failed))
                together = False
                continue
            break
        self._count(attempt)
        for read in attempt.dead:
            self._poisoned.pop(read.key, None)
            self._attempts.pop(read.key, None)
        return BatchOutcome(attempt.applied, attempt.duplicates, len(attempt.dead))

    def _read(self, record: ConsumerRecord[Any, Any]) -> _Read:
        if self._records is not None:
            return _Read(record, content_claim(record))
        try:
            event = decode(record.value)
        except EventDecodeError as error:
            letter = DeadLetter(error.reason, type(error).__name__, Fault.MESSAGE)
            return _Read(record, content_claim(record), letter=letter)
        return _Read(record, event.envelope.event_id, event)

    async def _attempt(
        self, reads: list[_Read], highwaters: Highwaters, *, together: bool
    ) -> _Attempt:
        attempt = _Attempt()
        applied_together: list[DecodedEvent] = []
        async with self._pool.acquire() as conn, conn.transaction():
            await self._check_rewind(conn)
            fresh = await self._claim(conn, [r for r in reads if self._letter(r) is None])
            for read in reads:
                letter = self._letter(read)
                if letter is not None:
                    if await self._dead_letter(conn, read, letter):
                        attempt.dead.append(read)
                    else:
                        attempt.duplicates += 1
                elif read.claim_id in fresh:
                    fresh.discard(read.claim_id)
                    if together and read.event is not None:
                        applied_together.append(read.event)
                        outcome = "applied"
                    else:
                        outcome = await self._apply(conn, read)
                    attempt.outcomes[outcome] = attempt.outcomes.get(outcome, 0) + 1
                    attempt.applied += 1
                else:
                    attempt.duplicates += 1
            if applied_together:
                await self._apply_together(conn, applied_together)
            await self._record_positions(conn, reads, highwaters)
            if attempt.applied and self._settles is not None:
                await self._settles.batch_applied(conn)
        return attempt

    def _letter(self, read: _Read) -> DeadLetter | None:
        return read.letter or self._poisoned.get(read.key)

    async def _apply(self, conn: Connection, read: _Read) -> str:
        record = read.record
        try:
            if read.event is None:
                assert self._records is not None
                return await self._records.apply_record(conn, record)
            assert self._events is not None
            source = Source(record.topic, record.partition, record.offset)
            await self._events.apply(conn, read.event, source)
            return "applied"
        except Exception as error:
            self._judge(read, error)
            raise  # _judge raises; this satisfies the type checker

    async def _apply_together(self, conn: Connection, events: list[DecodedEvent]) -> None:
        assert self._together is not None
        try:
            await self._together.apply_batch(conn, events)
        except Exception as error:
            if classify(error) is Fault.TRANSIENT:
                raise
            raise _OneByOne(summary(error, 300)) from error

    def _judge(self, read: _Read, error: Exception) -> None:
        """Raise what the subscriber must do about ``error`` raised by one message."""
        fault = classify(error)
        if fault is Fault.TRANSIENT:
            raise error
        if fault is Fault.BUG:
            attempts = self._attempts.get(read.key, 0) + 1
            self._attempts[read.key] = attempts
            if attempts <= self._max_bug_attempts:
                log.error(
                    "consumer_bug",
                    consumer=self.consumer,
                    topic=read.record.topic,
                    partition=read.record.partition,
                    offset=read.record.offset,
                    attempt=attempts,
                    of=self._max_bug_attempts,
                    error=summary(error, 600),
                )
                raise RetryLater(f"attempt {attempts}: {type(error).__name__}") from error
            reason = f"failed {attempts} times: {summary(error)}"
        else:
            reason = str(error) or type(error).__name__
        self._poisoned[read.key] = DeadLetter(reason, type(error).__name__, fault)
        raise _Poisoned from error

    async def _check_rewind(self, conn: Connection) -> None:
        generation: int | None = await conn.fetchval(
            "SELECT generation FROM consumer_rewinds WHERE consumer = $1 FOR SHARE", self.consumer
        )
        if self.generation is None:
            self.generation = generation or 0
        elif generation is not None and generation != self.generation:
            raise Rewound(self.consumer)

    async def _claim(self, conn: Connection, reads: list[_Read]) -> set[UUID]:
        """Claim the messages for this consumer; the claim ids that were not claimed before."""
        if not reads:
            return set()
        rows = await conn.fetch(
            'INSERT INTO processed_events (consumer, event_id, topic, partition, "offset")'
            " SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[])"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            self.consumer,
            [r.claim_id for r in reads],
            [r.record.topic for r in reads],
            [r.record.partition for r in reads],
            [r.record.offset for r in reads],
        )
        return {row["event_id"] for row in rows}

    async def _dead_letter(self, conn: Connection, read: _Read, letter: DeadLetter) -> bool:
        """Claim the message as dead-lettered and queue its dead letter; False for a message
        already claimed (a duplicate of one applied or dead-lettered before)."""
        record = read.record
        claimed = await conn.fetchval(
            'INSERT INTO processed_events (consumer, event_id, topic, partition, "offset",'
            " outcome) VALUES ($1, $2, $3, $4, $5, 'dead_lettered')"
            " ON CONFLICT DO NOTHING RETURNING true",
            self.consumer,
            read.claim_id,
            record.topic,
            record.partition,
            record.offset,
        )
        if not claimed:
            return False
        assert read.claim_id is not None
        personal = bool(getattr(self.projection, "personal", False))
        message = dead_letter_message(
            record, letter, self.consumer, read.claim_id, personal=personal
        )
        await enqueue(conn, [message])
        log.warning(
            "message_dead_lettered",
            consumer=self.consumer,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            fault=letter.fault,
            error_type=letter.error_type,
            reason=letter.reason[:500],
        )
        return True

    async def _record_positions(
        self, conn: Connection, reads: list[_Read], highwaters: Highwaters
    ) -> None:
        """Per partition: the last offset, the latest event times, whether it is caught up."""
        latest: dict[PartitionKey, tuple[int, datetime | None, datetime | None]] = {}
        for read in reads:
            key = (read.record.topic, read.record.partition)
            offset, seen, logged = latest.get(key, (-1, None, None))
            if read.event is not None:
                envelope = read.event.envelope
                seen = max(filter(None, (seen, envelope.occurred_at)))
                logged = max(filter(None, (logged, envelope.recorded_at)))
            latest[key] = (max(offset, read.record.offset), seen, logged)
        await conn.executemany(
            'INSERT INTO consumer_positions (consumer, topic, partition, "offset", event_time,'
            " recorded_time, caught_up) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (consumer, topic, partition) DO UPDATE"
            ' SET "offset" = excluded."offset",'
            " event_time = greatest(consumer_positions.event_time, excluded.event_time),"
            " recorded_time = greatest(consumer_positions.recorded_time, excluded.recorded_time),"
            " caught_up = excluded.caught_up, updated_at = now()",
            [
                (self.consumer, t, p, o, at, logged, o + 1 >= highwaters.get((t, p), o + 1))
                for (t, p), (o, at, logged) in latest.items()
            ],
        )

    def _count(self, attempt: _Attempt) -> None:
        for outcome, n in attempt.outcomes.items():
            CONSUMED.labels(self.consumer, outcome).inc(n)
        CONSUMED.labels(self.consumer, "duplicate").inc(attempt.duplicates)
        CONSUMED.labels(self.consumer, "dead_lettered").inc(len(attempt.dead))
        for read in attempt.dead:
            letter = self._letter(read) or read.letter
            DEAD_LETTERS.labels(self.consumer, letter.fault if letter else Fault.MESSAGE).inc()


class _Poisoned(Exception):
    """A message at fault was found: the batch is attempted again with it dead-lettered."""


class _OneByOne(Exception):
    """Applying the batch's events together failed: attempt it again one event at a time."""
