"""Consumers: duplicates and redelivery change nothing; poison messages go to the DLQ."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from events.envelope import encode, kafka_headers
from events.topics import HEADER_ERROR, HEADER_ORIGINAL_TOPIC, dlq_topic
from services.platform.kafka import KafkaPublisher, make_broker
from services.platform.projection import ProjectionRunner, subscribe
from services.platform.settings import Settings
from tests.conftest import Infra
from tests.integration.support import (
    RecordingProjection,
    assessment,
    eventually,
    platform_pool,
    produce,
    read_topic,
    seen_ids,
)

pytestmark = pytest.mark.integration


def _settings(infra: Infra) -> Settings:
    return Settings(kafka_bootstrap=infra.kafka_bootstrap, kafka_session_timeout_ms=6000)


async def test_duplicates_and_redelivery_after_a_crash_are_applied_once(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("idempotent")
    pool = await platform_pool(database)
    events = [assessment() for _ in range(4)]
    duplicate = events[1]
    await produce(
        infra.kafka_bootstrap,
        topic,
        [(e.subject.encode(), encode(e), kafka_headers(e)) for e in [*events, duplicate]],
    )
    publisher = KafkaPublisher(_settings(infra), "tests")
    await publisher.start()
    runner = ProjectionRunner(pool, RecordingProjection(topic), publisher, "tests-idem")
    group = f"group-{topic}"

    async def consume_once(commit: bool) -> tuple[int, int]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=infra.kafka_bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
            fetch_max_wait_ms=50,
        )
        await consumer.start()
        try:
            records: list[ConsumerRecord[bytes, bytes]] = []
            while len(records) < 5:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
            outcome = await runner.handle_batch(records)
            if commit:
                await consumer.commit()
        finally:
            await consumer.stop()
        return outcome.applied, outcome.duplicates

    try:
        # The first consumer applies, then "crashes" before committing its offsets ...
        assert await consume_once(commit=False) == (4, 1)
        # ... so the group gets the whole batch again: nothing new is applied.
        assert await consume_once(commit=True) == (0, 5)
    finally:
        await publisher.stop()
    assert sorted(await seen_ids(pool)) == sorted(e.event_id for e in events)
    await pool.close()


async def test_poison_messages_go_to_the_dlq_and_the_consumer_carries_on(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("poison")
    pool = await platform_pool(database)
    good_before, good_after = assessment(), assessment()
    unknown = json.loads(encode(assessment()))
    unknown["event_type"] = "ReferralTeleported"
    invalid = json.loads(encode(assessment()))
    invalid["payload"]["completed_at"] = "2024-05-01T10:00:00"  # no time zone
    key = b"k"  # one key: one partition, so the order below is the order consumed
    await produce(
        infra.kafka_bootstrap,
        topic,
        [
            (key, encode(good_before), None),
            (key, b"{not json", [("event_type", b"?")]),
            (key, json.dumps(unknown).encode(), None),
            (key, json.dumps(invalid).encode(), None),
            (key, encode(good_after), None),
        ],
    )
    settings = _settings(infra)
    publisher = KafkaPublisher(settings, "tests")
    await publisher.start()
    broker = make_broker(settings)
    runner = ProjectionRunner(pool, RecordingProjection(topic), publisher, "tests-poison")
    subscribe(broker, runner, settings)
    await broker.start()
    try:

        async def both_good_applied() -> bool:
            return len(await seen_ids(pool)) == 2

        await eventually(both_good_applied)
    finally:
        await broker.stop()
        await publisher.stop()

    assert set(await seen_ids(pool)) == {good_before.event_id, good_after.event_id}
    dead = await read_topic(infra.kafka_bootstrap, dlq_topic(topic), expected=3)
    reasons = [dict(r.headers)[HEADER_ERROR].decode() for r in dead]
    assert len(dead) == 3
    assert "JSON" in reasons[0] or "json" in reasons[0]
    assert "ReferralTeleported" in reasons[1]
    assert "completed_at" in reasons[2]
    assert dead[0].value == b"{not json"  # the original message, unchanged
    assert all(dict(r.headers)[HEADER_ORIGINAL_TOPIC].decode() == topic for r in dead)
    await pool.close()
