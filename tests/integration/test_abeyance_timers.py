"""Timers fire once across replicas; duplicated and out-of-order input decides nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from events.envelope import encode, new_envelope
from events.payloads import AssessmentCompleted
from events.registry import decode
from services.abeyance.application.decisions import Timekeeping
from services.platform.db import create_pool
from tests.conftest import Infra
from tests.integration.abeyance_history import Recorded, history
from tests.integration.test_abeyance_replay import (
    CONSUMER,
    GRACE,
    abeyance_database,
    abeyance_pool,
    decisions,
    fire_due_timers,
    runner_for,
)

pytestmark = pytest.mark.integration


def records_of(
    events: list[Recorded], topic: str = "lead.referral.events"
) -> list[ConsumerRecord[bytes, bytes]]:
    """In-memory records as a consumer would see them (one partition, in recorded order)."""
    return [
        ConsumerRecord(
            topic, 0, offset, 0, 0, r.envelope.subject.encode(), encode(r.envelope), None, 0, 0, []
        )
        for offset, r in enumerate(events)
    ]


def final_decisions(found: dict[str, list[tuple[str, dict[str, Any]]]]) -> Counter[str]:
    return Counter(t for events in found.values() for t, _ in events if t != "AbeyanceStarted")


async def test_two_scheduler_replicas_never_fire_a_timer_twice(infra: Infra) -> None:
    dsn = await abeyance_database(infra)
    pool = await create_pool(dsn)
    frozen = datetime(2019, 1, 1, tzinfo=UTC)
    quiet = Timekeeping(GRACE, lambda: frozen)  # records everything, fires nothing yet
    only_referrals = [r for r in history(120, seed=3) if r.envelope.event_type == "ReferralMade"]
    records = records_of(only_referrals)
    await runner_for(pool, quiet).handle_batch(records, {("lead.referral.events", 0): len(records)})

    replica_pools = [await create_pool(dsn) for _ in range(2)]
    now = lambda: datetime.now(UTC)  # noqa: E731 - every deadline is long past
    replicas = [Timekeeping(GRACE, now) for _ in range(2)]

    async def run(i: int) -> int:
        fired = 0
        while n := await fire_due_timers(replica_pools[i], replicas[i], CONSUMER, limit=7):
            fired += n
        return fired

    fired = await asyncio.gather(run(0), run(1))
    assert sum(fired) == 120 and all(fired)  # both replicas worked, together once per timer
    counts = final_decisions(await decisions(pool))
    assert counts == Counter({"AbeyanceExpired": 120})
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notices") == 120
        assert (
            await conn.fetchval("SELECT count(*) FROM outbox WHERE topic LIKE 'lead.notices.%'")
            == 120
        )
    for p in (pool, *replica_pools):
        await p.close()


async def test_duplicates_and_out_of_order_input_decide_once(infra: Infra) -> None:
    pool = await abeyance_pool(infra)
    keeper = Timekeeping(GRACE, lambda: datetime.now(UTC))
    runner = runner_for(pool, keeper)
    events = [r for r in history(12, seed=5) if r.envelope.event_type != "ParticipantWithdrew"]
    records = records_of(events)
    ends = {("lead.referral.events", 0): len(records)}
    await runner.handle_batch(records, ends)
    first = await decisions(pool)
    await runner.handle_batch(records, ends)  # the same batch redelivered
    # The same completions again under new event ids, and in reverse order:
    copies = []
    for r in reversed(events):
        payload = decode(encode(r.envelope)).payload
        if isinstance(payload, AssessmentCompleted):
            copy = new_envelope(
                payload,
                occurred_at=r.envelope.occurred_at,
                source="tests",
                recorded_at=r.envelope.recorded_at + timedelta(days=60),
            )
            copies.append(Recorded(r.recorded_at, copy))
    extra = records_of(copies)
    moved = [
        ConsumerRecord(c.topic, 0, len(records) + i, 0, 0, c.key, c.value, None, 0, 0, [])
        for i, c in enumerate(extra)
    ]
    await runner.handle_batch(moved, {("lead.referral.events", 0): len(records) + len(moved)})
    while await fire_due_timers(pool, keeper, CONSUMER):
        pass
    assert await decisions(pool) == first
    async with pool.acquire() as conn:
        per_decision = await conn.fetch(
            "SELECT referral_id, decision, count(*) AS n FROM notices GROUP BY 1, 2"
        )
    assert per_decision and all(row["n"] == 1 for row in per_decision)
    await pool.close()
