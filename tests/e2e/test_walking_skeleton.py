"""End to end: HTTP -> intake's event store + outbox -> Kafka -> abeyance and reporting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.devstack.stack import LocalStack
from services.platform.settings import with_database
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import referral
from tests.integration.support import eventually

pytestmark = pytest.mark.integration


async def _count(stack: LocalStack, database: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(with_database(stack.database_url, database))
    try:
        count: int = await conn.fetchval(sql, *args)
    finally:
        await conn.close()
    return count


async def test_a_referral_is_stored_published_and_recorded_by_both_consumers(
    stack: LocalStack,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        yesterday = datetime.now(UTC) - timedelta(days=1)  # so its abeyance is still pending
        response = await client.post(
            f"{stack.url('intake')}/referrals",
            json=referral(referred_at=yesterday.isoformat(timespec="seconds")),
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text
        referral_id = response.json()["referral_id"]
        assert (
            await _count(
                stack,
                "lead_intake",
                "SELECT count(*) FROM event_store WHERE stream_id = $1",
                referral_id,
            )
            == 1
        )

        async def abeyance_has_it() -> bool:
            got = await client.get(
                f"{stack.url('abeyance')}/abeyances/{referral_id}", headers=ADMIN
            )
            return got.status_code == 200 and got.json()["state"] == "pending"

        async def reporting_has_it() -> bool:
            return (
                await _count(
                    stack,
                    "lead_reporting",
                    "SELECT count(*) FROM referrals WHERE referral_id = $1::uuid",
                    referral_id,
                )
                == 1
            )

        await eventually(abeyance_has_it)
        await eventually(reporting_has_it)
        assert (
            await _count(stack, "lead_intake", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            == 0
        )


async def test_every_service_answers_health_ready_and_metrics(stack: LocalStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for service in stack.services:
            assert (await client.get(f"{stack.url(service)}/health")).status_code == 200
            assert (await client.get(f"{stack.url(service)}/ready")).status_code == 200
            metrics = await client.get(f"{stack.url(service)}/metrics")
            assert metrics.status_code == 200 and "lead_" in metrics.text


async def test_writes_need_a_token(stack: LocalStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{stack.url('intake')}/referrals"
        assert (await client.post(url, json=referral())).status_code == 401
        wrong = {"Authorization": "Bearer not-a-token"}
        assert (await client.post(url, json=referral(), headers=wrong)).status_code == 401


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split(") ")[1][0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def test_lead_demo_exits_0_matches_the_published_numbers_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    marker = f"LEAD_DEMO_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_")}
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "--out", str(out)],
        env={**env, name: value},
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo finished" in result.stdout
    assert "✗" not in result.stdout  # every published consistent number reproduced
    assert (out / "report.html").stat().st_size > 10_000
    assert len(list((out / "warehouse").glob("*.parquet"))) == 5
    shots = sorted(p.name for p in (out / "pages").glob("*.png"))  # each page for people
    assert len(shots) >= 4, shots
    assert _processes_with(marker) == []


def test_lead_stack_runs_in_the_foreground_and_stops_everything_on_sigterm() -> None:
    marker = f"LEAD_STACK_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_")}
    stack = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "stack"],
        env={**env, name: value, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert stack.stdout is not None
    lines = []
    for line in stack.stdout:
        lines.append(line)
        if "stack is up" in line:
            break
    assert any("intake" in line and "8001" in line for line in lines), "".join(lines)
    assert httpx.get("http://127.0.0.1:8003/health", timeout=5).status_code == 200
    stack.send_signal(signal.SIGTERM)
    assert stack.wait(timeout=60) == 0
    assert _processes_with(marker) == []
