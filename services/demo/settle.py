"""Waiting for the services to catch up, and reading reports from reporting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx

from events.topics import REFERRAL_EVENTS
from services.devstack.stack import LocalStack
from services.platform.kafka import end_offsets
from services.platform.settings import with_database
from services.reporting.domain import Cell
from services.reporting.projection import TOPICS as REPORTING_TOPICS
from services.reporting.tables import REPORTS as TABLES

REPORTS = tuple(TABLES)


CONSUMERS = {
    "lead_abeyance": ("lead-abeyance-referrals", (REFERRAL_EVENTS,)),
    "lead_reporting": ("lead-reporting-reports", REPORTING_TOPICS),
}


async def _behind(stack: LocalStack) -> int:
    """Outbox rows not yet sent, plus messages abeyance and reporting have not applied yet."""
    behind = 0
    for service in ("lead_intake", "lead_abeyance"):
        conn = await asyncpg.connect(with_database(stack.database_url, service))
        try:
            behind += await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        finally:
            await conn.close()
    for database, (consumer, topics) in CONSUMERS.items():
        ends = await end_offsets(stack.kafka_bootstrap, topics)
        conn = await asyncpg.connect(with_database(stack.database_url, database))
        try:
            rows = await conn.fetch(
                'SELECT topic, partition, "offset" FROM consumer_positions WHERE consumer = $1',
                consumer,
            )
        finally:
            await conn.close()
        applied = {(r["topic"], r["partition"]): r["offset"] + 1 for r in rows}
        behind += sum(max(0, end - applied.get(tp, 0)) for tp, end in ends.items())
    return behind


def wait_until_settled(stack: LocalStack, auth: dict[str, str], timeout_s: float = 300) -> int:
    """Until nothing is left to publish or apply, twice in a row; reporting's position then."""
    url = f"{stack.url('reporting')}/reports/referrals-by-site"
    deadline, last = time.monotonic() + timeout_s, -1
    while time.monotonic() < deadline:
        behind = asyncio.run(_behind(stack))
        answer = httpx.get(url, params={"audience": "internal"}, headers=auth, timeout=30)
        position = answer.json()["as_of"]["position"]  # internal: no public release to build
        if behind == 0 and position == last:
            return int(position)
        last = position if behind == 0 else -1
        time.sleep(2)
    raise RuntimeError("the services did not catch up in time")


def internal_reports(
    stack: LocalStack, auth: dict[str, str], **params: str
) -> dict[str, dict[str, Any]]:
    """Every report, internal audience, as reporting serves it (JSON); ``params`` such as
    ``as_of`` or ``to`` go with each request."""
    return {name: internal_report(stack, auth, name, **params) for name in REPORTS}


def internal_report(
    stack: LocalStack, auth: dict[str, str], name: str, **params: str
) -> dict[str, Any]:
    response = httpx.get(
        f"{stack.url('reporting')}/reports/{name}",
        params={"audience": "internal", **params},
        headers=auth,
        timeout=120,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def public_reports(stack: LocalStack, **params: str) -> dict[str, dict[str, Any]]:
    """Every report as the public sees it (JSON)."""
    out = {}
    for name in REPORTS:
        response = httpx.get(f"{stack.url('reporting')}/reports/{name}", params=params, timeout=300)
        response.raise_for_status()
        out[name] = response.json()
    return out


def cells_of(body: dict[str, Any]) -> list[Cell]:
    return [Cell.from_json(c) for c in body["cells"]]
