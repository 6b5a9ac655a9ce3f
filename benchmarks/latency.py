"""P4: from a referral accepted by intake to the referral visible in reporting, at a steady 20
per second, against the broker's own floor (aiokafka produce with acks=all, to consume)."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.load import Connection
from benchmarks.writes import referral_body

RATE = 20.0
VISIBLE = "SELECT EXISTS (SELECT 1 FROM referrals WHERE referral_id = $1)"


@dataclass(frozen=True)
class Latencies:
    p50_ms: float
    p99_ms: float


def _percentiles(seconds: list[float]) -> Latencies:
    ordered = sorted(s * 1000 for s in seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Latencies(statistics.median(ordered), p99)


async def accepted_to_visible(
    intake_url: str, token: str, reporting_dsn: str, seconds: float
) -> Latencies:
    host, port = intake_url.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    watcher = await asyncpg.connect(reporting_dsn)
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    try:
        for i in range(int(seconds * RATE)):
            due = time.perf_counter() + 1 / RATE
            answer = await connection.post(
                "/referrals", referral_body(run, i), {"Authorization": f"Bearer {token}"}
            )
            accepted = time.perf_counter()
            referral_id = uuid.UUID(answer.body.decode().split('"referral_id":"')[1][:36])
            while not await watcher.fetchval(VISIBLE, referral_id):  # noqa: ASYNC110
                await asyncio.sleep(0.001)  # another process's database: polled
            latencies.append(time.perf_counter() - accepted)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
    finally:
        await connection.close()
        await watcher.close()
    return _percentiles(latencies)


async def produce_to_consume(bootstrap: str, fetch_max_wait_ms: int, seconds: float) -> Latencies:
    topic = f"bench-latency-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_max_wait_ms,
        group_id=topic,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    await consumer.getone()
    latencies: list[float] = []
    try:
        for i in range(int(seconds * RATE)):
            due = time.perf_counter() + 1 / RATE
            sent = time.perf_counter()
            await producer.send_and_wait(topic, str(i).encode())
            await consumer.getone()
            latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
    finally:
        await consumer.stop()
        await producer.stop()
    return _percentiles(latencies)
