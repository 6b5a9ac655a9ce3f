"""P5: one scheduler tick with nothing due, at 1k, 10k and 100k pending timers: its cost must
follow the due timers, not the pending ones."""

from __future__ import annotations

import time
from datetime import timedelta

import asyncpg

from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.application.timers import fire_due_timers
from services.abeyance.entrypoints.referral_events import CONSUMER
from services.platform.db import create_pool

TOPIC = "lead.referral.events"
PARTITIONS = 6
TICKS = 60


async def pending_timers(dsn: str, n: int) -> None:
    """``n`` pending timers, due in a year, spread over the partitions (positions caught up)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE abeyance_timers")
        await conn.execute(
            "INSERT INTO abeyance_timers (referral_id, topic, partition, fire_at)"
            " SELECT gen_random_uuid(), $1, i % $2,"
            "        now() + interval '365 days' + i * interval '1 s'"
            " FROM generate_series(1, $3) AS i",
            TOPIC,
            PARTITIONS,
            n,
        )
        await conn.executemany(
            'INSERT INTO consumer_positions (consumer, topic, partition, "offset", event_time,'
            " recorded_time, caught_up) VALUES ($1, $2, $3, 0, now(), now(), true)"
            " ON CONFLICT (consumer, topic, partition) DO UPDATE SET caught_up = true",
            [(CONSUMER, TOPIC, p) for p in range(PARTITIONS)],
        )
        await conn.execute("ANALYZE abeyance_timers")
    finally:
        await conn.close()


async def tick_ms(dsn: str) -> float:
    """The median duration of a scheduler tick that finds nothing due, in milliseconds."""
    pool = await create_pool(dsn, max_size=2)
    timing = Timekeeping(timedelta(minutes=15))
    durations = []
    try:
        for _ in range(TICKS):
            started = time.perf_counter()
            fired = await fire_due_timers(
                lambda: PostgresAbeyanceUnitOfWork(pool), timing, CONSUMER
            )
            durations.append(time.perf_counter() - started)
            assert fired == 0
    finally:
        await pool.close()
    durations.sort()
    return durations[len(durations) // 2] * 1000
