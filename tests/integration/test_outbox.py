"""The outbox relay: a crash between publish and mark-as-sent re-publishes, never loses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

import pytest

from events.envelope import Envelope
from services.platform.db import Connection, Pool
from services.platform.kafka import KafkaPublisher, OutgoingMessage
from services.platform.outbox import OutboxRelay, pending_count
from services.platform.projection import ProjectionRunner
from services.platform.settings import Settings
from services.platform.unit_of_work import PostgresUnitOfWork
from tests.conftest import Infra
from tests.integration.support import (
    RecordingProjection,
    assessment,
    platform_pool,
    read_topic,
    seen_ids,
)

pytestmark = pytest.mark.integration


async def append(pool: Pool, stream: str, version: int, event: Envelope) -> None:
    async with PostgresUnitOfWork(pool) as uow:
        await uow.events.append(stream, version, [event])
        await uow.commit()


class CrashBeforeMarkingSent(OutboxRelay):
    """Dies right after Kafka acknowledged the batch, before the rows are marked sent."""

    async def _mark_sent(self, conn: Connection, ids: list[int]) -> None:
        raise SystemExit("relay killed between publish and mark-as-sent")


class RetargetedPublisher(KafkaPublisher):
    """Publishes to a per-test topic so that the test reads only its own messages."""

    def __init__(self, settings: Settings, topic: str) -> None:
        super().__init__(settings, client_id="tests")
        self._topic = topic

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        moved = [OutgoingMessage(self._topic, m.key, m.body, m.headers) for m in messages]
        await super().publish_many(moved)


async def test_crash_between_publish_and_mark_republishes_and_projection_holds_once(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("outbox")
    pool = await platform_pool(database)
    events = [assessment() for _ in range(3)]
    for event in events:
        await append(pool, event.subject, 0, event)

    publisher = RetargetedPublisher(Settings(kafka_bootstrap=infra.kafka_bootstrap), topic)
    await publisher.start()
    try:
        with pytest.raises(SystemExit):
            await CrashBeforeMarkingSent(pool, publisher).publish_pending()
        assert await pending_count(pool) == 3  # nothing marked: the restart publishes again
        assert await OutboxRelay(pool, publisher).publish_pending() == 3
        assert await pending_count(pool) == 0
    finally:
        await publisher.stop()

    records = await read_topic(infra.kafka_bootstrap, topic, expected=6)
    assert len(records) == 6  # every event twice on the topic: at least once, never lost
    runner = ProjectionRunner(pool, RecordingProjection(topic), "tests-outbox")
    outcome = await runner.handle_batch(records)
    assert (outcome.applied, outcome.duplicates, outcome.dead_lettered) == (3, 3, 0)
    assert sorted(await seen_ids(pool)) == sorted(e.event_id for e in events)
    await pool.close()


async def test_relay_keeps_order_per_key(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("outbox-order")
    pool = await platform_pool(database)
    first = assessment()
    stream = [first] + [assessment(UUID(first.subject)) for _ in range(9)]
    for version, event in enumerate(stream):
        await append(pool, event.subject, version, event)
    publisher = RetargetedPublisher(Settings(kafka_bootstrap=infra.kafka_bootstrap), topic)
    await publisher.start()
    try:
        await OutboxRelay(pool, publisher, batch_size=4).publish_pending()
        while await OutboxRelay(pool, publisher, batch_size=4).publish_pending():
            pass
    finally:
        await publisher.stop()
    records = await read_topic(infra.kafka_bootstrap, topic, expected=10)
    assert {r.partition for r in records} == {records[0].partition}
    ordered = sorted(records, key=lambda r: r.offset)
    sent_ids = [dict(r.headers)["event_id"].decode() for r in ordered]
    assert sent_ids == [str(e.event_id) for e in stream]
    await pool.close()
