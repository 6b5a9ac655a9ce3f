"""Crafted event sets applied straight to a reporting database, for report tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from events.categories import Ethnicity, Gender, NaloxoneChannel, ParticipantStatus, Pathway
from events.common import Charge
from events.envelope import new_envelope
from events.payloads import (
    Arrest,
    EventPayload,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ParticipantStatusChanged,
    ReferralMade,
)
from events.registry import DecodedEvent
from services.platform.db import Connection, Pool, create_pool, migrate
from services.platform.projection import Source
from services.platform.runtime import platform_migrations
from services.reporting.app import migrations as reporting_migrations
from services.reporting.domain.as_of import AsOf, Known
from services.reporting.projection import ReportingProjection, apply_event
from services.reporting.tables import Period, ReportTable, Scope, build

SITES = ("south-la-north-long-beach", "hollywood", "east-la")
_positions = itertools.count(1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""When crafted events become known unless a test says otherwise: before every as-of day."""


def known(position: int, at: datetime = EARLIEST, occurred_at: datetime | None = None) -> Known:
    """An event applied at ``position``, known from ``at`` (and occurred then, by default)."""
    return Known(position, uuid4(), occurred_at or at, at)


async def reporting_pool(dsn: str) -> Pool:
    pool = await create_pool(dsn)
    await migrate(pool, platform_migrations() + reporting_migrations())
    return pool


def made(
    site: str,
    pathway: Pathway = Pathway.SOCIAL_CONTACT,
    *,
    participant: UUID | None = None,
    gender: Gender | None = None,
    ethnicity: Ethnicity | None = None,
    on: datetime | None = None,
) -> ReferralMade:
    arrest = None
    if pathway is Pathway.PREBOOKING:
        arrest = Arrest(
            report_number="R-1",
            arresting_agency="lapd",
            prosecuting_agency="lacityatty",
            charges=(Charge(statute="HS 11350(a)", description="possession", level="misdemeanor"),),
        )
    return ReferralMade(
        referral_id=uuid4(),
        participant_id=participant or uuid4(),
        site=site,
        pathway=pathway,
        referred_at=on or datetime(2021, 6, 1, 17, tzinfo=UTC),
        referring_agency="lapd",
        is_re_referral=participant is not None,
        gender=gender,
        ethnicity=ethnicity,
        arrest=arrest,
    )


def inactive(referral: ReferralMade) -> ParticipantStatusChanged:
    return ParticipantStatusChanged(
        referral_id=referral.referral_id,
        status=ParticipantStatus.INACTIVE,
        reason="no contact",
        changed_at=referral.referred_at + timedelta(days=40),
    )


def kits(channel: NaloxoneChannel, n: int, on: date) -> NaloxoneDistributed:
    return NaloxoneDistributed(
        distribution_id=uuid4(), channel=channel, kits=n, doses=2 * n, distributed_on=on
    )


def uses(channel: NaloxoneChannel, n: int, on: date) -> NaloxoneUseReported:
    return NaloxoneUseReported(report_id=uuid4(), channel=channel, uses=n, reported_on=on)


async def apply_all(conn: Connection, events: list[EventPayload], at: datetime = EARLIEST) -> None:
    """Apply the events in order, each at the next position, all known from ``at`` (and
    counted applied, as the projection does)."""
    for event in events:
        await apply_event(conn, event, known(next(_positions), at))
    await conn.execute("UPDATE projection_position SET position = position + $1", len(events))


async def report(pool: Pool, name: str, *, public: bool = False) -> ReportTable:
    async with pool.acquire() as conn:
        return await build(conn, name, Scope(Period(), SITES), public=public)


def value(table: ReportTable, measure: str = "n", **dims: str | int) -> object:
    found = [c.value for c in table.cells if c.measure == measure and dict(c.dims) == dims]
    assert len(found) == 1, f"{table.name}: {dims} {measure} -> {found}"
    return found[0]


# --- events as the projection runner gives them (envelopes with both times) ---------------

SOURCE = Source("lead.referral.events", 0, 0)


def day(d: int, hour: int = 18) -> datetime:
    """A moment of January 2021 (18:00 UTC is 10:00 in Los Angeles)."""
    return datetime(2021, 1, d, hour, tzinfo=UTC)


def recorded(payload: EventPayload, occurred: datetime, at: datetime) -> DecodedEvent:
    envelope = new_envelope(payload, occurred_at=occurred, source="intake", recorded_at=at)
    return DecodedEvent(envelope, payload)


def status(referral: ReferralMade, to: ParticipantStatus, at: datetime) -> ParticipantStatusChanged:
    return ParticipantStatusChanged(
        referral_id=referral.referral_id, status=to, reason="case review", changed_at=at
    )


async def feed(pool: Pool, events: list[DecodedEvent], event_time: bool = False) -> None:
    projection = ReportingProjection(event_time=event_time)
    async with pool.acquire() as conn, conn.transaction():
        for event in events:
            await projection.apply(conn, event, SOURCE)


async def report_as_of(
    pool: Pool, name: str, as_of: AsOf, period: Period = Period()
) -> ReportTable:
    async with pool.acquire() as conn:
        return await build(conn, name, Scope(period, SITES, as_of=as_of), public=False)
