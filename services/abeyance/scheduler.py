"""The timer scheduler: expires abeyances whose deadline passed, once all input up to then is in.

A timer is due when its referral's partition clock has passed the deadline plus the grace
period. While the consumer is behind, a partition's clock is the latest time up to which it has
consumed that partition's input: the latest ``recorded_at`` it applied there. Once caught up
with the partition's end, the clock is the wall clock. The consumer also fires a partition's
due timers before each event it applies there, whatever the event, and after a start whose
deadline its partition's clock has already passed (``fire_due_in_partition``).
So a full-speed replay interleaves expiries with input exactly where live operation did, and no
unprocessed event could still carry an earlier completion. Completions themselves are always
judged by when they occurred (the decider), so a late-recorded one rescinds an expiry in both.

When the service runs on event time alone (``abeyance_event_time_only``, for simulating history
that was never recorded live), a partition's clock is the latest ``occurred_at`` it applied,
caught up or not, and never the wall clock: a timer fires only between two events of its own
partition, so the decisions depend only on each partition's order, not on how fast partitions
are consumed relative to one another. Whoever feeds the history says when it is complete
(``fire_until``, behind ``POST /timers/fire``): once every published input has been applied,
the timers due by then fire.

Replicas: each timer fires in its own transaction under its referral's advisory lock (taken with
``pg_try_advisory_xact_lock``, the equivalent of ``SKIP LOCKED``) and only while unfired.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from uuid import UUID

from services.abeyance.domain import DeadlineReached
from services.abeyance.keeper import Keeper
from services.abeyance.lag import LagProbe
from services.platform.db import Connection, Pool
from services.platform.kafka import end_offsets
from services.platform.logging import get_logger
from services.platform.settings import Settings

log = get_logger(__name__)

_DUE = """
SELECT referral_id, clock FROM (
  SELECT t.referral_id, t.fire_at,
         CASE WHEN $4 THEN least(p.event_time, $2::timestamptz)
              WHEN p.caught_up THEN $2::timestamptz
              ELSE least(p.recorded_time, $2::timestamptz) END AS clock
    FROM abeyance_timers t
    JOIN consumer_positions p
      ON p.consumer = $1 AND p.topic = t.topic AND p.partition = t.partition
   WHERE t.fired_at IS NULL) due
 WHERE fire_at <= clock
 ORDER BY fire_at
 LIMIT $3
"""


_DUE_IN_PARTITION = """
SELECT referral_id FROM abeyance_timers
 WHERE topic = $1 AND partition = $2 AND fired_at IS NULL AND fire_at <= $3
 ORDER BY fire_at
"""


_DUE_BY = """
SELECT referral_id FROM abeyance_timers
 WHERE fired_at IS NULL AND fire_at <= $1
 ORDER BY fire_at
"""


async def fire_due_timers(pool: Pool, keeper: Keeper, consumer: str, limit: int = 200) -> int:
    """Fire the timers due now; the number fired. Safe to run in several replicas at once:
    a timer another replica (or the consumer) is handling is skipped, one already fired is not
    fired again (each is fired in its own transaction under its referral's lock)."""
    async with pool.acquire() as conn:
        due = await conn.fetch(_DUE, consumer, keeper.clock(), limit, keeper.event_time_only)
        fired = 0
        for row in due:
            async with conn.transaction():
                fired += await _fire(conn, keeper, row["referral_id"], row["clock"], wait=False)
    return fired


async def fire_until(pool: Pool, keeper: Keeper, until: datetime) -> int:
    """Fire every timer due by ``until`` (never later than the wall clock); the number fired.

    For event-time operation, once the history fed so far is complete up to ``until`` and every
    published input has been applied (the caller checks: ``behind_partitions``)."""
    clock = min(until, keeper.clock())
    fired = 0
    async with pool.acquire() as conn:
        for row in await conn.fetch(_DUE_BY, clock):
            async with conn.transaction():
                fired += await _fire(conn, keeper, row["referral_id"], clock, wait=True)
    return fired


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


async def advance_partition_clock(
    conn: Connection, topic: str, partition: int, time: datetime
) -> datetime:
    """The partition's clock once an event with time ``time`` is applied there: never earlier
    than before (a late-recorded event carries an older time)."""
    clock: datetime = await conn.fetchval(
        "INSERT INTO partition_clocks (topic, partition, clock) VALUES ($1, $2, $3)"
        " ON CONFLICT (topic, partition)"
        " DO UPDATE SET clock = greatest(partition_clocks.clock, excluded.clock)"
        " RETURNING clock",
        topic,
        partition,
        time,
    )
    return clock


async def fire_due_in_partition(
    conn: Connection, keeper: Keeper, topic: str, partition: int, clock: datetime
) -> None:
    """Fire the partition's timers its clock has passed (in the consumer's transaction).

    The clock never runs ahead of this service's own wall clock (a producer's clock may)."""
    clock = min(clock, keeper.clock())
    for row in await conn.fetch(_DUE_IN_PARTITION, topic, partition, clock):
        await _fire(conn, keeper, row["referral_id"], clock, wait=True)


async def _fire(
    conn: Connection, keeper: Keeper, referral_id: UUID, clock: datetime, *, wait: bool
) -> int:
    """Fire one timer unless it has fired; locks in the order every path uses: referral, row."""
    lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    locked = await conn.fetchval(f"SELECT {lock}(hashtext($1))::text", str(referral_id))
    if locked == "false":
        return 0  # another replica is deciding this referral right now
    pending = await conn.fetchval(
        "SELECT fired_at IS NULL FROM abeyance_timers WHERE referral_id = $1 FOR UPDATE",
        referral_id,
    )
    if not pending:
        return 0
    await keeper.tell(conn, referral_id, DeadlineReached(clock))
    await conn.execute(
        "UPDATE abeyance_timers SET fired_at = now() WHERE referral_id = $1", referral_id
    )
    return 1


async def run_scheduler(
    pool: Pool,
    keeper: Keeper,
    consumer: str,
    interval_s: float,
    stop: asyncio.Event,
    probe: LagProbe | None = None,
) -> None:
    if probe is not None:
        await probe.start(pool)
    try:
        await _tick_until(stop, pool, keeper, consumer, interval_s, probe)
    finally:
        if probe is not None:
            await probe.stop()


async def _tick_until(
    stop: asyncio.Event,
    pool: Pool,
    keeper: Keeper,
    consumer: str,
    interval_s: float,
    probe: LagProbe | None,
) -> None:
    while not stop.is_set():
        try:
            if probe is not None:
                await probe.refresh(pool)
            while await fire_due_timers(pool, keeper, consumer):
                pass
        except Exception as error:
            log.warning("timer_tick_failed", error=str(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
