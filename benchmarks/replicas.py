"""R: two replicas of each consumer on one machine share the partitions, and nothing is applied
twice: each replica's applied count from its ``/metrics``, the total against the events."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from services.devstack.localinfra import free_port
from services.devstack.stack import LocalStack

_APPLIED = re.compile(r'lead_consumer_messages_total\{consumer="([^"]+)",outcome="applied"\} (\S+)')


@asynccontextmanager
async def second_replica(stack: LocalStack, service: str) -> AsyncIterator[str]:
    """Another process of ``service`` on the same database and broker; its URL."""
    port = free_port()
    command = [sys.executable, "-m", "services.cli", "serve", service, "--port", str(port)]
    process = await asyncio.to_thread(
        subprocess.Popen, command, env=stack.env, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await _ready(url, process)
        yield url
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 15)


async def _ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the replica at {url} exited at start")
            try:
                if (await client.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"the replica at {url} was not ready in time")


async def applied(url: str) -> dict[str, float]:
    """What the process at ``url`` applied, per consumer group, since it started."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    return {group: float(n) for group, n in _APPLIED.findall(text)}
