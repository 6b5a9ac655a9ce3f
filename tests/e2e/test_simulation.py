"""``run_simulation`` against the running stack: a small history, recorded once, even twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.devstack.stack import LocalStack
from services.simulation import build_plan, run_simulation
from tests.e2e.intake_support import intake_count

pytestmark = pytest.mark.integration

SEED, SCALE = 7, 0.1


def test_a_small_history_is_recorded_by_intake_and_a_rerun_records_nothing_new(
    stack: LocalStack, tmp_path: Path
) -> None:
    plan = build_plan(SEED, SCALE)
    seen: list[tuple[int, int]] = []
    tokens = tmp_path / "tokens.json"

    def simulate() -> None:
        summary = asyncio.run(
            run_simulation(
                stack.url("intake"),
                stack.kafka_bootstrap,
                stack.database_url,
                seed=SEED,
                scale=SCALE,
                progress=lambda done, total: seen.append((done, total)),
                token_file=tokens,
                abeyance_url=stack.url("abeyance"),
            )
        )
        assert summary.timers_fired_at_end is None  # this stack's abeyance follows the wall clock

    before = asyncio.run(intake_count(stack, "SELECT count(*) FROM referral_view"))
    simulate()
    referrals = asyncio.run(intake_count(stack, "SELECT count(*) FROM referral_view"))
    events = asyncio.run(intake_count(stack, "SELECT count(*) FROM event_store"))
    assert referrals - before == plan.count("referral")
    assert seen[-1] == (len(plan.actions), len(plan.actions))
    inbound = asyncio.run(
        intake_count(stack, "SELECT count(*) FROM idempotency_keys WHERE caller = 'inbound:lasd'")
    )
    assert inbound >= sum(1 for a in plan.actions if a.channel == "inbound") > 0

    simulate()  # the same simulation again, with the same tokens: nothing recorded twice
    assert asyncio.run(intake_count(stack, "SELECT count(*) FROM referral_view")) == referrals
    assert asyncio.run(intake_count(stack, "SELECT count(*) FROM event_store")) == events
