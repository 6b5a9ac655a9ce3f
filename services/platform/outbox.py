"""The transactional outbox and its relay.

Producers write outbox rows in the same transaction as their state change (``enqueue``). The
relay publishes unsent rows in id order, keyed by subject, and only then marks them sent: a crash
between the two re-publishes (consumers deduplicate by ``event_id``), it never loses a message.
One relay publishes at a time per database (an advisory lock), so per-key order holds even with
several replicas running.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from events.envelope import Envelope, encode, kafka_headers
from events.topics import topic_for_event
from services.platform.db import Connection, Pool
from services.platform.faults import classify
from services.platform.kafka import OutgoingMessage, Publisher
from services.platform.logging import get_logger
from services.platform.metrics import OUTBOX_FAILURES, OUTBOX_PUBLISHED

_RELAY_LOCK = 4_242_002
log = get_logger(__name__)


def event_message(envelope: Envelope) -> OutgoingMessage:
    """An event as it travels on its topic: keyed by subject, typed in headers."""
    return OutgoingMessage(
        topic=topic_for_event(envelope.event_type),
        key=envelope.subject.encode(),
        body=encode(envelope),
        headers=tuple(kafka_headers(envelope)),
    )


WAKE_CHANNEL = "lead_outbox"
"""Notified (at commit) by every transaction that queues messages: the relay wakes at once."""

_ENQUEUE = f"""
WITH queued AS (
  INSERT INTO outbox (topic, key, headers, body, personal)
  SELECT topic, key, headers::jsonb, body, personal
    FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bytea[], $5::bool[])
         AS m(topic, key, headers, body, personal)
  RETURNING 1
)
SELECT pg_notify('{WAKE_CHANNEL}', '') FROM (SELECT count(*) FROM queued) AS done
"""


async def enqueue(conn: Connection, messages: Sequence[OutgoingMessage]) -> None:
    """Add messages to the outbox (one statement, waking the relay when the transaction
    commits); call inside the transaction that records the change."""
    if not messages:
        return
    await conn.execute(
        _ENQUEUE,
        [m.topic for m in messages],
        [m.key for m in messages],
        [json.dumps(stored_headers(m.headers)) for m in messages],
        [m.body for m in messages],
        [m.personal for m in messages],
    )


def stored_headers(headers: Sequence[tuple[str, bytes]]) -> list[list[str]]:
    """Headers as the outbox keeps them (JSON text)."""
    return [_stored_header(name, value) for name, value in headers]


def _stored_header(name: str, value: bytes) -> list[str]:
    """A header as the outbox keeps it (JSON text): as is when UTF-8, else base64 and marked, so
    that a partner's binary header is copied unchanged and never blocks the consumer."""
    try:
        text = value.decode()
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:  # not text, or text PostgreSQL's JSON cannot hold
        return [name, base64.b64encode(value).decode(), "base64"]
    return [name, text]


def _header(stored: list[str]) -> tuple[str, bytes]:
    name, value, *encoding = stored
    return name, base64.b64decode(value) if encoding == ["base64"] else value.encode()


@dataclass(frozen=True)
class _Row:
    id: int
    message: OutgoingMessage


class OutboxRelay:
    """Publishes outbox rows to Kafka, in order, at least once."""

    def __init__(
        self,
        pool: Pool,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.05,
        max_backoff_s: float = 5.0,
        crash_after_publish: float = 0.0,
        wake_dsn: str | None = None,
    ) -> None:
        self._wake_dsn = wake_dsn
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._pool = pool
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._crash_after_publish = crash_after_publish

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows and mark them sent; the number published."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RELAY_LOCK):
                return 0
            rows = await self._unsent(conn)
            if not rows:
                return 0
            await self._publisher.publish_many([row.message for row in rows])
            if self._crash_after_publish and random.random() < self._crash_after_publish:
                log.warning("fault_injected", fault="relay killed between publish and mark")
                os._exit(137)  # fault injection (make chaos): as abrupt as a SIGKILL
            await self._mark_sent(conn, [row.id for row in rows])
            await self._forget_personal(conn, [row.id for row in rows if row.message.personal])
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set, woken by every commit that queued messages (polling as
        well, in case a notification is missed), backing off exponentially while Kafka fails."""
        backoff = self._poll_interval_s
        wake = asyncio.Event()
        try:
            await self._relay(stop, wake, backoff)
        finally:
            if self._listener is not None:
                with contextlib.suppress(Exception):
                    await self._listener.close()

    async def _relay(self, stop: asyncio.Event, wake: asyncio.Event, backoff: float) -> None:
        while not stop.is_set():
            await self._listen(wake)
            wake.clear()
            try:
                published = await self.publish_pending()
                backoff = self._poll_interval_s
            except Exception as error:
                published = 0
                fault = classify(error)
                OUTBOX_FAILURES.labels(fault).inc()
                log.warning(
                    "outbox_publish_failed",
                    fault=fault,
                    error_type=type(error).__name__,
                    error=str(error),
                    retry_in_s=backoff,
                )
                await self._record_failure(str(error))
                backoff = min(backoff * 2, self._max_backoff_s)
            if published == 0:
                await _first_of(stop, wake, timeout_s=backoff)

    async def _listen(self, wake: asyncio.Event) -> None:
        """Listen for commits that queued messages (again after a lost connection); without a
        listener the relay polls."""
        if self._wake_dsn is None or (self._listener and not self._listener.is_closed()):
            return
        try:
            listener = await asyncpg.connect(self._wake_dsn, timeout=5)
            await listener.add_listener(WAKE_CHANNEL, lambda *_: wake.set())
        except Exception as error:
            log.warning("outbox_listener_unavailable", error=str(error))
            return
        self._listener = listener
        wake.set()  # what was queued while nobody listened

    async def _unsent(self, conn: Connection) -> list[_Row]:
        records = await conn.fetch(
            "SELECT id, topic, key, headers, body, personal FROM outbox"
            " WHERE sent_at IS NULL ORDER BY id LIMIT $1",
            self._batch_size,
        )
        return [
            _Row(
                r["id"],
                OutgoingMessage(
                    r["topic"],
                    None if r["key"] is None else bytes(r["key"]),
                    bytes(r["body"]),
                    tuple(_header(h) for h in r["headers"]),
                    r["personal"],
                ),
            )
            for r in records
        ]

    async def _mark_sent(self, conn: Connection, ids: list[int]) -> None:
        await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", ids)

    async def _forget_personal(self, conn: Connection, ids: list[int]) -> None:
        """A published row that holds a person's identity is not kept (its topic keeps it for
        days only; see docs/operations.md)."""
        if ids:
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)

    async def _record_failure(self, error: str) -> None:
        try:
            async with self._pool.acquire() as conn:
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $1"
                    " WHERE id = (SELECT min(id) FROM outbox WHERE sent_at IS NULL)",
                    error[:2000],
                )
        except Exception:
            log.warning("outbox_failure_not_recorded")


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, timeout_s: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def pending_count(pool: Pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        return count


async def oldest_unsent_age_s(pool: Pool) -> float:
    """How long the oldest unsent row has waited (0 when none waits): a stuck relay shows here."""
    async with pool.acquire() as conn:
        age: float = await conn.fetchval(
            "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8"
            " FROM outbox WHERE sent_at IS NULL"
        )
        return age
