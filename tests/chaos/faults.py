"""The faults of the fault-injection run, and the supervisor that restarts what they kill.

Each fault is real: a SIGKILL of a service process, an immediate shutdown of PostgreSQL
(restarted on the same data, recovering from its write-ahead log), a SIGSTOP of the broker, and
the outbox relay killing its own process right after Kafka acknowledged a batch and before the
rows were marked sent. Only processes this run started are signalled, by PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

from services.devstack.localinfra import LocalBroker, LocalPostgres
from services.devstack.stack import LocalStack

SERVICES = ("intake", "abeyance", "reporting")
RELAY_CRASH = {"LEAD_FAULT_RELAY_CRASH_AFTER_PUBLISH": "1.0"}


@dataclass(frozen=True)
class Fault:
    at_s: float
    kind: str  # kill:<service> | postgres | broker | relay


def schedule(
    rng: random.Random, *, kills: int, seconds: float, outage_s: float, stall_s: float
) -> list[Fault]:
    """``kills`` SIGKILLs spread over the services, one PostgreSQL crash, one broker stall and
    one relay killed between publish and mark, at random moments of the first 80%."""
    kinds = [f"kill:{SERVICES[i % len(SERVICES)]}" for i in range(kills)]
    kinds += ["postgres", "broker", "relay"]
    rng.shuffle(kinds)
    slot = 0.8 * seconds / len(kinds)
    busiest = max(outage_s, stall_s) + 2
    return [
        Fault(0.05 * seconds + i * max(slot, busiest) + rng.uniform(0, 0.3) * slot, kind)
        for i, kind in enumerate(kinds)
    ]


@dataclass
class Injector:
    stack: LocalStack
    broker: LocalBroker
    postgres: LocalPostgres
    outage_s: float
    stall_s: float
    done: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)

    async def run(self, faults: list[Fault], stop: asyncio.Event) -> None:
        started = time.monotonic()
        for fault in faults:
            await _sleep_until(started + fault.at_s, stop)
            if stop.is_set():
                return
            await self.inject(fault.kind)
            self.log.append(f"{time.monotonic() - started:6.1f}s {fault.kind}")

    async def inject(self, kind: str) -> None:
        if kind.startswith("kill:"):
            name = kind.removeprefix("kill:")
            self.stack.stop_service(name, signal.SIGKILL)  # the supervisor restarts it
        elif kind == "postgres":
            await asyncio.to_thread(self.postgres.crash)
            await asyncio.sleep(self.outage_s)
            await asyncio.to_thread(self.postgres.start)
        elif kind == "broker":
            assert self.broker.pid is not None
            os.kill(self.broker.pid, signal.SIGSTOP)
            try:
                await asyncio.sleep(self.stall_s)
            finally:
                os.kill(self.broker.pid, signal.SIGCONT)
        elif kind == "relay" and not await self._relay_crash():
            self.done["relay_not_triggered"] += 1
            return
        self.done[kind.split(":")[0]] += 1

    async def _relay_crash(self, patience_s: float = 30) -> bool:
        """Intake restarted so that its relay dies right after its first publish; whether it
        did (the client's next write gives it something to publish)."""
        self.stack.stop_service("intake", signal.SIGKILL)
        self.stack.start_service("intake", env=RELAY_CRASH)
        pid = self.stack.pid("intake")
        give_up = time.monotonic() + patience_s
        while self.stack.pid("intake") == pid and self.stack.running("intake"):
            if time.monotonic() > give_up:
                self.stack.stop_service("intake", signal.SIGKILL)  # restarted without the fault
                return False
            await asyncio.sleep(0.1)
        return True


async def supervise(stack: LocalStack, stop: asyncio.Event, restarts: Counter[str]) -> None:
    """As an orchestrator would: a service that is not running is started again."""
    while not stop.is_set():
        for name in SERVICES:
            if not stack.running(name):
                stack.start_service(name)
                restarts[name] += 1
        await _sleep_until(time.monotonic() + 0.2, stop)


async def _sleep_until(moment: float, stop: asyncio.Event) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
