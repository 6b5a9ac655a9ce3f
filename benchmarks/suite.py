"""The benchmark suite: one local stack, each measure beside its baseline, at each size."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from benchmarks import history, latency, rebuild, replicas, reports, timers, writes
from benchmarks.figures import Row, at_least, at_most, median_of
from services.devstack.localinfra import free_port
from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.runtime import consumer_group
from services.platform.settings import Settings, with_database
from services.tokens import create_token

ADMIN = "bench-admin"
SERVICES = ("intake", "abeyance", "reporting")


@dataclass(frozen=True)
class Sizes:
    repetitions: int
    people: int
    """P1: referrals posted per repetition."""
    rebuild_events: tuple[int, ...]
    """P3 and memory: events in the log (the first is the rebuild figure, the rest growth)."""
    latency_seconds: float
    """P4: how long the steady 20/s load lasts."""
    pending_timers: tuple[int, ...]
    """P5: pending timers, smallest first."""
    report_referrals: tuple[int, ...]
    """P6: referrals reported, smallest first."""


FULL = Sizes(
    3, 2000, (20_000, 200_000, 2_000_000), 30.0, (1_000, 10_000, 100_000), (1_000, 10_000, 100_000)
)
QUICK = Sizes(1, 300, (500, 1_000), 3.0, (100, 1_000), (100, 1_000))


@dataclass
class Bench:
    stack: LocalStack
    sizes: Sizes
    out: Path
    console: Console

    @property
    def settings(self) -> Settings:
        return Settings(
            kafka_bootstrap=self.stack.kafka_bootstrap, database_url=self.stack.database_url
        )

    def database(self, service: str) -> str:
        return with_database(self.stack.database_url, f"lead_{service}")


async def p1_writes(bench: Bench) -> list[Row]:
    sizes, stack = bench.sizes, bench.stack
    token = await create_token(bench.settings, Role.justice_partner, "la-probation")
    runs = iter(range(100))

    async def ours() -> float:
        return await writes.post_referrals(
            stack.url("intake"), token, sizes.people, f"o{next(runs)}"
        )

    intake_rate = await median_of(sizes.repetitions, ours)
    raw_dsn = await _bench_database(stack, "bench_raw")
    raw = await median_of(sizes.repetitions, lambda: writes.raw_floor(raw_dsn, sizes.people))
    async with writes.peer_service(stack.database_url, bench.out) as peer_url:
        peer = await median_of(
            sizes.repetitions,
            lambda: writes.post_referrals(peer_url, "none", sizes.people, f"p{next(runs)}"),
        )
    vs_peer, peer_met = at_least(intake_rate, peer, 3.0)
    vs_raw, raw_met = at_least(intake_rate, raw, 0.3)
    title = f"P1 POST /referrals, {writes.IN_FLIGHT} in flight, {sizes.people:,} people"
    return [
        Row(title, intake_rate, "/s", "eventsourcing peer", peer, vs_peer, ">= 3x peer", peer_met),
        Row(title, intake_rate, "/s", "raw asyncpg, 4 conns", raw, vs_raw, ">= 0.3x raw", raw_met),
    ]


async def _bench_database(stack: LocalStack, name: str) -> str:
    from services.devstack.localinfra import ensure_database

    return await ensure_database(stack.database_url, name)


async def p3_rebuild_and_memory(bench: Bench) -> list[Row]:
    """The rebuild at the first size against the raw consumer; the services' memory after the
    log grew to each size (it must not grow with the events)."""
    sizes, stack = bench.sizes, bench.stack
    rows: list[Row] = []
    logged = await history.reporting_position(stack.url("reporting"), ADMIN)
    memory: list[tuple[int, dict[str, float]]] = []
    for size in sizes.rebuild_events:
        logged += await history.produce(stack.kafka_bootstrap, history.history(size - logged))
        await history.until_reporting_applied(stack.url("reporting"), ADMIN, logged)
        await history.until_quiet([stack.pid(s) for s in SERVICES])  # abeyance caught up too
        if not rows:
            ours = await median_of(
                sizes.repetitions, lambda: _first(rebuild.rebuild_rate(bench.settings))
            )
            raw = await median_of(
                sizes.repetitions, lambda: _first(rebuild.raw_consumer_rate(stack.kafka_bootstrap))
            )
            ratio, met = at_least(ours, raw, 0.33)
            title = f"P3 lead reporting rebuild, {logged:,} events"
            rows.append(
                Row(
                    title,
                    ours,
                    "events/s",
                    "aiokafka getmany + json + pydantic",
                    raw,
                    ratio,
                    ">= 0.33x",
                    met,
                )
            )
        memory.append((logged, {s: rebuild.resident_mib(stack.pid(s)) for s in SERVICES}))
    first_events, first = memory[0]
    for events, resident in memory[1:]:
        for service in SERVICES:
            ratio, met = at_most(resident[service], first[service], 1.25)
            title = f"M {service} resident set at {events:,} events"
            baseline = f"at {first_events:,} events"
            rows.append(
                Row(
                    title,
                    resident[service],
                    "MiB",
                    baseline,
                    first[service],
                    ratio,
                    "flat (<= 1.25x)",
                    met,
                )
            )
    return rows


async def _first(measured: Awaitable[tuple[float, int]]) -> float:
    return (await measured)[0]


async def p4_latency(bench: Bench) -> list[Row]:
    stack, seconds = bench.stack, bench.sizes.latency_seconds
    token = await create_token(bench.settings, Role.justice_partner, "la-probation")
    ours = await latency.accepted_to_visible(
        stack.url("intake"), token, bench.database("reporting"), seconds
    )
    floor = await latency.produce_to_consume(
        stack.kafka_bootstrap, bench.settings.kafka_fetch_max_wait_ms, seconds
    )
    title = "P4 accepted -> visible in reporting, 20/s"
    p50, _ = at_most(ours.p50_ms, floor.p50_ms, 5.0)
    p99, met = at_most(ours.p99_ms, floor.p99_ms, 5.0)
    base = "aiokafka produce (acks=all) -> consume"
    return [
        Row(f"{title}, p50", ours.p50_ms, "ms", base, floor.p50_ms, p50, "", None),
        Row(f"{title}, p99", ours.p99_ms, "ms", base, floor.p99_ms, p99, "<= 5x at p99", met),
    ]


async def p5_timers(bench: Bench) -> list[Row]:
    dsn = bench.database("abeyance")
    ticks = []
    for n in bench.sizes.pending_timers:
        await timers.pending_timers(dsn, n)
        ticks.append((n, await timers.tick_ms(dsn)))
    await timers.pending_timers(dsn, 0)
    (smallest, first), rows = ticks[0], []
    for n, tick in ticks:
        ratio, met = at_most(tick, first, 1.25)
        title = f"P5 scheduler tick, nothing due, {n:,} pending"
        rows.append(
            Row(
                title,
                tick,
                "ms",
                f"at {smallest:,} pending",
                first,
                ratio,
                "<= 1.25x",
                met if n != smallest else None,
            )
        )
    return rows


async def p6_reports(bench: Bench) -> list[Row]:
    stack, rows = bench.stack, []
    url = stack.url("reporting")
    made = 0
    times: dict[str, list[tuple[int, reports.ReportTimes]]] = {
        "referrals-by-site": [],
        "demographics": [],
    }
    for n in bench.sizes.report_referrals:
        referrals = history.history(n - made, seed=n, referrals_only=True)
        made += await history.produce(stack.kafka_bootstrap, referrals)
        await history.until_reporting_applied(url, ADMIN, made)
        for name in times:
            times[name].append((n, await reports.report_times(url, name)))
    for name, measured in times.items():
        (smallest, first) = measured[0]
        for n, took in measured:
            ratio, met = at_most(took.median_ms, first.median_ms, 1.5)
            title = f"P6 public {name}, {n:,} referrals (first request {took.first_ms:,.0f} ms)"
            rows.append(
                Row(
                    title,
                    took.median_ms,
                    "ms",
                    f"at {smallest:,} referrals",
                    first.median_ms,
                    ratio,
                    "<= 1.5x",
                    met if n != smallest else None,
                )
            )
    return rows


async def two_replicas(bench: Bench) -> list[Row]:
    """Two replicas of abeyance and of reporting share the work of one log, none twice."""
    stack, events = bench.stack, bench.sizes.rebuild_events[0]
    rows = []
    async with (
        replicas.second_replica(stack, "abeyance") as abeyance_2,
        replicas.second_replica(stack, "reporting") as reporting_2,
    ):
        await asyncio.sleep(8)  # both groups settle their new members
        log = list(history.history(events))
        referral_events = sum(e.event_type != "NaloxoneDistributed" for e in log)
        await history.produce(stack.kafka_bootstrap, iter(log))
        await history.until_reporting_applied(stack.url("reporting"), ADMIN, events)
        await asyncio.sleep(3)  # abeyance too
        for service, second, expected in (
            ("abeyance", abeyance_2, referral_events),
            ("reporting", reporting_2, events),
        ):
            group = consumer_group(service, "referrals" if service == "abeyance" else "reports")
            shares = [
                (await replicas.applied(url)).get(group, 0.0)
                for url in (stack.url(service), second)
            ]
            met = all(shares) and sum(shares) == expected
            title = f"R {service}, 2 replicas: {shares[0]:,.0f} + {shares[1]:,.0f} applied"
            rows.append(
                Row(
                    title,
                    sum(shares),
                    "events",
                    "events to apply",
                    expected,
                    sum(shares) / expected,
                    "split, none twice",
                    met,
                )
            )
    return rows


MEASURES: dict[str, Callable[[Bench], Awaitable[list[Row]]]] = {
    "P1": p1_writes,
    "P4": p4_latency,
    "P5": p5_timers,
    "P3": p3_rebuild_and_memory,
    "P6": p6_reports,
    "R": two_replicas,
}


EXTRA_ENV: dict[str, str] = {}
ALONE = {"P1": ("intake",)}
"""Measures of one service, run without the others (P1 is intake's write path, as the peer's)."""


async def run_all(
    sizes: Sizes, out: Path, console: Console, only: Sequence[str] | None
) -> list[Row]:
    """Each measure on a stack of its own (its data counted from zero)."""
    rows: list[Row] = []
    for name, measure in MEASURES.items():
        if only and name not in only:
            continue
        stack = LocalStack(
            ports={s: free_port() for s in SERVICES},
            extra_env={"LEAD_ADMIN_TOKEN": ADMIN, "LEAD_LOG_LEVEL": "WARNING", **EXTRA_ENV},
            services=ALONE.get(name, SERVICES),
        )
        await asyncio.to_thread(stack.start)
        try:
            with console.status(f"measuring {name}..."):
                rows += await measure(Bench(stack, sizes, out, console))
        finally:
            await asyncio.to_thread(stack.stop)
        console.print(f"{name} measured")
    return rows
