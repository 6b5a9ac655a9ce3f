"""Both published site summaries from one simulated history, and again after a rebuild that
reads the events in another interleaving (each referral's own events in order, as a partition
keeps them). The history is read on event time, as the demo reads it."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest

from events.registry import DecodedEvent
from services.devstack.localinfra import ensure_database
from services.platform.db import Pool
from services.program import default_program
from services.reporting.domain import CellValue, Key
from services.reporting.domain.as_of import AsOf
from services.reporting.rebuild import TABLES
from services.reporting.tables import Period, Scope, build
from services.simulation import published as pub
from services.simulation.plan import build_plan
from tests.conftest import Infra
from tests.integration.reporting_support import feed, reporting_pool, value
from tests.integration.simulated_history import history

pytestmark = pytest.mark.integration
REPORTS = ("referrals-by-site", "referrals-by-pathway", "demographics", "referrals-by-month")


def interleaved(events: list[DecodedEvent], seed: int) -> list[DecodedEvent]:
    """Another order of the same events: each subject's events keep their order."""
    streams: dict[str, list[DecodedEvent]] = {}
    for event in events:
        streams.setdefault(event.envelope.subject, []).append(event)
    rng, queues, merged = random.Random(seed), [list(s) for s in streams.values()], []
    while queues:
        queue = rng.choice(queues)
        merged.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return merged


def scope_on(day: date) -> Scope:
    return Scope(Period(), tuple(default_program().sites), as_of=AsOf(day=day))


async def snapshots(pool: Pool) -> dict[str, list[tuple[Key, CellValue]]]:
    out = {}
    for day in (pub.SNAPSHOT, pub.LATER_SNAPSHOT):
        scope = scope_on(day)
        async with pool.acquire() as conn:
            for name in REPORTS:
                table = await build(conn, name, scope, public=False)
                out[f"{name} {day}"] = [(c.key, c.value) for c in table.cells]
    return out


@pytest.fixture(scope="module")
async def pool(infra: Infra) -> AsyncIterator[Pool]:
    pool = await reporting_pool(await ensure_database(infra.server_dsn, f"t_{uuid.uuid4().hex}"))
    yield pool
    await pool.close()


async def test_two_days_give_the_two_published_summaries_also_after_a_rebuild(pool: Pool) -> None:
    events = list(history(build_plan(2017, 1.0, today=date.today())))
    await feed(pool, events, event_time=True)
    live = await snapshots(pool)
    async with pool.acquire() as conn:  # (the public first summary: test_public_release)
        first = await build(conn, "referrals-by-site", scope_on(pub.SNAPSHOT), public=False)
        later = await build(conn, "referrals-by-site", scope_on(pub.LATER_SNAPSHOT), public=False)
    for site, statuses in pub.REFERRALS_BY_SITE_STATUS.items():
        for status, n in statuses.items():
            assert value(first, site=site, status=status) == n, (site, status)
    for site, pathways in pub.LATER_SUMMARY.items():
        assert value(later, site=site, status="total") == sum(pathways.values()), site
    assert value(first, site="all", status="total") == 408
    assert value(later, site="all", status="total") == 413

    async with pool.acquire() as conn:  # what `lead reporting rebuild` empties
        await conn.execute(f"TRUNCATE {', '.join(TABLES)}")
        await conn.execute("UPDATE projection_position SET position = 0")
    await feed(pool, interleaved(events, seed=14), event_time=True)
    assert await snapshots(pool) == live
