"""Benchmark: referrals through intake and on to reporting, against raw baselines.

Prints figures and ratios measured in the same run (these machines are noisy):
- raw baseline: one event row + one outbox row per transaction with asyncpg, same PostgreSQL;
- intake: POST /referrals over HTTP (8 in flight), each validated, pseudonymised, encrypted,
  appended with its outbox row and audited;
- end to end: from the first POST until reporting has applied every referral.

Run: ``make bench`` (or ``python -m benchmarks.intake_throughput --referrals 2000``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import asyncpg
import httpx

from services.devstack.localinfra import free_port
from services.devstack.stack import LocalStack
from services.platform.settings import with_database

TOKEN = "bench-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def body(i: int) -> dict[str, Any]:
    return {
        "pathway": "social_contact",
        "site": "south-la-north-long-beach",
        "referred_at": "2024-05-14T10:30:00-07:00",
        "referring_agency": "la-probation",
        "person": {
            "given_name": f"Bench{i}",
            "family_name": "Synthetic",
            "date_of_birth": "1980-01-01",
        },
    }


async def raw_baseline(dsn: str, n: int) -> float:
    """Rows per second for the bare minimum intake must do per referral."""
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TEMP TABLE e (id uuid, stream text, version int, body jsonb)")
    await conn.execute("CREATE TEMP TABLE o (id bigserial, body bytea)")
    payload = json.dumps(body(0))
    start = time.perf_counter()
    for _ in range(n):
        async with conn.transaction():
            await conn.execute("INSERT INTO e VALUES ($1, 's', 1, $2)", uuid.uuid4(), payload)
            await conn.execute("INSERT INTO o (body) VALUES ($1)", payload.encode())
    elapsed = time.perf_counter() - start
    await conn.close()
    return n / elapsed


async def through_intake(stack: LocalStack, n: int, in_flight: int = 8) -> tuple[float, float]:
    """Referrals per second accepted by intake, and seconds until reporting had them all."""
    limit = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(i: int) -> None:
            async with limit:
                response = await client.post(
                    f"{stack.url('intake')}/referrals", json=body(i), headers=AUTH
                )
                response.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        accepted = time.perf_counter() - start
        reporting = with_database(stack.database_url, "lead_reporting")
        conn = await asyncpg.connect(reporting)
        while True:  # polling another process's database: no event to wait on
            if await conn.fetchval("SELECT count(*) FROM referrals") >= n:
                break
            await asyncio.sleep(0.05)
        await conn.close()
        return n / accepted, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1000)
    args = parser.parse_args()
    stack = LocalStack(
        ports={s: free_port() for s in ("intake", "abeyance", "reporting")},
        extra_env={"LEAD_ADMIN_TOKEN": TOKEN, "LEAD_LOG_LEVEL": "WARNING"},
    )
    with stack:
        baseline = asyncio.run(
            raw_baseline(with_database(stack.database_url, "lead_intake"), args.referrals)
        )
        rate, end_to_end = asyncio.run(through_intake(stack, args.referrals))
    print(f"raw baseline (event + outbox row, 1 connection): {baseline:8.0f} rows/s")
    print(
        f"intake POST /referrals (8 in flight):            {rate:8.0f} referrals/s"
        f"  = {rate / baseline:.2f} x baseline"
    )
    print(
        f"end to end, {args.referrals} referrals until reporting applied them:"
        f" {end_to_end:.1f} s ({args.referrals / end_to_end:.0f}/s)"
    )


if __name__ == "__main__":
    main()
