"""P1: ``POST /referrals``, 16 in flight, distinct people: intake against its peer (the
``eventsourcing`` library behind a minimal FastAPI app, same PostgreSQL) and the raw floor
(one event row and one outbox row per transaction with asyncpg, 4 connections)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.load import post_all
from benchmarks.peer import APP, ensure_venv
from services.devstack.localinfra import ensure_database, free_port

IN_FLIGHT = 16


def referral_body(run: str, i: int) -> dict[str, Any]:
    return {
        "pathway": "social_contact",
        "site": "south-la-north-long-beach",
        "referred_at": "2024-05-14T10:30:00-07:00",
        "referring_agency": "la-probation",
        "person": {
            "given_name": f"Bench{run}",
            "family_name": f"Synthetic{i}",
            "date_of_birth": "1980-01-01",
        },
        "gender": "female",
        "ethnicity": "latinx",
    }


async def post_referrals(url: str, token: str, people: int, run: str) -> float:
    """Referrals per second accepted at ``url`` (each answer must be a 201)."""
    host, port = url.removeprefix("http://").split(":")
    bodies = [referral_body(run, i) for i in range(people)]
    auth = {"Authorization": f"Bearer {token}"}
    seconds, answers = await post_all(
        host, int(port), "/referrals", bodies, lambda _i: auth, IN_FLIGHT
    )
    refused = [a for a in answers if a.status != 201]
    if refused or len(answers) != people:
        raise RuntimeError(f"{len(refused)} refused, e.g. {refused[:1]}")
    return people / seconds


async def raw_floor(dsn: str, rows: int, connections: int = 4) -> float:
    """Transactions per second, each an event row and an outbox row, on ``connections``."""
    conns = [await asyncpg.connect(dsn) for _ in range(connections)]
    await conns[0].execute(
        "CREATE TABLE IF NOT EXISTS raw_events (id uuid PRIMARY KEY, stream text,"
        " version int, envelope jsonb);"
        "CREATE TABLE IF NOT EXISTS raw_outbox (id bigserial PRIMARY KEY, body bytea)"
    )
    envelope = json.dumps(referral_body("raw", 0))
    remaining = iter(range(rows))

    async def work(conn: asyncpg.Connection) -> None:
        for _ in remaining:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO raw_events VALUES ($1, 's', 1, $2::jsonb)", uuid.uuid4(), envelope
                )
                await conn.execute("INSERT INTO raw_outbox (body) VALUES ($1)", envelope.encode())

    started = time.perf_counter()
    await asyncio.gather(*(work(c) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    return rows / elapsed


@asynccontextmanager
async def peer_service(server_dsn: str, where: Path) -> AsyncIterator[str]:
    """The peer running (its own venv, its own database on the same server); its URL."""
    python = await asyncio.to_thread(ensure_venv, where / "peer-venv")
    database = await ensure_database(server_dsn, "bench_peer")
    parts = httpx.URL(database)
    port = free_port()
    env = {
        **os.environ,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "bench_peer",
        "POSTGRES_HOST": parts.host,
        "POSTGRES_PORT": str(parts.port),
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_POOL_SIZE": str(IN_FLIGHT),
    }
    command = [str(python), "-m", "uvicorn", "app:app", "--app-dir", str(APP.parent)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = await asyncio.to_thread(subprocess.Popen, command, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(_wait_for, url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the peer exited at start")
        try:
            httpx.get(f"{url}/docs", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the peer did not start in time")
