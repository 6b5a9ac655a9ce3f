"""Consumers never skip: duplicates change nothing, faults are retried, poison is dead-lettered
once, bugs are retried a bounded number of times, a rewind repairs what was missed."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from uuid import UUID

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from events.envelope import Envelope, encode, kafka_headers
from events.registry import DecodedEvent
from events.topics import HEADER_ERROR, HEADER_ORIGINAL_TOPIC, dlq_topic
from services.platform import repair
from services.platform.db import Connection, Pool
from services.platform.deadletter import HEADER_CLAIM_ID, HEADER_FAULT
from services.platform.kafka import KafkaPublisher
from services.platform.projection import ProjectionRunner, RetryLater, Source
from services.platform.settings import Settings
from tests.conftest import Infra
from tests.integration.support import (
    RecordingProjection,
    assessment,
    consuming,
    eventually,
    platform_pool,
    produce,
    read_topic,
    seen_ids,
)

pytestmark = pytest.mark.integration


def consumer_for(topic: str) -> str:
    """A consumer group of the test's own ("lead-tests-<topic hex>", service "tests")."""
    return f"lead-tests-{topic.rsplit('.', 1)[-1]}"


def _settings(infra: Infra, **more: object) -> Settings:
    return Settings(
        kafka_bootstrap=infra.kafka_bootstrap,
        kafka_session_timeout_ms=6000,
        consumer_retry_initial_s=0.05,
        consumer_retry_max_s=0.5,
        rewind_poll_s=0.2,
        **more,  # type: ignore[arg-type]
    )


def _messages(events: list[Envelope], key: bytes = b"k") -> list[tuple[bytes, bytes, object]]:
    """One key: one partition, so the order produced is the order consumed."""
    return [(key, encode(e), kafka_headers(e)) for e in events]


async def _applied_order(pool: Pool) -> list[UUID]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_id FROM applied_in_order ORDER BY n")
    return [r["event_id"] for r in rows]


async def _outbox(pool: Pool, topic: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM outbox WHERE topic = $1", topic)
    return count


class OrderedProjection(RecordingProjection):
    """Records the order of application too; ``fail`` decides whether an event fails now."""

    def __init__(self, topic: str, fail: Callable[[Connection, DecodedEvent], object]) -> None:
        super().__init__(topic)
        self.fail = fail
        self.calls: list[UUID] = []

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        self.calls.append(event.envelope.event_id)
        failure = self.fail(conn, event)
        if failure is not None:
            await failure  # type: ignore[misc]
        await super().apply(conn, event, source)
        await conn.execute(
            "INSERT INTO applied_in_order (event_id) VALUES ($1)", event.envelope.event_id
        )


def bug_in(buggy: UUID) -> Callable[[Connection, DecodedEvent], object]:
    """A failure for ``OrderedProjection``: the event ``buggy`` always fails, as a bug would."""

    def fails(_conn: Connection, event: DecodedEvent) -> object:
        if event.envelope.event_id == buggy:
            raise RuntimeError("a bug in this deployment")
        return None

    return fails


async def ordered_pool(database: str) -> Pool:
    pool = await platform_pool(database)
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE applied_in_order (n bigserial PRIMARY KEY, event_id uuid UNIQUE)"
        )
    return pool


async def test_duplicates_and_redelivery_after_a_crash_are_applied_once(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("idempotent")
    pool = await platform_pool(database)
    events = [assessment() for _ in range(4)]
    duplicate = events[1]
    await produce(infra.kafka_bootstrap, topic, _messages([*events, duplicate]))
    runner = ProjectionRunner(pool, RecordingProjection(topic), "tests-idem")
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

    # The first consumer applies, then "crashes" before committing its offsets ...
    assert await consume_once(commit=False) == (4, 1)
    # ... so the group gets the whole batch again: nothing new is applied.
    assert await consume_once(commit=True) == (0, 5)
    assert sorted(await seen_ids(pool)) == sorted(e.event_id for e in events)
    await pool.close()


async def test_poison_is_dead_lettered_once_unchanged_and_the_consumer_carries_on(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("poison")
    pool = await platform_pool(database)
    good_before, good_after = assessment(), assessment()
    unknown = json.loads(encode(assessment()))
    unknown["event_type"] = "ReferralTeleported"
    invalid = json.loads(encode(assessment()))
    invalid["payload"]["completed_at"] = "2024-05-01T10:00:00"  # no time zone
    key = b"\xff\xfe-not-utf-8"  # one key (one partition), and not text: kept byte for byte
    messages: list[tuple[bytes, bytes, object]] = [
        (key, encode(good_before), None),
        (key, b"{not json", [("event_type", b"?")]),
        (key, json.dumps(unknown).encode(), None),
        (key, json.dumps(invalid).encode(), None),
        (key, encode(good_after), None),
    ]
    await produce(infra.kafka_bootstrap, topic, messages)
    projection = RecordingProjection(topic)
    async with consuming(_settings(infra), pool, projection, consumer_for(topic)) as subscription:

        async def both_good_applied() -> bool:
            return len(await seen_ids(pool)) == 2

        await eventually(both_good_applied)
        dead = await read_topic(infra.kafka_bootstrap, dlq_topic(topic), expected=3)
        # the same messages again (a redelivery): nothing new applied, nothing dead-lettered again
        records = await read_topic(infra.kafka_bootstrap, topic, expected=5)
        outcome = await subscription.runner.handle_batch(records)
        assert (outcome.applied, outcome.duplicates, outcome.dead_lettered) == (0, 5, 0)

    assert set(await seen_ids(pool)) == {good_before.event_id, good_after.event_id}
    reasons = [dict(r.headers)[HEADER_ERROR].decode() for r in dead]
    assert len(dead) == 3 and await _outbox(pool, dlq_topic(topic)) == 3
    assert "JSON" in reasons[0] or "json" in reasons[0]
    assert "ReferralTeleported" in reasons[1]
    assert "completed_at" in reasons[2]
    assert dead[0].value == b"{not json"  # the original message, unchanged
    assert all(r.key == key for r in dead)
    assert all(dict(r.headers)[HEADER_ORIGINAL_TOPIC].decode() == topic for r in dead)
    assert all(dict(r.headers)[HEADER_FAULT] == b"message" for r in dead)
    await pool.close()


async def test_a_lost_database_connection_is_retried_and_no_message_is_skipped(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    """The consumer's own database connection is killed twice in the middle of the stream;
    every event is still applied, once, in order, and nothing is dead-lettered."""
    topic = unique_topic("lost-connection")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(8)]
    victim = events[3].event_id
    kills = {"left": 2}

    def kill_twice(conn: Connection, event: DecodedEvent) -> object:
        if event.envelope.event_id != victim or not kills["left"]:
            return None
        kills["left"] -= 1
        return conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    projection = OrderedProjection(topic, kill_twice)
    async with consuming(_settings(infra), pool, projection, consumer_for(topic)):
        await produce(infra.kafka_bootstrap, topic, _messages(events[:5]))

        async def all_applied() -> bool:
            return len(await _applied_order(pool)) == len(events)

        await eventually(lambda: _has(pool, 2), timeout_s=30)
        await produce(infra.kafka_bootstrap, topic, _messages(events[5:]))
        await eventually(all_applied)

    assert kills["left"] == 0  # the faults did happen
    assert await _applied_order(pool) == [e.event_id for e in events]
    assert projection.calls.count(victim) == 3
    assert await _outbox(pool, dlq_topic(topic)) == 0
    await pool.close()


async def _has(pool: Pool, n: int) -> bool:
    return len(await _applied_order(pool)) >= n


async def test_a_bug_is_retried_a_bounded_number_of_times_then_dead_lettered(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("bug")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(5)]
    buggy = events[2].event_id

    projection = OrderedProjection(topic, bug_in(buggy))
    settings = _settings(infra, consumer_max_bug_attempts=2)
    await produce(infra.kafka_bootstrap, topic, _messages(events))
    async with consuming(settings, pool, projection, consumer_for(topic)):

        async def the_rest_applied() -> bool:
            return len(await _applied_order(pool)) == 4

        await eventually(the_rest_applied)
        [dead] = await read_topic(infra.kafka_bootstrap, dlq_topic(topic), expected=1)

    assert await _applied_order(pool) == [e.event_id for e in events if e.event_id != buggy]
    assert projection.calls.count(buggy) == 3  # two retries, then the dead letter
    headers = dict(dead.headers)
    assert headers[HEADER_FAULT] == b"bug"
    assert b"RuntimeError: a bug in this deployment" in headers[HEADER_ERROR]
    assert b"Traceback" in headers[HEADER_ERROR]
    assert headers[HEADER_CLAIM_ID].decode() == str(buggy)
    await pool.close()


class BatchingProjection(OrderedProjection):
    """Applies a batch's events together (here: in order, in one call), as reporting does."""

    def __init__(self, topic: str, fail: Callable[[Connection, DecodedEvent], object]) -> None:
        super().__init__(topic, fail)
        self.batches: list[int] = []

    async def apply_batch(self, conn: Connection, events: Sequence[DecodedEvent]) -> None:
        self.batches.append(len(events))
        for event in events:
            await self.apply(conn, event, Source("", 0, 0))


async def test_a_batch_applied_together_falls_back_to_one_by_one_to_find_the_message_at_fault(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    """A projection that applies batches together: a bug in one event fails its whole batch,
    so the runner applies that batch again event by event, retries the buggy one a bounded
    number of times and dead-letters it alone; the others are applied once, in order."""
    topic = unique_topic("together")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(6)]
    buggy = events[3].event_id

    projection = BatchingProjection(topic, bug_in(buggy))
    runner = ProjectionRunner(pool, projection, "tests-together", max_bug_attempts=1)
    await produce(infra.kafka_bootstrap, topic, _messages(events))
    records = await read_topic(infra.kafka_bootstrap, topic, expected=6)
    with pytest.raises(RetryLater):  # the first attempt of the buggy event, one by one
        await runner.handle_batch(records)
    assert await _applied_order(pool) == []  # nothing of the failed batch was kept
    outcome = await runner.handle_batch(records)  # its second attempt fails: dead-lettered
    assert (outcome.applied, outcome.duplicates, outcome.dead_lettered) == (5, 0, 1)
    assert await _applied_order(pool) == [e.event_id for e in events if e.event_id != buggy]
    assert projection.batches == [6, 6]  # each attempt first tried the batch together
    assert await _outbox(pool, dlq_topic(topic)) == 1

    # a clean batch is applied together, in one call
    more = [assessment() for _ in range(3)]
    await produce(infra.kafka_bootstrap, topic, _messages(more))
    records = await read_topic(infra.kafka_bootstrap, topic, expected=9)
    outcome = await runner.handle_batch(records)
    assert (outcome.applied, outcome.duplicates) == (3, 6)
    assert projection.batches[-1] == 3
    await pool.close()


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("replay")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(3)]
    buggy = events[1].event_id
    broken = {"yes": True}

    def fails_until_fixed(_conn: Connection, event: DecodedEvent) -> object:
        if broken["yes"] and event.envelope.event_id == buggy:
            raise RuntimeError("fixed in the next release")
        return None

    settings = _settings(infra, consumer_max_bug_attempts=0)
    projection = OrderedProjection(topic, fails_until_fixed)
    await produce(infra.kafka_bootstrap, topic, _messages(events))
    async with consuming(settings, pool, projection, consumer_for(topic)):
        await eventually(lambda: _has(pool, 2))
        letters: list[repair.DeadLetterRecord] = []

        async def dead_lettered() -> bool:
            letters[:] = await repair.dead_letters(settings, dlq_topic(topic))
            return len(letters) == 1

        await eventually(dead_lettered)
        broken["yes"] = False  # the fix is deployed
        publisher = KafkaPublisher(settings, "tests")
        await publisher.start()
        try:
            first = await repair.replay(letters, publisher, lambda _service: database)
            await eventually(lambda: _has(pool, 3))
            second = await repair.replay(letters, publisher, lambda _service: database)
        finally:
            await publisher.stop()

    assert (len(first.replayed), len(second.replayed), len(second.skipped)) == (1, 0, 1)
    assert sorted(await _applied_order(pool)) == sorted(e.event_id for e in events)
    await pool.close()


async def test_a_rewind_repairs_a_projection_that_missed_events(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    """As the old runner did after a failed batch: two events skipped (claimed by nothing,
    applied by nothing, offsets committed past them). A rewind of the running consumer
    applies exactly those two."""
    topic = unique_topic("rewind")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(6)]
    missed = {events[1].event_id, events[4].event_id}
    projection = OrderedProjection(topic, lambda _c, _e: None)
    await produce(infra.kafka_bootstrap, topic, _messages(events))
    async with consuming(_settings(infra), pool, projection, consumer_for(topic)):
        await eventually(lambda: _has(pool, 6))
        async with pool.acquire() as conn:  # the damage
            for table in ("processed_events", "seen", "applied_in_order"):
                await conn.execute(f"DELETE FROM {table} WHERE event_id = ANY($1)", list(missed))
        assert await repair.rewind(database, "tests") == [consumer_for(topic)]
        await eventually(lambda: _has(pool, 6))

    assert sorted(await _applied_order(pool)) == sorted(e.event_id for e in events)
    assert sorted(projection.calls) == sorted([e.event_id for e in events] + list(missed))
    await pool.close()


async def test_a_rewind_while_stopped_is_followed_at_the_next_start(
    infra: Infra, database: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("rewind-stopped")
    pool = await ordered_pool(database)
    events = [assessment() for _ in range(4)]
    projection = OrderedProjection(topic, lambda _c, _e: None)
    await produce(infra.kafka_bootstrap, topic, _messages(events))
    async with consuming(_settings(infra), pool, projection, consumer_for(topic)):
        await eventually(lambda: _has(pool, 4))
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM processed_events WHERE event_id = $1", events[0].event_id)
        await conn.execute("DELETE FROM seen WHERE event_id = $1", events[0].event_id)
        await conn.execute("DELETE FROM applied_in_order WHERE event_id = $1", events[0].event_id)
    assert await repair.rewind(database, "tests") == [consumer_for(topic)]
    async with consuming(_settings(infra), pool, projection, consumer_for(topic)):
        await eventually(lambda: _has(pool, 4))
    assert projection.calls.count(events[0].event_id) == 2
    assert all(projection.calls.count(e.event_id) == 1 for e in events[1:])
    await pool.close()


async def test_transient_errors_are_classified_by_sqlstate(database: str) -> None:
    """The classification the runner relies on, with errors the real server raises."""
    from services.platform.faults import Fault, classify

    conn = await asyncpg.connect(database)
    try:
        with pytest.raises(asyncpg.PostgresError) as division:
            await conn.execute("SELECT 1 / 0")
        assert classify(division.value) is Fault.MESSAGE  # 22012: data exception
        with pytest.raises(asyncpg.PostgresError) as missing:
            await conn.execute("SELECT * FROM no_such_table")
        assert classify(missing.value) is Fault.BUG
        with pytest.raises(BaseException) as terminated:
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        assert classify(terminated.value) is Fault.TRANSIENT
    finally:
        await conn.close()
