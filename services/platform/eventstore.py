"""The event store: append-only streams in PostgreSQL with optimistic concurrency.

Appending writes the events and their outbox rows in one transaction. A transaction-level
advisory lock serialises appends so that ``position`` order is commit order: a reader of
``read_all(after=p)`` can never miss an event committed later with a smaller position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from events.envelope import Envelope
from services.platform.db import Connection, Pool
from services.platform.kafka import OutgoingMessage
from services.platform.metrics import EVENTS_APPENDED
from services.platform.outbox import enqueue, event_message

_APPEND_LOCK = 4_242_003


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it: reload and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, the command expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class StoredEvent:
    position: int
    stream_id: str
    version: int
    envelope: Envelope


class EventStore:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        *,
        also_publish: Sequence[OutgoingMessage] = (),
        conn: Connection | None = None,
    ) -> int:
        """Append after ``expected_version`` (0 for a new stream); the stream's new version.

        Every event is also queued in the outbox, with ``also_publish`` (messages that are
        not events of the stream, e.g. notices). Pass ``conn`` to join a caller's transaction.
        """
        if conn is None:
            async with self._pool.acquire() as own:
                return await self.append_in(own, stream_id, expected_version, events, also_publish)
        return await self.append_in(conn, stream_id, expected_version, events, also_publish)

    @staticmethod
    async def append_in(
        conn: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        also_publish: Sequence[OutgoingMessage] = (),
    ) -> int:
        """``append`` on the caller's connection, in a transaction (a savepoint when nested)."""
        async with conn.transaction():
            return await _append(conn, stream_id, expected_version, events, also_publish)

    async def read_stream(self, stream_id: str) -> list[StoredEvent]:
        async with self._pool.acquire() as conn:
            records = await conn.fetch(
                "SELECT position, stream_id, version, envelope FROM event_store"
                " WHERE stream_id = $1 ORDER BY version",
                stream_id,
            )
        return [_stored(r) for r in records]

    async def read_streams(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Several streams at once, each in order (a stream without events is absent)."""
        async with self._pool.acquire() as conn:
            records = await conn.fetch(
                "SELECT position, stream_id, version, envelope FROM event_store"
                " WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version",
                list(stream_ids),
            )
        streams: dict[str, list[StoredEvent]] = {}
        for record in records:
            streams.setdefault(record["stream_id"], []).append(_stored(record))
        return streams

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        async with self._pool.acquire() as conn:
            records = await conn.fetch(
                "SELECT position, stream_id, version, envelope FROM event_store"
                " WHERE position > $1 ORDER BY position LIMIT $2",
                after_position,
                limit,
            )
        return [_stored(r) for r in records]


async def _append(
    conn: Connection,
    stream_id: str,
    expected_version: int,
    events: Sequence[Envelope],
    also_publish: Sequence[OutgoingMessage],
) -> int:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _APPEND_LOCK)
    actual = await _current_version(conn, stream_id)
    if actual != expected_version:
        raise ConcurrencyConflict(stream_id, expected_version, actual)
    rows = [
        (
            stream_id,
            expected_version + offset + 1,
            e.event_id,
            e.event_type,
            e.schema_version,
            e.occurred_at,
            e.recorded_at,
            e.model_dump(mode="json"),
        )
        for offset, e in enumerate(events)
    ]
    try:
        await conn.executemany(
            "INSERT INTO event_store (stream_id, version, event_id, event_type,"
            " schema_version, occurred_at, recorded_at, envelope)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            rows,
        )
    except asyncpg.UniqueViolationError as error:
        raise ConcurrencyConflict(
            stream_id, expected_version, await _current_version(conn, stream_id)
        ) from error
    await enqueue(conn, [event_message(e) for e in events] + list(also_publish))
    EVENTS_APPENDED.inc(len(rows))
    return expected_version + len(rows)


async def _current_version(conn: Connection, stream_id: str) -> int:
    version: int = await conn.fetchval(
        "SELECT coalesce(max(version), 0) FROM event_store WHERE stream_id = $1", stream_id
    )
    return version


def _stored(record: asyncpg.Record) -> StoredEvent:
    return StoredEvent(
        position=record["position"],
        stream_id=record["stream_id"],
        version=record["version"],
        envelope=Envelope.model_validate(record["envelope"]),
    )
