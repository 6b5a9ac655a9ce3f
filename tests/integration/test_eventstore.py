"""The event store against a real PostgreSQL: append, read, optimistic concurrency."""

from __future__ import annotations

import asyncio

import pytest

from services.platform.eventstore import ConcurrencyConflict, EventStore
from tests.integration.support import assessment, platform_pool

pytestmark = pytest.mark.integration


async def test_append_and_read_a_stream_in_order(database: str) -> None:
    pool = await platform_pool(database)
    store = EventStore(pool)
    first, second = assessment(), assessment()
    assert await store.append("r-1", 0, [first]) == 1
    assert await store.append("r-1", 1, [second]) == 2
    stream = await store.read_stream("r-1")
    assert [e.envelope.event_id for e in stream] == [first.event_id, second.event_id]
    assert [e.version for e in stream] == [1, 2]
    everything = await store.read_all(after_position=stream[0].position)
    assert [e.envelope.event_id for e in everything] == [second.event_id]
    await pool.close()


async def test_two_appends_at_the_same_version_one_wins(database: str) -> None:
    pool = await platform_pool(database)
    store = EventStore(pool)
    await store.append("r-2", 0, [assessment()])
    results = await asyncio.gather(
        store.append("r-2", 1, [assessment()]),
        store.append("r-2", 1, [assessment()]),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert sorted(r for r in results if isinstance(r, int)) == [2]
    assert len(conflicts) == 1
    assert "expected 1" in str(conflicts[0]) and "version 2" in str(conflicts[0])
    assert len(await store.read_stream("r-2")) == 2
    await pool.close()


async def test_a_rejected_append_leaves_no_outbox_row(database: str) -> None:
    pool = await platform_pool(database)
    store = EventStore(pool)
    with pytest.raises(ConcurrencyConflict):
        await store.append("r-3", 5, [assessment()])
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        assert await conn.fetchval("SELECT count(*) FROM event_store") == 0
    await pool.close()
