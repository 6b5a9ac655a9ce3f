"""``lead reporting rebuild``: drop the reporting projection and rebuild it from the log.

The projection's tables are emptied in one transaction (the registry of event positions is
kept, so every event gets its position back), then every topic is read again from the
earliest offset (a consumer of its own, no group) and applied through the same projection runner
as live operation, claiming events under the live consumer's name. A live reporting service may
keep running: whichever of the two applies an event first claims it, the other skips it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.platform.db import Pool
from services.platform.kafka import KafkaPublisher, topic_partitions
from services.platform.projection import ProjectionRunner
from services.platform.settings import Settings
from services.reporting.projection import TOPICS, ReportingProjection

CONSUMER = "lead-reporting-reports"
TABLES = (
    "referrals",
    "referral_statuses",
    "demographic_reports",
    "naloxone_distributions",
    "naloxone_uses",
    "abeyances",
    "abeyance_states",
    "cohort_members",
    "justice_contacts",
    "probation_spells",
)
"""The projection's tables. ``event_positions`` is not one of them: a rebuilt projection gives
every event the position it had, so reports as of a position read the same after a rebuild."""
Progress = Callable[[int, int], None]
"""Called with (messages read, messages known to exist so far)."""


@dataclass(frozen=True)
class Rebuilt:
    read: int
    applied: int
    position: int


async def drop_projection(pool: Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(TABLES)}")
        await conn.execute("UPDATE projection_position SET position = 0")
        await conn.execute("DELETE FROM processed_events WHERE consumer = $1", CONSUMER)
        await conn.execute("DELETE FROM consumer_positions WHERE consumer = $1", CONSUMER)


async def rebuild(settings: Settings, pool: Pool, progress: Progress | None = None) -> Rebuilt:
    await drop_projection(pool)
    publisher = KafkaPublisher(settings, "lead-reporting-rebuild")  # for dead letters
    await publisher.start()
    projection = ReportingProjection(event_time=settings.reporting_event_time_only)
    runner = ProjectionRunner(pool, projection, publisher, CONSUMER)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )
    await consumer.start()
    read = applied = 0
    try:
        partitions = topic_partitions(consumer, TOPICS)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        idle = 0
        while idle < 3 or not await _at_end(consumer, partitions):
            batches = await consumer.getmany(timeout_ms=300, max_records=1000)
            records = [r for batch in batches.values() for r in batch]
            idle = 0 if records else idle + 1
            if not records:
                continue
            ends = {
                (tp.topic, tp.partition): end
                for tp in partitions
                if (end := consumer.highwater(tp)) is not None
            }
            outcome = await runner.handle_batch(records, ends)
            read += len(records)
            applied += outcome.applied
            if progress:
                progress(read, max(read, sum(ends.values())))
    finally:
        await consumer.stop()
        await publisher.stop()
    async with pool.acquire() as conn:
        position: int = await conn.fetchval("SELECT position FROM projection_position")
    return Rebuilt(read, applied, position)


async def _at_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> bool:
    for tp in partitions:
        end = consumer.highwater(tp)
        if end is not None and await consumer.position(tp) < end:
            return False
    return True
