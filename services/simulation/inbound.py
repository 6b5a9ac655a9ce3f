"""Inbound submissions: which referral id intake gave each one the simulation published."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg

from services.simulation.errors import SimulationError


class InboundResolver:
    """Finds the referral id intake gave each published submission (polls intake's database)."""

    def __init__(self, pool: asyncpg.Pool, timeout_s: float) -> None:
        self._pool = pool
        self._timeout_s = timeout_s
        self._pending: dict[tuple[str, str], tuple[asyncio.Future[dict[str, Any]], float]] = {}

    def expect(self, agency: str, submission_id: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[(f"inbound:{agency}", submission_id)] = (future, time.monotonic())
        return future

    async def run(self) -> None:
        while True:
            if self._pending:
                await self._poll()
            await asyncio.sleep(0.05)

    async def _poll(self) -> None:
        callers = sorted({caller for caller, _ in self._pending})
        keys = [key for _, key in self._pending]
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT caller, key, response FROM idempotency_keys"
                " WHERE caller = ANY($1::text[]) AND key = ANY($2::text[])",
                callers,
                keys,
            )
        for row in rows:
            entry = self._pending.pop((row["caller"], row["key"]), None)
            if entry is not None and not entry[0].done():
                response = row["response"]
                entry[0].set_result(json.loads(response) if isinstance(response, str) else response)
        now = time.monotonic()
        for pending_key, (future, since) in list(self._pending.items()):
            if now - since > self._timeout_s and not future.done():
                del self._pending[pending_key]
                future.set_exception(
                    SimulationError(
                        f"intake did not record inbound submission {pending_key[1]} within"
                        f" {self._timeout_s:.0f} s (rejected? see lead.inbound.rejected)"
                    )
                )
