"""Abeyance on event time alone: no partition's clock expires another's abeyances; the end of a
fed history does, once every published input is applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from events.categories import ChargeLevel
from events.common import Charge
from events.envelope import Envelope, encode, new_envelope
from events.payloads import EventPayload
from events.registry import decode
from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.application.decisions import Timekeeping, tell
from services.abeyance.application.timers import fire_until as fire_until_units
from services.abeyance.domain import Start
from services.abeyance.entrypoints.scheduler import behind_partitions
from services.devstack.localinfra import ensure_topics
from services.platform.db import Pool
from services.platform.projection import Source
from tests.conftest import Infra
from tests.integration.abeyance_history import _assessment, _care_plan, history
from tests.integration.support import produce, read_topic
from tests.integration.test_abeyance_replay import (
    CONSUMER,
    GRACE,
    abeyance_pool,
    consumer_of,
    fire_due_timers,
    units,
)

pytestmark = pytest.mark.integration
TOPIC = "lead.referral.events"
REFERRED = datetime(2019, 1, 10, 18, tzinfo=UTC)


def event_time_keeper() -> Timekeeping:
    return Timekeeping(GRACE, lambda: datetime.now(UTC), event_time_only=True)


async def fire_until(pool: Pool, timing: Timekeeping, until: datetime) -> int:
    return await fire_until_units(units(pool), timing, until)


async def position(pool: Pool, partition: int, event_time: datetime, *, caught_up: bool) -> None:
    await pool.execute(
        'INSERT INTO consumer_positions (consumer, topic, partition, "offset", event_time,'
        " recorded_time, caught_up) VALUES ($1, $2, $3, 0, $4, now(), $5)",
        CONSUMER,
        TOPIC,
        partition,
        event_time,
        caught_up,
    )


async def state_of(pool: Pool, referral_id: object) -> str:
    state: str = await pool.fetchval(
        "SELECT state FROM abeyances WHERE referral_id = $1", referral_id
    )
    return state


async def test_a_partition_far_ahead_expires_nothing_of_another_and_the_history_end_does(
    infra: Infra,
) -> None:
    pool = await abeyance_pool(infra)
    keeper = event_time_keeper()
    referral_id = uuid4()
    start = Start(
        referral_id=referral_id,
        site="hollywood",
        prosecuting_agency="lacity-attorney",
        report_number="R-1",
        charges=(
            Charge(
                statute="PC 647(f)",
                description="public intoxication",
                level=ChargeLevel.MISDEMEANOR,
            ),
        ),
        referred_at=REFERRED,
    )
    try:
        async with PostgresAbeyanceUnitOfWork(pool) as uow:
            await tell(uow, keeper, referral_id, start, source=Source(TOPIC, 0, 0))
            await uow.commit()
        # its own partition is at its end, a month before the deadline; another is a year on
        await position(pool, 0, REFERRED, caught_up=True)
        await position(pool, 1, datetime(2020, 1, 10, tzinfo=UTC), caught_up=True)

        assert await fire_due_timers(pool, keeper, CONSUMER) == 0
        assert await state_of(pool, referral_id) == "pending"

        assert await fire_until(pool, keeper, datetime(2019, 2, 1, tzinfo=UTC)) == 0
        assert await fire_until(pool, keeper, datetime(2019, 3, 1, tzinfo=UTC)) == 1
        assert await state_of(pool, referral_id) == "expired"
        assert await fire_until(pool, keeper, datetime(2019, 3, 1, tzinfo=UTC)) == 0
    finally:
        await pool.close()


async def test_behind_partitions_compares_what_was_applied_with_the_broker_s_ends(
    infra: Infra, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("abeyance-behind")
    await ensure_topics(infra.kafka_bootstrap, [topic])
    await produce(infra.kafka_bootstrap, topic, [(f"k{i}".encode(), b"{}", None) for i in range(6)])
    records = await read_topic(infra.kafka_bootstrap, topic, 6)
    ends: dict[int, int] = {}
    for record in records:
        ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)
    pool = await abeyance_pool(infra)
    try:
        behind = await behind_partitions(pool, infra.kafka_bootstrap, topic, CONSUMER)
        assert behind == [(p, 0, end) for p, end in sorted(ends.items())]

        await pool.executemany(
            'INSERT INTO consumer_positions (consumer, topic, partition, "offset")'
            " VALUES ($1, $2, $3, $4)",
            [(CONSUMER, topic, p, end - 1) for p, end in ends.items()],
        )
        assert await behind_partitions(pool, infra.kafka_bootstrap, topic, CONSUMER) == []
    finally:
        await pool.close()


async def test_a_timer_fires_between_the_same_two_events_of_its_partition_whatever_the_pace(
    infra: Infra,
) -> None:
    """No scheduler tick here: the events of the partition alone expire, late starts included."""
    pool = await abeyance_pool(infra)
    keeper = event_time_keeper()
    referrals = consumer_of(keeper)
    made = [r.envelope for r in history(10) if r.envelope.event_type == "ReferralMade"]
    first, late = made[0], made[1]  # referred 12 days apart; deadlines 30 days on
    first_id, late_id = first.subject, late.subject
    offset = 0

    async def apply(envelope: Envelope) -> None:
        nonlocal offset
        async with pool.acquire() as conn, conn.transaction():
            await referrals.apply(conn, decode(encode(envelope)), Source(TOPIC, 0, offset))
        offset += 1

    def event(payload: EventPayload, occurred: datetime) -> Envelope:
        return new_envelope(payload, occurred_at=occurred, source="tests")

    try:
        await apply(first)
        later = first.occurred_at + timedelta(days=60)
        await apply(event(_assessment(uuid4(), later), later))  # another case, two months on
        assert await state_of(pool, UUID(first_id)) == "expired"
        # a start recorded after its partition's clock passed its deadline expires at once
        await apply(late)
        assert await state_of(pool, UUID(late_id)) == "expired"
        # and its completion, occurred in time, recorded late, rescinds and declines
        steps = late.occurred_at + timedelta(days=3)
        await apply(event(_assessment(UUID(late_id), steps), steps))
        await apply(event(_care_plan(UUID(late_id), steps), steps))
        assert await state_of(pool, UUID(late_id)) == "declined"
    finally:
        await pool.close()
