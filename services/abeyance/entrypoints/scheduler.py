"""The timer scheduler: a background loop that fires the timers due (``application.timers``),
and, for event-time operation, what says whether every published input has been applied."""

from __future__ import annotations

import asyncio
import contextlib

from services.abeyance.adapters.lag_probe import LagProbe
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.application.timers import UnitsOfWork, fire_due_timers
from services.platform.db import Pool
from services.platform.kafka import end_offsets
from services.platform.logging import get_logger
from services.platform.settings import Settings

log = get_logger(__name__)


async def behind_partitions(
    pool: Pool, kafka: str | Settings, topic: str, consumer: str
) -> list[tuple[int, int, int]]:
    """Partitions of ``topic`` whose end (asked of the broker now) ``consumer`` has not applied:
    ``(partition, applied, end)``, ``applied`` being the number of messages applied there."""
    ends = await end_offsets(kafka, [topic])
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            'SELECT partition, "offset" FROM consumer_positions WHERE consumer = $1 AND topic = $2',
            consumer,
            topic,
        )
    applied = {row["partition"]: row["offset"] + 1 for row in rows}
    return [
        (partition, applied.get(partition, 0), end)
        for (_, partition), end in sorted(ends.items())
        if applied.get(partition, 0) < end
    ]


async def run_scheduler(
    pool: Pool,
    unit_of_work: UnitsOfWork,
    timing: Timekeeping,
    consumer: str,
    interval_s: float,
    stop: asyncio.Event,
    probe: LagProbe | None = None,
) -> None:
    """Fire due timers every ``interval_s`` until ``stop``; a fault is logged and retried at
    the next tick (nothing is lost: timers live in the database)."""
    if probe is not None:
        await probe.start(pool)
    try:
        while not stop.is_set():
            try:
                if probe is not None:
                    await probe.refresh(pool)
                while await fire_due_timers(unit_of_work, timing, consumer):
                    pass
            except Exception as error:
                log.warning("timer_tick_failed", error_type=type(error).__name__, error=str(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
    finally:
        if probe is not None:
            await probe.stop()
