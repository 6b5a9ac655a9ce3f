"""Each projection of the system, as the shared suite drives it: a fresh database, its records,
how they are delivered (the platform's runner, in the real PostgreSQL), and what it ends in.

A case knows nothing of the orders it is given (``deliveries``); the suite compares the states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from events.registry import decode
from events.topics import ABEYANCE_EVENTS, REFERRAL_EVENTS
from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.app import migrations as abeyance_migrations
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.application.timers import fire_due_timers
from services.abeyance.entrypoints.referral_events import ReferralEventsConsumer
from services.devstack.localinfra import ensure_database
from services.intake.app import joining_unit_of_work
from services.intake.app import migrations as intake_migrations
from services.intake.entrypoints.abeyance_events import AbeyanceEventsConsumer
from services.platform.db import Migration, Pool, create_pool, migrate
from services.platform.projection import ProjectionRunner
from services.platform.runtime import platform_migrations
from services.platform.settings import Settings
from services.program import default_program
from services.reporting.app import migrations as reporting_migrations
from services.reporting.domain.as_of import AsOf
from services.reporting.projection import ReportingProjection
from services.reporting.tables import REPORTS, Period, Scope, build
from tests.conftest import Infra
from tests.integration.abeyance_history import history
from tests.projections.deliveries import Batch, Record, highwaters, on_topic

CONSUMER = "tests-projection"
GRACE = timedelta(days=2)


class Projected(Protocol):
    """One projection being fed, in its own database."""

    async def deliver(self, batch: Batch) -> None: ...

    async def finish(self) -> Any:
        """Settle what is due, close, and return the state (comparable with ``==``)."""
        ...


class Case(Protocol):
    name: str

    async def records(self, infra: Infra) -> list[Record]:
        """The case's input, in the order it was recorded."""
        ...

    async def fresh(self, infra: Infra, live: bool) -> Projected: ...

    def check(self, state: Any) -> None:
        """Fail unless ``state`` shows the input was really applied (not an empty agreement)."""
        ...


async def fresh_pool(infra: Infra, prefix: str, migrations: list[Migration]) -> Pool:
    dsn = await ensure_database(infra.server_dsn, f"{prefix}_{datetime.now(UTC):%H%M%S%f}")
    pool = await create_pool(dsn)
    await migrate(pool, platform_migrations() + migrations)
    return pool


@dataclass
class Fed:
    """A projection fed through the platform's runner, as its consumer would feed it."""

    pool: Pool
    runner: ProjectionRunner
    records: Sequence[Record]

    async def deliver(self, batch: Batch) -> None:
        ends = highwaters(self.records)
        await self.runner.handle_batch(
            batch, {(r.topic, r.partition): ends[(r.topic, r.partition)] for r in batch}
        )


# --- abeyance: referral events -> decisions, notices, timers ------------------------------------


@dataclass
class ControlledClock:
    now: datetime = datetime(2019, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class AbeyanceFed(Fed):
    """Live: the clock is each record's recording time, and timers fire as it moves. Otherwise
    the wall clock, as a consumer catching up has, with timers fired after each batch."""

    clock: ControlledClock | None = None
    timing: Timekeeping = field(default_factory=lambda: Timekeeping(GRACE))

    async def deliver(self, batch: Batch) -> None:
        if self.clock is not None:
            self.clock.now = max(decode(r.value).envelope.recorded_at for r in batch)
            await self.fire_due()
        await super().deliver(batch)
        if self.clock is None:
            await self.fire_due()

    async def fire_due(self) -> None:
        while await fire_due_timers(
            lambda: PostgresAbeyanceUnitOfWork(self.pool), self.timing, CONSUMER, 200
        ):
            pass

    async def finish(self) -> Any:
        if self.clock is not None:
            self.clock.now = datetime.now(UTC)
        await self.fire_due()
        try:
            return await abeyance_state(self.pool)
        finally:
            await self.pool.close()


async def abeyance_state(pool: Pool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        streams = await conn.fetch(
            "SELECT stream_id, envelope FROM event_store ORDER BY stream_id, version"
        )
        abeyances = await conn.fetch(
            "SELECT referral_id, state FROM abeyances ORDER BY referral_id"
        )
        notices = await conn.fetch(
            "SELECT referral_id, decision, count(*) AS n FROM notices GROUP BY 1, 2 ORDER BY 1, 2"
        )
    decided: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for row in streams:
        envelope = decode(row["envelope"]).envelope
        decided.setdefault(row["stream_id"], []).append((envelope.event_type, envelope.payload))
    return {
        "decisions": decided,
        "abeyances": [tuple(r) for r in abeyances],
        "notices": [tuple(r) for r in notices],
    }


class AbeyanceCase:
    name = "abeyance"

    def __init__(self, referrals: int = 90) -> None:
        self._referrals = referrals

    async def records(self, infra: Infra) -> list[Record]:
        return on_topic(REFERRAL_EVENTS, (r.envelope for r in history(self._referrals, seed=23)))

    async def fresh(self, infra: Infra, live: bool) -> Projected:
        pool = await fresh_pool(infra, "proj_abey", abeyance_migrations())
        clock = ControlledClock() if live else None
        timing = Timekeeping(GRACE, clock) if clock else Timekeeping(GRACE)
        consumer = ReferralEventsConsumer(
            timing,
            default_program(),
            lambda conn: PostgresAbeyanceUnitOfWork(joining=conn, savepoint=False),
        )
        records = await self.records(infra)
        return AbeyanceFed(pool, ProjectionRunner(pool, consumer, CONSUMER), records, clock, timing)

    def check(self, state: Any) -> None:
        finals = {events[-1][0] for events in state["decisions"].values()}
        assert len(state["decisions"]) == self._referrals
        assert {"ChargesDeclined", "AbeyanceExpired", "AbeyanceEnded"} <= finals
        assert any(decision for _, decision, _ in state["notices"])
        assert all(n == 1 for *_, n in state["notices"])  # no notice twice


# --- intake's caseload: abeyance events -> what each referral's abeyance is -----------------------


async def abeyance_events(infra: Infra, referrals: int) -> list[Record]:
    """The events abeyance decides on a history, in the order it decided them."""
    case = AbeyanceCase(referrals)
    projected = await case.fresh(infra, live=True)
    for record in await case.records(infra):
        await projected.deliver([record])
    assert isinstance(projected, AbeyanceFed)
    pool = projected.pool
    await projected.fire_due()
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT envelope FROM event_store ORDER BY position")
    await pool.close()
    return on_topic(ABEYANCE_EVENTS, (decode(r["envelope"]).envelope for r in rows))


@dataclass
class CaseloadFed(Fed):
    async def finish(self) -> Any:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT referral_id, state, deadline_at, completion_condition, rescinded"
                " FROM abeyance_view ORDER BY referral_id"
            )
        await self.pool.close()
        return [tuple(r) for r in rows]


class CaseloadCase:
    name = "caseload"

    def __init__(self, referrals: int = 60) -> None:
        self._referrals = referrals
        self._records: list[Record] | None = None

    async def records(self, infra: Infra) -> list[Record]:
        if self._records is None:
            self._records = await abeyance_events(infra, self._referrals)
        return self._records

    async def fresh(self, infra: Infra, live: bool) -> Projected:
        pool = await fresh_pool(infra, "proj_case", intake_migrations())
        consumer = AbeyanceEventsConsumer(joining_unit_of_work(Settings()))
        return CaseloadFed(
            pool, ProjectionRunner(pool, consumer, CONSUMER), await self.records(infra)
        )

    def check(self, state: Any) -> None:
        assert len(state) == self._referrals
        assert {"declined", "expired", "ended"} <= {row[1] for row in state}
        assert any(row[4] for row in state)  # a rescinded expiry


# --- reporting: referral and abeyance events -> the report tables, now and as of a day -----------

AS_OF_DAYS = (date(2019, 7, 31), date(2019, 9, 30))
"""Two days inside the history: what the reports said then (known from when recorded)."""


@dataclass
class ReportsFed(Fed):
    async def finish(self) -> Any:
        sites = tuple(default_program().sites)
        tables = {}
        async with self.pool.acquire() as conn:
            for as_of in (AsOf(), *(AsOf(day=d) for d in AS_OF_DAYS)):
                for name in REPORTS:
                    scope = Scope(Period(), sites, public=False, as_of=as_of)
                    table = await build(conn, name, scope, public=False)
                    tables[(name, as_of.day)] = table.cells
        await self.pool.close()
        return tables


class ReportingCase:
    """Reporting reads the referral events and abeyance's decisions on them (as abeyance made
    them); the positions it gives events differ by order, the reports must not."""

    name = "reporting"

    def __init__(self, referrals: int = 60) -> None:
        self._referrals = referrals
        self._records: list[Record] | None = None

    async def records(self, infra: Infra) -> list[Record]:
        if self._records is None:
            referral_events = await AbeyanceCase(self._referrals).records(infra)
            self._records = referral_events + await abeyance_events(infra, self._referrals)
        return self._records

    async def fresh(self, infra: Infra, live: bool) -> Projected:
        pool = await fresh_pool(infra, "proj_rep", reporting_migrations())
        runner = ProjectionRunner(pool, ReportingProjection(), CONSUMER)
        return ReportsFed(pool, runner, await self.records(infra))

    def check(self, state: Any) -> None:
        def count(name: str, day: date | None, **dims: str) -> Any:
            [value] = [
                c.value for c in state[(name, day)] if c.measure == "n" and dict(c.dims) == dims
            ]
            return value

        assert count("referrals-by-site", None, site="all", status="total") == self._referrals
        earlier = count("referrals-by-site", AS_OF_DAYS[0], site="all", status="total")
        assert 0 < earlier < self._referrals  # the as-of day cuts the history
