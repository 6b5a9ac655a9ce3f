"""Abeyance decisions follow event time: a full-speed replay decides as live operation did."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from events.envelope import encode, kafka_headers
from events.registry import decode
from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.app import migrations as abeyance_migrations
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.application.timers import UnitsOfWork
from services.abeyance.application.timers import fire_due_timers as fire_due
from services.abeyance.entrypoints.referral_events import ReferralEventsConsumer
from services.devstack.localinfra import ensure_database, ensure_topics
from services.platform.db import Pool, create_pool, migrate
from services.platform.projection import ProjectionRunner
from services.platform.runtime import platform_migrations
from services.program import default_program
from tests.conftest import Infra
from tests.integration.abeyance_history import Recorded, history
from tests.integration.support import produce, read_topic

pytestmark = pytest.mark.integration
GRACE = timedelta(days=2)
CONSUMER = "tests-abeyance"


@dataclass
class ControlledClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def abeyance_database(infra: Infra) -> str:
    """A fresh database with abeyance's schema; its DSN."""
    dsn = await ensure_database(infra.server_dsn, f"abey_{datetime.now(UTC):%H%M%S%f}")
    pool = await create_pool(dsn)
    await migrate(pool, platform_migrations() + abeyance_migrations())
    await pool.close()
    return dsn


async def abeyance_pool(infra: Infra) -> Pool:
    pool = await create_pool(await abeyance_database(infra))
    await migrate(pool, platform_migrations() + abeyance_migrations())
    return pool


def consumer_of(timing: Timekeeping) -> ReferralEventsConsumer:
    return ReferralEventsConsumer(
        timing,
        default_program(),
        lambda conn: PostgresAbeyanceUnitOfWork(joining=conn, savepoint=False),
    )


def runner_for(pool: Pool, timing: Timekeeping) -> ProjectionRunner:
    return ProjectionRunner(pool, consumer_of(timing), CONSUMER)


def units(pool: Pool) -> UnitsOfWork:
    return lambda: PostgresAbeyanceUnitOfWork(pool)


async def fire_due_timers(pool: Pool, timing: Timekeeping, consumer: str, limit: int = 200) -> int:
    return await fire_due(units(pool), timing, consumer, limit)


async def decisions(pool: Pool) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every abeyance's events, in order, as (event type, payload)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT stream_id, envelope FROM event_store ORDER BY stream_id, version"
        )
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for row in rows:
        event = decode(row["envelope"])
        found.setdefault(row["stream_id"], []).append(
            (event.envelope.event_type, event.envelope.payload)
        )
    return found


async def replay_at_full_speed(infra: Infra, topic: str) -> Pool:
    pool = await abeyance_pool(infra)
    keeper = Timekeeping(GRACE, lambda: datetime.now(UTC))
    runner = runner_for(pool, keeper)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=f"replay-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    try:
        idle = 0
        while idle < 5:
            batches = await consumer.getmany(timeout_ms=300, max_records=40)
            records = [r for batch in batches.values() for r in batch]
            idle = 0 if records else idle + 1
            ends = {
                (r.topic, r.partition): consumer.highwater(TopicPartition(r.topic, r.partition))
                for r in records
            }
            await runner.handle_batch(records, {k: v for k, v in ends.items() if v is not None})
            while await fire_due_timers(pool, keeper, CONSUMER):
                pass
    finally:
        await consumer.stop()
    return pool


async def feed_in_real_time(infra: Infra, records: list[ConsumerRecord[bytes, bytes]]) -> Pool:
    """Live operation with a controllable clock: each event arrives when it was recorded."""
    pool = await abeyance_pool(infra)
    clock = ControlledClock(datetime(2019, 1, 1, tzinfo=UTC))
    keeper = Timekeeping(GRACE, clock)
    runner = runner_for(pool, keeper)
    for record in sorted(records, key=lambda r: decode(r.value).envelope.recorded_at):
        clock.now = decode(record.value).envelope.recorded_at
        while await fire_due_timers(pool, keeper, CONSUMER):
            pass
        await runner.handle_batch([record], {(record.topic, record.partition): record.offset + 1})
    clock.now = datetime.now(UTC)
    while await fire_due_timers(pool, keeper, CONSUMER):
        pass
    return pool


async def test_full_speed_replay_decides_exactly_as_live_operation(
    infra: Infra, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("abeyance-replay")
    await ensure_topics(infra.kafka_bootstrap, [topic])
    events: list[Recorded] = history(300)
    await produce(
        infra.kafka_bootstrap,
        topic,
        [
            (r.envelope.subject.encode(), encode(r.envelope), kafka_headers(r.envelope))
            for r in events
        ],
    )
    records = await read_topic(infra.kafka_bootstrap, topic, expected=len(events))
    assert len(records) == len(events)
    live_pool = await feed_in_real_time(infra, records)
    replay_pool = await replay_at_full_speed(infra, topic)
    live, replay = await decisions(live_pool), await decisions(replay_pool)
    assert len(live) == 300
    diff = {
        k: ([e[0] for e in live[k]], [e[0] for e in replay.get(k, [])])
        for k in live
        if live[k] != replay.get(k)
    }
    assert replay == live, diff
    finals = Counter(types[-1][0] for types in live.values())
    assert finals["ChargesDeclined"] >= 100  # completed in time, and the late-recorded ones
    assert finals["AbeyanceExpired"] >= 100
    assert finals["AbeyanceEnded"] == 50
    rescinded = sum(1 for evs in live.values() if "AbeyanceExpiryRescinded" in dict(evs))
    assert rescinded == 50  # every late-recorded completion rescinded its expiry
    for pool in (live_pool, replay_pool):
        async with pool.acquire() as conn:
            notices = await conn.fetchval("SELECT count(*) FROM notices")
            pending = await conn.fetchval("SELECT count(*) FROM abeyances WHERE state='pending'")
        assert pending == 0
        decided = sum(1 for evs in live.values() if evs[-1][0] != "AbeyanceEnded")
        assert notices == decided + rescinded
        await pool.close()
    await asyncio.sleep(0)
