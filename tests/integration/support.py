"""Shared helpers for integration tests: real pools, real consumers, a recording projection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from events.envelope import Envelope, new_envelope
from events.payloads import AssessmentCompleted
from events.registry import DecodedEvent
from services.platform.db import Connection, Pool, create_pool, migrate
from services.platform.projection import Source
from services.platform.runtime import platform_migrations

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


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)
