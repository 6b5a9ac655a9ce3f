"""The local broker and PostgreSQL server that integration tests run against."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.devstack.localinfra import LocalBroker, LocalPostgres, ensure_topics
from tests.conftest import Infra

pytestmark = pytest.mark.integration


async def test_a_keyed_message_with_headers_comes_back_to_a_consumer_group(
    infra: Infra, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("localinfra")
    await ensure_topics(infra.kafka_bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, b"hello", key=b"referral-1", headers=[("event-type", b"ReferralReceived")]
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=f"g-{topic}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        fetch_max_wait_ms=50,
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=20)
    finally:
        await consumer.stop()

    assert (message.key, message.value) == (b"referral-1", b"hello")
    assert list(message.headers) == [("event-type", b"ReferralReceived")]


async def test_a_fresh_database_answers(database: str) -> None:
    connection = await asyncpg.connect(database)
    try:
        assert await connection.fetchval("select 1") == 1
    finally:
        await connection.close()


def test_stopping_the_broker_leaves_no_process() -> None:
    with LocalBroker() as broker:
        pid = broker.pid
        assert pid is not None
    _assert_gone(pid)


def test_stopping_postgres_leaves_no_process() -> None:
    with LocalPostgres() as postgres:
        pid = postgres.pid
        assert pid is not None
    _assert_gone(pid)


def _assert_gone(pid: int, within_s: float = 10.0) -> None:
    """The process no longer exists.

    pg_ctl leaves the postmaster orphaned, so it is reaped by PID 1 (which in some containers
    does so only every few seconds): allow it that long.
    """
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"process {pid} still exists")
