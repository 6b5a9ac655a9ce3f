"""P6: the public ``referrals-by-site`` and ``demographics`` reports as the referrals grow: the
time of a request (median of repeated requests, and the first one after the data changed)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import httpx

REQUESTS = 15


@dataclass(frozen=True)
class ReportTimes:
    first_ms: float
    """The first request after the projection moved (nothing remembered yet)."""
    median_ms: float


async def report_times(reporting_url: str, name: str) -> ReportTimes:
    async with httpx.AsyncClient(base_url=reporting_url, timeout=120) as client:
        seconds = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            answer = await client.get(f"/reports/{name}")
            seconds.append(time.perf_counter() - started)
            answer.raise_for_status()
    return ReportTimes(seconds[0] * 1000, statistics.median(seconds[1:]) * 1000)
