"""Kafka subscriptions for the consumer runner: retry in place, resume where the database says.

The runner applies a batch in one transaction; this adapter gives it the batches and keeps the
Kafka side honest:

- the offsets are committed only after the runner's transaction committed;
- when a batch fails (a transient fault, or a bug still within its retries), each of its
  partitions is sought back to the batch's first message and the batch is retried after a capped
  exponential backoff, without a restart, for as long as the fault lasts;
- when partitions are assigned (a start, a rebalance), each is sought to the position the
  service's own database recorded with the last applied batch (the truth; Kafka's committed
  offset may lag behind it, never run ahead of it);
- ``lead consumer rewind`` bumps the consumer's generation: the runner then refuses the batch in
  hand, and both it and an idle watcher seek every assigned partition to the recorded positions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from services.platform.db import Pool
from services.platform.faults import classify
from services.platform.kafka import consumer_options
from services.platform.logging import get_logger
from services.platform.metrics import CONSUMER_FAILURES, CONSUMER_LAG
from services.platform.projection import Highwaters, PartitionKey, ProjectionRunner, Rewound
from services.platform.settings import Settings

log = get_logger(__name__)


@dataclass
class Backoff:
    """Capped exponential waiting between retries."""

    initial_s: float
    cap_s: float
    _next_s: float = 0.0

    def reset(self) -> None:
        self._next_s = 0.0

    async def pause(self) -> float:
        self._next_s = min(self.cap_s, self._next_s * 2 or self.initial_s)
        await asyncio.sleep(self._next_s)
        return self._next_s


async def recorded_positions(pool: Pool, consumer: str) -> dict[PartitionKey, int]:
    """The last applied offset per partition, as the consumer's transactions recorded it
    (-1 after ``lead consumer rewind``: read the partition from its beginning)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            'SELECT topic, partition, "offset" FROM consumer_positions WHERE consumer = $1',
            consumer,
        )
    return {(r["topic"], r["partition"]): r["offset"] for r in rows}


def seek_to(
    consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition], positions: dict[Any, int]
) -> None:
    """Seek each partition to the message after its recorded position (those never recorded
    keep Kafka's committed offset, or the earliest)."""
    for tp in partitions:
        offset = positions.get((tp.topic, tp.partition))
        if offset is not None:
            consumer.seek(tp, offset + 1)  # 0 after a rewind; out of range resets to earliest


@dataclass
class Subscription:
    """One consumer group of a service: its runner and, once started, its Kafka consumer."""

    runner: ProjectionRunner
    pool: Pool
    settings: Settings
    subscriber: Any = None
    backoff: Backoff = field(init=False)

    def __post_init__(self) -> None:
        self.backoff = Backoff(
            self.settings.consumer_retry_initial_s, self.settings.consumer_retry_max_s
        )

    @property
    def group(self) -> str:
        return self.runner.consumer

    @property
    def kafka(self) -> AIOKafkaConsumer | None:
        return getattr(self.subscriber, "consumer", None)

    async def reseek(self) -> None:
        """Seek every assigned partition to the recorded positions (after a rewind)."""
        kafka = self.kafka
        if kafka is None:
            return
        async with self.pool.acquire() as conn:
            generation = await conn.fetchval(
                "SELECT generation FROM consumer_rewinds WHERE consumer = $1", self.group
            )
        seek_to(kafka, sorted(kafka.assignment()), await recorded_positions(self.pool, self.group))
        self.runner.generation = generation or 0
        log.info("consumer_rewound", consumer=self.group, generation=self.runner.generation)

    async def handle(self, _body: Any, message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        highwaters = _highwaters(message, records)
        try:
            await self.runner.handle_batch(records, highwaters)
        except Rewound:
            await self.reseek()
            return
        except Exception as error:
            await self._retry_later(message, records, error)
            return
        self.backoff.reset()
        _report_lag(self.group, records, highwaters)
        try:
            await message.ack()
        except Exception as error:  # the database holds the truth; the next commit catches up
            log.warning("consumer_commit_failed", consumer=self.group, error=str(error))

    async def _retry_later(
        self, message: KafkaMessage, records: Sequence[ConsumerRecord[Any, Any]], error: Exception
    ) -> None:
        fault = classify(error)
        CONSUMER_FAILURES.labels(self.group, fault).inc()
        with contextlib.suppress(Exception):  # a partition revoked meanwhile is not ours to seek
            await message.nack()  # each partition back to this batch's first message
        waited = await self.backoff.pause()
        log.warning(
            "consumer_batch_failed",
            consumer=self.group,
            fault=fault,
            error_type=type(error).__name__,
            error=str(error)[:500],
            first={f"{r.topic}/{r.partition}": r.offset for r in reversed(records)},
            retried_after_s=waited,
        )


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions assigned: seek them to the positions the database recorded."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        kafka = self._subscription.kafka
        if kafka is None or not assigned:
            return
        try:
            positions = await recorded_positions(self._subscription.pool, self._subscription.group)
        except Exception as error:  # Kafka's committed offsets are never ahead of the database
            log.warning(
                "consumer_positions_unread", consumer=self._subscription.group, error=str(error)
            )
            return
        seek_to(kafka, assigned, positions)


def _highwaters(message: KafkaMessage, records: Sequence[ConsumerRecord[Any, Any]]) -> Highwaters:
    """The end offsets the consumer last saw for the batch's partitions (from fetch responses)."""
    highwater = getattr(getattr(message, "consumer", None), "highwater", None)
    if highwater is None:
        return {}
    ends: dict[PartitionKey, int] = {}
    for record in records:
        end = highwater(TopicPartition(record.topic, record.partition))
        if end is not None:
            ends[(record.topic, record.partition)] = end
    return ends


def _report_lag(
    group: str, records: Sequence[ConsumerRecord[Any, Any]], highwaters: Highwaters
) -> None:
    last: dict[PartitionKey, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        last[key] = max(last.get(key, -1), record.offset)
    for (topic, partition), offset in last.items():
        end = highwaters.get((topic, partition), offset + 1)
        CONSUMER_LAG.labels(group, topic, str(partition)).set(max(0, end - offset - 1))


async def _undecoded(_message: Any) -> None:
    """The runner decodes each record itself, so one bad message cannot fail a batch."""
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


def subscribe(
    broker: KafkaBroker, runner: ProjectionRunner, settings: Settings, pool: Pool
) -> Subscription:
    """Attach the runner to the broker as a batch subscriber of its consumer's topics."""
    subscription = Subscription(runner, pool, settings)
    subscription.subscriber = broker.subscriber(
        *runner.projection.topics,
        group_id=runner.consumer,
        batch=True,
        ack_policy=AckPolicy.MANUAL,
        decoder=_undecoded,
        parser=_parsed_leniently,
        listener=_SeekOnAssign(subscription),
        **consumer_options(settings),
    )
    subscription.subscriber(subscription.handle)
    return subscription


async def watch_rewinds(
    subscriptions: Sequence[Subscription], pool: Pool, interval_s: float, stop: asyncio.Event
) -> None:
    """Let idle consumers notice a rewind too (a busy one notices at its next batch)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        try:
            async with pool.acquire() as conn:
                rows = await conn.fetch("SELECT consumer, generation FROM consumer_rewinds")
            generations = {r["consumer"]: r["generation"] for r in rows}
            for subscription in subscriptions:
                known = subscription.runner.generation
                if known is not None and generations.get(subscription.group, known) != known:
                    await subscription.reseek()
        except Exception as error:
            log.warning("rewind_watch_failed", error=str(error))


async def register_consumers(pool: Pool, groups: Sequence[str]) -> None:
    """Each consumer's rewind row, which every batch locks while it records its positions."""
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO consumer_rewinds (consumer) VALUES ($1) ON CONFLICT DO NOTHING",
            [(g,) for g in groups],
        )
