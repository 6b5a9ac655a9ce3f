"""The fault-injection run (`make chaos`): the three services on a real broker and a durable
PostgreSQL, a client sending referrals and case events while services are SIGKILLed,
PostgreSQL crashes and restarts, the broker stalls and the relay dies between publish and mark;
then a drain and the checks of ``tests.chaos.checks``. One line of figures at the end."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from services.demo import internal_reports, wait_until_settled
from services.devstack.localinfra import LocalBroker, LocalPostgres, free_port
from services.devstack.stack import LocalStack
from services.platform.db import create_pool
from services.platform.settings import Settings
from services.reporting.rebuild import rebuild
from tests.chaos import checks
from tests.chaos.faults import SERVICES, Injector, schedule, supervise
from tests.chaos.workload import Written, run_workload

ADMIN_TOKEN = "chaos-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass(frozen=True)
class Chaos:
    referrals: int = 3000
    kills: int = 6
    seed: int = 1
    seconds: float = 0.0
    """How long the client spreads its referrals over (0: one referral per 50 ms)."""
    outage_s: float = 10.0
    stall_s: float = 15.0

    @property
    def duration_s(self) -> float:
        return self.seconds or max(60.0, self.referrals / 20)


async def run(chaos: Chaos) -> checks.Findings:
    started = time.monotonic()
    with LocalBroker() as broker, LocalPostgres(durable=True) as postgres:
        stack = LocalStack(
            ports={name: free_port() for name in SERVICES},
            extra_env={"LEAD_ADMIN_TOKEN": ADMIN_TOKEN, "LEAD_LOG_LEVEL": "WARNING"},
            kafka_bootstrap=broker.bootstrap,
            database_url=postgres.dsn(),
        )
        await asyncio.to_thread(stack.start)
        try:
            found = await _faults_and_checks(chaos, stack, broker, postgres)
        finally:
            _keep_logs(stack)
            await asyncio.to_thread(stack.stop)
    found.figures["seconds"] = round(time.monotonic() - started)
    return found


async def _faults_and_checks(
    chaos: Chaos, stack: LocalStack, broker: LocalBroker, postgres: LocalPostgres
) -> checks.Findings:
    stop, restarts = asyncio.Event(), Counter[str]()
    injector = Injector(stack, broker, postgres, chaos.outage_s, chaos.stall_s)
    plan = schedule(
        random.Random(chaos.seed),
        kills=chaos.kills,
        seconds=chaos.duration_s,
        outage_s=chaos.outage_s,
        stall_s=chaos.stall_s,
    )
    supervisor = asyncio.create_task(supervise(stack, stop, restarts))
    faults = asyncio.create_task(injector.run(plan, stop))
    try:
        written = await run_workload(
            stack.url("intake"),
            ADMIN_TOKEN,
            referrals=chaos.referrals,
            seed=chaos.seed,
            seconds=chaos.duration_s,
        )
        await faults
        await asyncio.to_thread(stack.wait_until_ready)
        await asyncio.to_thread(wait_until_settled, stack, AUTH, 600)
        found = await _check(stack, written)
    finally:
        stop.set()
        faults.cancel()
        await supervisor
    found.figures |= {f"faults_{kind}": n for kind, n in injector.done.items()}
    found.faults = injector.log
    found.figures["restarts"] = sum(restarts.values())
    found.figures["relay_crashes"] = sum(
        stack.log_path(name).read_text(errors="replace").count("fault_injected")
        for name in SERVICES
    )
    return found


async def _check(stack: LocalStack, written: Written) -> checks.Findings:
    found = checks.Findings()
    settings = Settings(kafka_bootstrap=stack.kafka_bootstrap, database_url=stack.database_url)
    found.figures["acknowledged"] = len(written.referrals)
    checks.check_client(written, found)
    await checks.check_intake(stack.database_url, written, found)
    await checks.check_reporting(stack.database_url, written, found)
    await checks.check_abeyance(stack.database_url, settings, written, found)
    await checks.check_dead_letters(settings, found)
    live = await asyncio.to_thread(internal_reports, stack, AUTH)
    pool = await create_pool(settings.database_url_for("reporting"))
    try:
        await rebuild(settings, pool)
    finally:
        await pool.close()
    checks.same_reports(live, await asyncio.to_thread(internal_reports, stack, AUTH), found)
    return found


def _keep_logs(stack: LocalStack) -> None:
    """With CHAOS_LOGS=DIR, the services' logs are copied there (they go with the stack)."""
    target = os.environ.get("CHAOS_LOGS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            shutil.copy(stack.log_path(name), Path(target) / f"{name}.log")


def summary(chaos: Chaos, found: checks.Findings) -> str:
    figures = " ".join(f"{k}={v}" for k, v in found.figures.items())
    verdict = "PASS" if not found.problems else "FAIL: " + "; ".join(found.problems)
    run_of = f"chaos seed={chaos.seed} referrals={chaos.referrals} kills={chaos.kills}"
    return f"{run_of} {figures} {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make chaos", description=__doc__)
    parser.add_argument("--referrals", type=int, default=Chaos.referrals)
    parser.add_argument("--kills", type=int, default=Chaos.kills)
    parser.add_argument("--seed", type=int, default=Chaos.seed)
    parser.add_argument("--seconds", type=float, default=0.0, help="spread the load over")
    parser.add_argument("--outage", type=float, default=Chaos.outage_s, help="PostgreSQL down, s")
    parser.add_argument("--stall", type=float, default=Chaos.stall_s, help="broker stopped, s")
    args = parser.parse_args(argv)
    chaos = Chaos(args.referrals, args.kills, args.seed, args.seconds, args.outage, args.stall)
    found = asyncio.run(run(chaos))
    print("faults:", ", ".join(found.faults), flush=True)
    print(summary(chaos, found), flush=True)
    return 0 if not found.problems else 1


if __name__ == "__main__":
    sys.exit(main())
