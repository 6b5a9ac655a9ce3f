"""P3: ``lead reporting rebuild`` against the raw consumer (aiokafka ``getmany`` + JSON +
pydantic validation of the same topics), and the services' memory as the log grows."""

from __future__ import annotations

import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from events.registry import decode
from services.platform.db import create_pool
from services.platform.kafka import at_end, topic_partitions
from services.platform.settings import Settings
from services.reporting.projection import TOPICS
from services.reporting.rebuild import rebuild


async def rebuild_rate(settings: Settings) -> tuple[float, int]:
    """Events per second of a full rebuild of the reporting projection, and events read."""
    pool = await create_pool(settings.database_url_for("reporting"))
    try:
        started = time.perf_counter()
        done = await rebuild(settings, pool)
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return done.read / elapsed, done.read


async def raw_consumer_rate(bootstrap: str) -> tuple[float, int]:
    """Events per second read, parsed and validated from the same topics by a bare consumer."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    read = 0
    try:
        partitions = topic_partitions(consumer, TOPICS)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        started = time.perf_counter()
        while not await at_end(consumer, partitions):
            batches = await consumer.getmany(timeout_ms=300, max_records=1000)
            records = [r for batch in batches.values() for r in batch]
            for record in records:
                decode(record.value)
            read += len(records)
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    return read / elapsed, read


def resident_mib(pid: int | None) -> float:
    """The process's resident set, in MiB (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
