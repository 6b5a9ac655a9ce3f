"""Repair tools for operators: dead letters listed, shown and replayed; consumers rewound.

- ``dead_letters`` reads a dead-letter topic from its beginning (no consumer group).
- ``replay`` sends dead letters back to their original topic, unchanged (with a
  ``lead-replay-of`` header), after releasing the claim under which the consumer dead-lettered
  them; a dead letter replayed once is recorded in the consumer's database and never replayed
  again, and a consumer that had applied the message skips the copy (it is idempotent).
- ``rewind`` makes a service's consumers re-read their topics from the beginning: safe, since
  every consumer skips what it applied, and it applies what it never did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from events.topics import DLQ_SUFFIX, HEADER_ERROR, HEADER_ORIGINAL_TOPIC
from services.platform.deadletter import (
    HEADER_CLAIM_ID,
    HEADER_CONSUMER,
    HEADER_ERROR_TYPE,
    HEADER_FAULT,
    original_headers,
)
from services.platform.kafka import (
    KafkaPublisher,
    OutgoingMessage,
    kafka_client_options,
    read_all,
)
from services.platform.settings import Settings

HEADER_REPLAY_OF = "lead-replay-of"


@dataclass(frozen=True)
class DeadLetterRecord:
    """One message of a dead-letter topic, with what its headers say."""

    record: ConsumerRecord[bytes, bytes]
    headers: dict[str, bytes]

    @property
    def where(self) -> str:
        return f"{self.record.topic}/{self.record.partition}/{self.record.offset}"

    def header(self, name: str) -> str:
        return self.headers.get(name, b"").decode(errors="replace")

    @property
    def consumer(self) -> str:
        return self.header(HEADER_CONSUMER)

    @property
    def original_topic(self) -> str:
        return self.header(HEADER_ORIGINAL_TOPIC) or self.record.topic.removesuffix(DLQ_SUFFIX)

    @property
    def reason(self) -> str:
        return self.header(HEADER_ERROR)

    @property
    def fault(self) -> str:
        return self.header(HEADER_FAULT) or self.header(HEADER_ERROR_TYPE)

    def as_replay(self) -> OutgoingMessage:
        record = self.record
        headers = [*original_headers(record), (HEADER_REPLAY_OF, self.where.encode())]
        return OutgoingMessage(self.original_topic, record.key, record.value or b"", headers)


def service_of(consumer: str) -> str:
    """``lead-reporting-reports`` -> ``reporting``: whose database holds the consumer's claims."""
    parts = consumer.split("-")
    if len(parts) < 3 or parts[0] != "lead":
        raise ValueError(f"not a consumer of this system: {consumer!r}")
    return parts[1]


async def dead_letter_topics(settings: Settings) -> list[str]:
    consumer = AIOKafkaConsumer(**kafka_client_options(settings))
    await consumer.start()
    try:
        return sorted(t for t in await consumer.topics() if t.endswith(DLQ_SUFFIX))
    finally:
        await consumer.stop()


async def dead_letters(settings: Settings, topic: str) -> list[DeadLetterRecord]:
    """Every message of ``topic`` (a ``.dlq`` topic), in partition and offset order."""
    records = await read_all(settings, topic)
    return [DeadLetterRecord(r, dict(r.headers or ())) for r in records]


DatabaseOf = Callable[[str], str]
"""A service's name -> the DSN of its database (``Settings.database_url_for``)."""


async def replayed(letters: Sequence[DeadLetterRecord], database_of: DatabaseOf) -> set[str]:
    """Which of ``letters`` were replayed already (``topic/partition/offset``)."""
    done: set[str] = set()
    for service in {service_of(letter.consumer) for letter in letters if letter.consumer}:
        with contextlib.suppress(asyncpg.InvalidCatalogNameError):
            conn = await asyncpg.connect(database_of(service))
            try:
                rows = await conn.fetch('SELECT dlq_topic, partition, "offset" FROM dlq_replays')
            finally:
                await conn.close()
            done |= {f"{r['dlq_topic']}/{r['partition']}/{r['offset']}" for r in rows}
    return done


@dataclass(frozen=True)
class Replayed:
    replayed: list[str]
    skipped: list[str]


async def replay(
    letters: Sequence[DeadLetterRecord], publisher: KafkaPublisher, database_of: DatabaseOf
) -> Replayed:
    """Send each dead letter back to its original topic once (see the module's doc)."""
    already = await replayed(letters, database_of)
    sent: list[str] = []
    skipped: list[str] = []
    for letter in letters:
        if letter.where in already or not letter.consumer:
            skipped.append(letter.where)
            continue
        conn = await asyncpg.connect(database_of(service_of(letter.consumer)))
        try:
            await _release_claim(conn, letter)
            await publisher.publish_many([letter.as_replay()])
            await conn.execute(
                'INSERT INTO dlq_replays (dlq_topic, partition, "offset", consumer)'
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                letter.record.topic,
                letter.record.partition,
                letter.record.offset,
                letter.consumer,
            )
        finally:
            await conn.close()
        sent.append(letter.where)
    return Replayed(sent, skipped)


async def _release_claim(conn: Any, letter: DeadLetterRecord) -> None:
    """The consumer claimed the message as dead-lettered: release it, so the copy is applied."""
    claim = letter.header(HEADER_CLAIM_ID)
    if not claim:
        return
    await conn.execute(
        "DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2"
        " AND outcome = 'dead_lettered'",
        letter.consumer,
        UUID(claim),
    )


async def rewind(dsn: str, service: str, consumer: str | None = None) -> list[str]:
    """Make the service's consumers (or one) re-read their topics from the beginning; the
    consumers rewound. Running instances notice within seconds; stopped ones when they start."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            rows = await conn.fetch(
                "UPDATE consumer_rewinds SET generation = generation + 1, requested_at = now()"
                " WHERE consumer LIKE $1 AND ($2::text IS NULL OR consumer = $2)"
                " RETURNING consumer",
                f"lead-{service}-%",
                consumer,
            )
            names = sorted(r["consumer"] for r in rows)
            await conn.execute(
                'UPDATE consumer_positions SET "offset" = -1, caught_up = false'
                " WHERE consumer = ANY($1::text[])",
                names,
            )
    finally:
        await conn.close()
    return names
