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
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from services.platform.consuming import Backoff
from services.platform.db import Pool
from services.platform.faults import Fault, classify
from services.platform.kafka import KafkaPublisher, at_end, kafka_client_options, topic_partitions
from services.platform.logging import get_logger
from services.platform.outbox import OutboxRelay
from services.platform.projection import BatchOutcome, Highwaters, ProjectionRunner
from services.platform.settings import Settings
from services.reporting.projection import TOPICS, ReportingProjection

log = get_logger(__name__)
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
        # dead letters stay claimed: a rebuild equals live operation (replay them after a fix)
        await conn.execute(
            "DELETE FROM processed_events WHERE consumer = $1 AND outcome = 'applied'", CONSUMER
        )
        await conn.execute("DELETE FROM consumer_positions WHERE consumer = $1", CONSUMER)


async def rebuild(settings: Settings, pool: Pool, progress: Progress | None = None) -> Rebuilt:
    await drop_projection(pool)
    projection = ReportingProjection(event_time=settings.reporting_event_time_only)
    runner = ProjectionRunner(pool, projection, CONSUMER)
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )
    await consumer.start()
    read = applied = 0
    backoff = Backoff(settings.consumer_retry_initial_s, settings.consumer_retry_max_s)
    try:
        partitions = topic_partitions(consumer, TOPICS)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while not await at_end(consumer, partitions):  # every partition's end, as fetched
            batches = await consumer.getmany(timeout_ms=300, max_records=5000)
            records = [r for batch in batches.values() for r in batch]
            if not records:
                continue
            ends = {
                (tp.topic, tp.partition): end
                for tp in partitions
                if (end := consumer.highwater(tp)) is not None
            }
            outcome = await _applied(runner, records, ends, backoff)
            read += len(records)
            applied += outcome.applied
            if progress:
                progress(read, max(read, sum(ends.values())))
    finally:
        await consumer.stop()
    await _publish_dead_letters(settings, pool)
    async with pool.acquire() as conn:
        position: int = await conn.fetchval("SELECT position FROM projection_position")
    return Rebuilt(read, applied, position)


async def _applied(
    runner: ProjectionRunner,
    records: list[ConsumerRecord[Any, Any]],
    ends: Highwaters,
    backoff: Backoff,
) -> BatchOutcome:
    """The batch applied, retried in place for as long as a fault lasts (fault policy)."""
    while True:
        try:
            outcome = await runner.handle_batch(records, ends)
        except Exception as error:
            if classify(error) is Fault.MESSAGE:  # never raised by the runner; be safe anyway
                raise
            waited = await backoff.pause()
            log.warning("rebuild_batch_failed", error=str(error)[:500], retried_after_s=waited)
            continue
        backoff.reset()
        return outcome


async def _publish_dead_letters(settings: Settings, pool: Pool) -> None:
    """Dead letters of the rebuild wait in the outbox: publish them now (a live service's relay
    would too; its lock keeps the two from publishing at once)."""
    publisher = KafkaPublisher(settings, "lead-reporting-rebuild")
    await publisher.start()
    try:
        relay = OutboxRelay(pool, publisher, batch_size=settings.outbox_batch_size)
        while await relay.publish_pending():
            pass
    finally:
        await publisher.stop()
