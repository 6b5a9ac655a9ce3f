"""Shared helpers for integration tests: real pools, real consumers, a recording projection."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from events.envelope import Envelope, new_envelope
from events.payloads import AssessmentCompleted
from events.registry import DecodedEvent
from services.platform.consuming import (
    Subscription,
    register_consumers,
    subscribe,
    watch_rewinds,
)
from services.platform.db import Connection, Pool, create_pool, migrate
from services.platform.kafka import KafkaPublisher, make_broker
from services.platform.outbox import OutboxRelay
from services.platform.projection import Projection, ProjectionRunner, Source
from services.platform.runtime import platform_migrations
from services.platform.settings import Settings

RECORDING_TABLE = "CREATE TABLE IF NOT EXISTS seen (event_id uuid PRIMARY KEY, subject text)"


async def platform_pool(dsn: str) -> Pool:
    pool = await create_pool(dsn)
    await migrate(pool, platform_migrations())
    async with pool.acquire() as conn:
        await conn.execute(RECORDING_TABLE)
    return pool


class RecordingProjection:
    """Writes each applied event to ``seen``; a second insert of one event would fail loudly."""

    name = "recording"

    def __init__(self, *topics: str) -> None:
        self._topics = topics

    @property
    def topics(self) -> tuple[str, ...]:
        return self._topics

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        await conn.execute(
            "INSERT INTO seen (event_id, subject) VALUES ($1, $2)",
            event.envelope.event_id,
            event.envelope.subject,
        )


def assessment(referral_id: UUID | None = None) -> Envelope:
    """A valid event of the contract, for platform tests that need any event."""
    now = datetime.now(UTC)
    payload = AssessmentCompleted(
        referral_id=referral_id or uuid4(), completed_at=now, case_manager_agency="hopics"
    )
    return new_envelope(payload, occurred_at=now, source="tests")


async def seen_ids(pool: Pool) -> list[UUID]:
    async with pool.acquire() as conn:
        return [r["event_id"] for r in await conn.fetch("SELECT event_id FROM seen")]


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value, headers in messages:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str, topic: str, expected: int, timeout_s: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` (no group), once at least ``expected`` have arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", fetch_max_wait_ms=50
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


@contextlib.asynccontextmanager
async def consuming(
    settings: Settings, pool: Pool, consumer: Projection, name: str
) -> AsyncIterator[Subscription]:
    """A consumer running as in a service: subscribed, with its outbox relay (dead letters)
    and its rewind watcher; stopped on exit."""
    broker = make_broker(settings)
    runner = ProjectionRunner(
        pool, consumer, name, max_bug_attempts=settings.consumer_max_bug_attempts
    )
    await register_consumers(pool, [name])
    subscription = subscribe(broker, runner, settings, pool)
    publisher = KafkaPublisher(settings, "tests")
    await publisher.start()
    stop = asyncio.Event()
    relay = OutboxRelay(pool, publisher, poll_interval_s=0.05)
    tasks = [
        asyncio.create_task(relay.run(stop)),
        asyncio.create_task(watch_rewinds([subscription], pool, settings.rewind_poll_s, stop)),
    ]
    await broker.start()
    try:
        yield subscription
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await broker.stop()
        await publisher.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)
