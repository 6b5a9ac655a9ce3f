"""The event store: append-only streams with optimistic concurrency, and their outbox.

``EventStore`` is the port; ``PostgresEventStore`` (a statement on the unit of work's
connection) and ``MemoryEventStore`` (``services.platform.memory``) are its adapters, and
``tests/contract/test_event_store.py`` holds both to the same contract:

- ``append(stream, expected_version, events)`` adds the events after ``expected_version`` (0 for
  a new stream) and queues each in the outbox (with ``also_publish``, messages that are not
  events, such as notices), all or nothing; ``ConcurrencyConflict`` when the stream is not at
  ``expected_version`` (another command won): the unit of work then records nothing;
- ``read(stream)`` gives the stream's events in order; ``version(stream)`` its length.

In PostgreSQL one statement checks the version, inserts the events and their outbox rows; the
``(stream_id, version)`` key settles two concurrent appends (the second inserts nothing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from events.envelope import Envelope
from events.payloads import EventPayload
from events.registry import DecodedEvent, decode
from services.platform.db import Connection
from services.platform.kafka import OutgoingMessage
from services.platform.metrics import EVENTS_APPENDED
from services.platform.outbox import enqueue, event_message, stored_headers


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
    stream_id: str
    version: int
    envelope: Envelope
    position: int = 0
    """Where it stands among all the store's events (0 where a store keeps no such order)."""

    @property
    def current(self) -> DecodedEvent:
        """The event at its current schema version (upcast when older), with its payload."""
        return decode(self.envelope.model_dump(mode="json"))

    @property
    def payload(self) -> EventPayload:
        return self.current.payload


class EventStore(Protocol):
    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        *,
        also_publish: Sequence[OutgoingMessage] = (),
    ) -> int:
        """The stream's new version."""
        ...

    async def read(self, stream_id: str) -> list[StoredEvent]: ...

    async def read_many(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Several streams at once, each in order (a stream without events is absent)."""
        ...

    async def version(self, stream_id: str) -> int: ...


_APPEND = """
WITH appended AS (
  INSERT INTO event_store (stream_id, version, event_id, event_type, schema_version,
                           occurred_at, recorded_at, envelope)
  SELECT $1, $2 + e.n, e.event_id, e.event_type, e.schema_version, e.occurred_at,
         e.recorded_at, convert_from(e.envelope, 'UTF8')::jsonb
    FROM unnest($3::uuid[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                $11::bytea[]) WITH ORDINALITY
         AS e(event_id, event_type, schema_version, occurred_at, recorded_at, envelope, n)
   WHERE (SELECT coalesce(max(version), 0) FROM event_store WHERE stream_id = $1) = $2
  ON CONFLICT DO NOTHING
  RETURNING version, event_id
), queued AS (
  INSERT INTO outbox (topic, key, headers, body)
  SELECT o.topic, o.key, o.headers::jsonb, o.body
    FROM appended a
    JOIN unnest($3::uuid[], $8::text[], $9::bytea[], $10::text[], $11::bytea[])
         AS o(event_id, topic, key, headers, body) ON o.event_id = a.event_id
   ORDER BY a.version
  RETURNING 1
), woken AS (
  SELECT pg_notify('lead_outbox', '') AS told FROM (SELECT count(*) FROM queued) AS done
)
SELECT (SELECT count(*) FROM appended) FROM woken
"""


class PostgresEventStore:
    """The event store on one connection (inside the caller's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        *,
        also_publish: Sequence[OutgoingMessage] = (),
    ) -> int:
        if not events:
            await enqueue(self._conn, also_publish)
            return expected_version
        messages = [event_message(e) for e in events]
        appended = await self._conn.fetchval(
            _APPEND,
            stream_id,
            expected_version,
            [e.event_id for e in events],
            [e.event_type for e in events],
            [e.schema_version for e in events],
            [e.occurred_at for e in events],
            [e.recorded_at for e in events],
            [m.topic for m in messages],
            [m.key for m in messages],
            [json.dumps(stored_headers(m.headers)) for m in messages],
            [m.body for m in messages],  # the envelope, serialised once for both tables
        )
        if appended != len(events):
            raise ConcurrencyConflict(stream_id, expected_version, await self.version(stream_id))
        await enqueue(self._conn, also_publish)
        EVENTS_APPENDED.inc(len(events))
        return expected_version + len(events)

    async def read(self, stream_id: str) -> list[StoredEvent]:
        return (await self.read_many([stream_id])).get(stream_id, [])

    async def read_many(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        records = await self._conn.fetch(
            "SELECT position, stream_id, version, envelope FROM event_store"
            " WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version",
            list(stream_ids),
        )
        streams: dict[str, list[StoredEvent]] = {}
        for record in records:
            streams.setdefault(record["stream_id"], []).append(_stored(record))
        return streams

    async def version(self, stream_id: str) -> int:
        version: int = await self._conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM event_store WHERE stream_id = $1", stream_id
        )
        return version


def _stored(record: asyncpg.Record) -> StoredEvent:
    return StoredEvent(
        stream_id=record["stream_id"],
        version=record["version"],
        envelope=Envelope.model_validate(record["envelope"]),
        position=record["position"],
    )
