"""Send a simulation plan to a running stack, as the partners would: HTTP and the inbound topic.

Actions go out in the plan's (chronological) order with up to ``concurrency`` in flight; the
actions of one referral or evaluation subject go strictly one after the other, each after the
previous one was answered (a case event needs its referral's id). Every action that becomes a
referral event (referrals and case events) also waits for the one before it: so each partition
of ``lead.referral.events`` receives its events in the same order in every run with one seed,
and abeyance, on event time, decides the same way (naloxone and evaluation records, which
abeyance does not read, still go out concurrently). When the plan is sent and intake has
published all of it, the simulation tells abeyance the history is complete up to now
(``POST /timers/fire``), so that the abeyances whose deadline passed without completion expire.

Inbound submissions are published to ``lead.inbound.referrals``; their referral ids are read
from intake's record of the submission (``idempotency_keys``, caller ``inbound:<agency>``,
key = ``submission_id``).

Every HTTP write carries an ``Idempotency-Key`` derived from the seed, the scale and the action,
and every submission a stable ``submission_id``: running the same simulation again (after a crash,
say) records nothing twice, provided it uses the same tokens (``token_file``), since intake keys
idempotency by caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from events.topics import INBOUND_REFERRALS
from services.platform.auth import Role
from services.platform.kafka import kafka_client_options
from services.platform.settings import Settings, with_database
from services.simulation.errors import SimulationError
from services.simulation.inbound import InboundResolver
from services.simulation.partner_tokens import simulation_tokens
from services.simulation.plan import Action, Plan, build_plan

Progress = Callable[[int, int], None]
CASE_EVENTS = frozenset({"assessment", "care_plan", "status", "withdrawal"})
REFERRAL_EVENT_KINDS = CASE_EVENTS | {"referral"}
_EXPECTED_STATUS = {kind: 202 for kind in CASE_EVENTS}
_RETRIES = 4
_OPERATOR = "simulation"


@dataclass(frozen=True)
class SimulationSummary:
    seed: int
    scale: float
    actions: int
    referrals: int
    inbound_referrals: int
    re_referrals: int
    """Referrals intake recognised as re-referrals (``expected_re_referrals`` planned)."""
    expected_re_referrals: int
    case_events: int
    naloxone_distributions: int
    naloxone_uses: int
    cohort_members: int
    justice_contacts: int
    probation_spells: int
    seconds: float
    by_kind: dict[str, int] = field(default_factory=dict)
    timers_fired_at_end: int | None = None
    """Abeyances abeyance expired when told the history was complete (None: not told, or its
    timers follow the wall clock)."""


# --- the feed -------------------------------------------------------------------------------


@dataclass
class _Feed:
    plan: Plan
    client: httpx.AsyncClient
    tokens: dict[tuple[str, str], str]
    producer: AIOKafkaProducer | None
    resolver: InboundResolver | None
    progress: Progress | None
    slots: asyncio.Semaphore
    ids: dict[str, str] = field(default_factory=dict)
    re_referrals: int = 0
    done: int = 0

    def key(self, action: Action) -> str:
        return f"lead-sim/{self.plan.seed}/{self.plan.scale:g}/{action.name}"

    async def run(self, action: Action) -> None:
        """Send one action (holding a slot, released by the caller's ``acquire``)."""
        released = False
        try:
            if action.channel == "inbound":
                future = await self._publish(action)
                self.slots.release()
                released = True
                answer = await future
            else:
                answer = await self._post(action)
        finally:
            if not released:
                self.slots.release()
        if action.creates_chain and action.chain is not None:
            self.ids[action.chain] = str(answer.get("referral_id") or answer["subject_id"])
        if action.kind == "referral" and answer.get("is_re_referral"):
            self.re_referrals += 1
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, len(self.plan.actions))

    async def _publish(self, action: Action) -> asyncio.Future[dict[str, Any]]:
        assert self.producer is not None and self.resolver is not None
        submission = str(action.body["submission_id"])
        future = self.resolver.expect(action.agency, submission)
        await self.producer.send_and_wait(
            INBOUND_REFERRALS,
            value=json.dumps(action.body).encode(),
            key=submission.encode(),
        )
        return future

    async def _post(self, action: Action) -> dict[str, Any]:
        path, body = action.path, dict(action.body)
        if action.chain is not None and not action.creates_chain:
            chain_id = self.ids[action.chain]
            if "{id}" in path:
                path = path.replace("{id}", chain_id)
            else:
                body = {"subject_id": chain_id, **body}
        headers = {
            "Authorization": f"Bearer {self.tokens[(action.role, action.agency)]}",
            "Idempotency-Key": self.key(action),
        }
        expected = _EXPECTED_STATUS.get(action.kind, 201)
        for attempt in range(_RETRIES):
            try:
                response = await self.client.post(path, json=body, headers=headers)
            except httpx.TransportError as error:
                if attempt == _RETRIES - 1:
                    raise SimulationError(f"{action.name}: intake unreachable: {error}") from error
            else:
                if response.status_code == expected:
                    answer: dict[str, Any] = response.json()
                    return answer
                if response.status_code < 500 or attempt == _RETRIES - 1:
                    raise SimulationError(
                        f"{action.name} ({action.kind}): intake answered"
                        f" {response.status_code}: {response.text[:500]}"
                    )
            await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    async def feed(self) -> None:
        """Every action, in plan order; one chain's actions one after another."""
        last: dict[str, asyncio.Task[None]] = {}
        referral_events: asyncio.Task[None] | None = None
        async with asyncio.TaskGroup() as group:
            for action in self.plan.actions:
                in_order = action.kind in REFERRAL_EVENT_KINDS
                before = [
                    task
                    for task in (
                        last.get(action.chain) if action.chain else None,
                        referral_events if in_order else None,
                    )
                    if task is not None
                ]
                if unfinished := [task for task in before if not task.done()]:
                    await asyncio.wait(unfinished)
                if any(task.done() and task.exception() is not None for task in before):
                    break  # the task group raises it
                await self.slots.acquire()
                task = group.create_task(self.run(action))
                if action.chain is not None:
                    last[action.chain] = task
                if in_order:
                    referral_events = task


async def run_simulation(
    intake_url: str,
    kafka_bootstrap: str,
    database_url: str,
    *,
    seed: int = 2017,
    scale: float = 1.0,
    progress: Progress | None = None,
    concurrency: int = 8,
    token_file: Path | None = None,
    today: date | None = None,
    inbound_timeout_s: float = 120.0,
    abeyance_url: str | None = None,
) -> SimulationSummary:
    """Feed the simulated LA County history (``build_plan(seed, scale)``) through intake.

    ``progress(done, total)`` is called after each action. ``token_file`` keeps the bearer
    tokens the simulation creates, so that a re-run reuses them (and so records nothing twice).
    With ``abeyance_url``, abeyance is told at the end that the history is complete up to now
    (it answers 409 when its timers follow the wall clock anyway: nothing to do then).
    Raises ``SimulationError`` when intake refuses an action or never records a submission.
    """
    started = time.monotonic()
    plan = build_plan(seed, scale, today=today or date.today())
    settings = Settings(database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    tokens = await simulation_tokens(settings, _callers(plan, abeyance_url), token_file)
    if progress is not None:
        progress(0, len(plan.actions))
    pool: asyncpg.Pool = await asyncpg.create_pool(
        with_database(database_url, "lead_intake"), min_size=1, max_size=2
    )
    try:
        wire = _Wire(intake_url, settings, concurrency, inbound_timeout_s)
        re_referrals = await wire.send(plan, tokens, pool, progress)
        fired = None
        if abeyance_url is not None:
            await _until_published(pool, inbound_timeout_s)
            admin = tokens[(Role.admin.value, _OPERATOR)]
            fired = await _declare_history_complete(abeyance_url, admin, inbound_timeout_s)
    finally:
        await pool.close()
    return _summary(plan, re_referrals, time.monotonic() - started, fired)


def _callers(plan: Plan, abeyance_url: str | None) -> set[tuple[str, str]]:
    """The (role, agency) of every HTTP caller, and the operator who tells abeyance."""
    needed = {(a.role, a.agency) for a in plan.actions if a.channel == "http"}
    if abeyance_url is not None:
        needed.add((Role.admin.value, _OPERATOR))
    return needed


@dataclass(frozen=True)
class _Wire:
    """How the actions travel: intake's HTTP API and, for inbound partners, the topic."""

    intake_url: str
    settings: Settings
    concurrency: int
    inbound_timeout_s: float

    async def send(
        self,
        plan: Plan,
        tokens: dict[tuple[str, str], str],
        pool: asyncpg.Pool,
        progress: Progress | None,
    ) -> int:
        """Send every action of ``plan``; the re-referrals intake recognised."""
        producer = await self._producer(plan)
        limits = httpx.Limits(
            max_connections=self.concurrency, max_keepalive_connections=self.concurrency
        )
        resolver = InboundResolver(pool, self.inbound_timeout_s)
        try:
            async with httpx.AsyncClient(
                base_url=self.intake_url, timeout=30, limits=limits
            ) as client:
                feed = _Feed(
                    plan=plan,
                    client=client,
                    tokens=tokens,
                    producer=producer,
                    resolver=resolver,
                    progress=progress,
                    slots=asyncio.Semaphore(self.concurrency),
                )
                polling = asyncio.create_task(resolver.run())
                try:
                    await feed.feed()
                finally:
                    polling.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await polling
        finally:
            if producer is not None:
                await producer.stop()
        return feed.re_referrals

    async def _producer(self, plan: Plan) -> AIOKafkaProducer | None:
        """A started producer when some partner publishes on the inbound topic."""
        if not any(a.channel == "inbound" for a in plan.actions):
            return None
        producer = AIOKafkaProducer(
            **kafka_client_options(self.settings),
            client_id="lead-simulation",
            acks="all",
            enable_idempotence=False,
            linger_ms=5,
        )
        await producer.start()
        return producer


def _summary(plan: Plan, re_referrals: int, seconds: float, fired: int | None) -> SimulationSummary:
    kinds = Counter(a.kind for a in plan.actions)
    return SimulationSummary(
        seed=plan.seed,
        scale=plan.scale,
        actions=len(plan.actions),
        referrals=kinds["referral"],
        inbound_referrals=sum(1 for a in plan.actions if a.channel == "inbound"),
        re_referrals=re_referrals,
        expected_re_referrals=plan.expected_re_referrals,
        case_events=sum(kinds[k] for k in CASE_EVENTS),
        naloxone_distributions=kinds["naloxone_distribution"],
        naloxone_uses=kinds["naloxone_use"],
        cohort_members=kinds["cohort_member"],
        justice_contacts=kinds["justice_contact"],
        probation_spells=kinds["probation_spell"],
        seconds=seconds,
        by_kind=dict(sorted(kinds.items())),
        timers_fired_at_end=fired,
    )


async def _until_published(pool: asyncpg.Pool, timeout_s: float) -> None:
    """Until intake's outbox has published everything the simulation caused."""
    deadline = time.monotonic() + timeout_s
    while await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
        if time.monotonic() > deadline:
            raise SimulationError(f"intake did not publish its events within {timeout_s:.0f} s")
        await asyncio.sleep(0.1)


async def _declare_history_complete(url: str, token: str, timeout_s: float) -> int | None:
    """Tell abeyance the history is complete up to now; the number of timers it fired."""
    deadline = time.monotonic() + timeout_s
    body = {"until": datetime.now(UTC).isoformat()}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while True:
            try:
                response = await client.post("/timers/fire", json=body, headers=headers)
            except httpx.TransportError as error:
                raise SimulationError(f"abeyance unreachable at {url}: {error}") from error
            if response.status_code == 200:
                return int(response.json()["fired"])
            if response.status_code == 409:
                return None  # abeyance's timers follow the wall clock
            if response.status_code != 503 or time.monotonic() > deadline:
                raise SimulationError(
                    f"abeyance answered {response.status_code} when told the history was"
                    f" complete: {response.text[:500]}"
                )
            await asyncio.sleep(0.5)
