"""Reporting applies a batch's events together (one statement per table and kind of change):
the read model it writes is row for row the one written by applying the same events one by one,
versions and positions included, and the warehouse facts end alike (one by one publishes the
states in between too)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    ChargesDeclined,
)
from events.registry import decode
from events.topics import REPORTING_FACTS
from services.platform.db import Pool
from services.platform.projection import ProjectionRunner
from services.reporting.app import migrations as reporting_migrations
from services.reporting.projection import ReportingProjection
from services.reporting.rebuild import TABLES
from tests.conftest import Infra
from tests.projections.cases import ReportingCase, fresh_pool
from tests.projections.deliveries import Batch, highwaters, interleaved

pytestmark = pytest.mark.integration


async def _rows(pool: Pool) -> dict[str, list[tuple[Any, ...]]]:
    async with pool.acquire() as conn:
        tables = {
            table: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table} t ORDER BY t")]
            for table in (*TABLES, "event_positions", "projection_position")
        }
        published = await conn.fetch(
            "SELECT key, body FROM outbox WHERE topic = $1 ORDER BY id", REPORTING_FACTS
        )
        tables["facts"] = sorted({r["key"]: r["body"] for r in published}.items())  # the last
    return tables


async def _fed(infra: Infra, batches: list[Batch]) -> dict[str, list[tuple[Any, ...]]]:
    pool = await fresh_pool(infra, "rep_batch", reporting_migrations())
    runner = ProjectionRunner(pool, ReportingProjection(), "tests-reporting-batches")
    records = [r for batch in batches for r in batch]
    ends = highwaters(records)
    for batch in batches:
        await runner.handle_batch(batch, ends)
    rows = await _rows(pool)
    await pool.close()
    return rows


CHANGES = (ChargesDeclined, AbeyanceExpired, AbeyanceExpiryRescinded, AbeyanceEnded)
"""What changes an abeyance's open version (the history's abeyance events besides the start)."""


def _most_changes_of_one_fact(batch: Batch) -> int:
    events = [decode(record.value) for record in batch]
    changed = Counter(e.envelope.subject for e in events if isinstance(e.payload, CHANGES))
    return max(changed.values(), default=0)


async def test_a_batch_applied_together_writes_what_one_by_one_writes(infra: Infra) -> None:
    records = await ReportingCase(40).records(infra)
    batches = interleaved(records, seed=5, largest=200)
    one_by_one = [[record] for batch in batches for record in batch]
    together = await _fed(infra, batches)
    assert together == await _fed(infra, one_by_one)
    # not an empty agreement: a batch held several changes of one fact (rounds), and every
    # kind of row was written
    assert max(_most_changes_of_one_fact(batch) for batch in batches) > 1
    states = together["abeyance_states"]
    assert len(states) > 2 * len({row[0] for row in states})  # several versions per abeyance
    assert all(together[table] for table in ("referrals", "referral_statuses", "abeyances"))
    assert together["facts"]
