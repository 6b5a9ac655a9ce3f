"""The fault-injection run at a small, seeded scale (`make chaos` runs it at full size)."""

from __future__ import annotations

import pytest

from tests.chaos.run import Chaos, run, summary

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)
async def test_nothing_is_lost_or_doubled_through_kills_a_database_crash_and_a_broker_stall() -> (
    None
):
    chaos = Chaos(referrals=240, kills=3, seed=2026, seconds=50, outage_s=6, stall_s=8)
    found = await run(chaos)
    print(summary(chaos, found))
    assert found.problems == []
    assert found.figures["acknowledged"] == chaos.referrals
    assert found.figures["faults_kill"] == 3
    assert found.figures["faults_postgres"] == found.figures["faults_broker"] == 1
    assert found.figures["faults_relay"] == found.figures["relay_crashes"] == 1
