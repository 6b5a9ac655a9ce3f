"""Reports as they stood on a day or at a position, from the bitemporal read model.

Events go through the projection as the runner gives them (envelopes with ``recorded_at`` and
``occurred_at``), so positions come from the projection's own registry.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from events.categories import Ethnicity, Gender, ParticipantStatus
from events.payloads import (
    DemographicsRecorded,
    ParticipantWithdrew,
)
from events.registry import DecodedEvent
from services.platform.db import Pool
from services.reporting.domain import CellValue
from services.reporting.domain.as_of import AsOf
from services.reporting.rebuild import TABLES
from services.reporting.tables import Period
from tests.integration.reporting_support import (
    day,
    feed,
    made,
    recorded,
    report_as_of,
    reporting_pool,
    status,
    value,
)

pytestmark = pytest.mark.integration


def on(d: int) -> AsOf:
    return AsOf(day=date(2021, 1, d))


async def test_a_late_record_counts_from_the_day_it_was_recorded(database: str) -> None:
    pool = await reporting_pool(database)
    early = made("hollywood", on=day(2))
    late = made("hollywood", on=day(3))  # occurred on the 3rd, recorded on the 20th
    await feed(pool, [recorded(early, day(2), day(2)), recorded(late, day(3), day(20))])
    for as_of, expected in ((on(1), 0), (on(2), 1), (on(19), 1), (on(20), 2), (AsOf(), 2)):
        table = await report_as_of(pool, "referrals-by-site", as_of)
        assert value(table, site="hollywood", status="total") == expected, as_of
    await pool.close()


async def test_a_status_holds_from_when_its_change_was_recorded(database: str) -> None:
    pool = await reporting_pool(database)
    referral = made("east-la", on=day(2))
    events = [
        recorded(referral, day(2), day(2)),
        recorded(status(referral, ParticipantStatus.INACTIVE, day(5)), day(5), day(9)),
        recorded(status(referral, ParticipantStatus.ACTIVE, day(12)), day(12), day(12)),
    ]
    await feed(pool, events)
    for as_of, expected in ((on(8), "active"), (on(9), "inactive"), (on(12), "active")):
        table = await report_as_of(pool, "referrals-by-site", as_of)
        assert value(table, site="east-la", status=expected) == 1, as_of
    for position, expected in ((1, "active"), (2, "inactive"), (3, "active")):
        table = await report_as_of(pool, "referrals-by-site", AsOf(position=position))
        assert value(table, site="east-la", status=expected) == 1, position
    await pool.close()


async def test_a_withdrawal_makes_the_referral_inactive_once_recorded_and_occurred(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    referral = made("hollywood", on=day(2))
    withdrawal = ParticipantWithdrew(referral_id=referral.referral_id, withdrew_at=day(15))
    events = [
        recorded(referral, day(2), day(2)),
        recorded(withdrawal, day(15), day(10)),  # recorded ahead of the day it takes effect
        recorded(status(referral, ParticipantStatus.ACTIVE, day(20)), day(20), day(20)),
    ]
    await feed(pool, events)
    for as_of, expected in ((on(12), "active"), (on(15), "inactive"), (AsOf(), "inactive")):
        table = await report_as_of(pool, "referrals-by-site", as_of)
        assert value(table, site="hollywood", status=expected) == 1, as_of
    await pool.close()


async def test_a_period_combines_with_an_as_of_day(database: str) -> None:
    pool = await reporting_pool(database)
    in_2020 = [made("hollywood", on=datetime(2020, 6, d, 18, tzinfo=UTC)) for d in (1, 2, 3)]
    in_2021 = made("hollywood", on=day(4))
    events = [recorded(r, r.referred_at, r.referred_at) for r in in_2020[:2]]
    february = datetime(2021, 2, 1, 20, tzinfo=UTC)
    events += [recorded(in_2020[2], in_2020[2].referred_at, february)]  # late
    events += [recorded(in_2021, day(4), day(4))]
    await feed(pool, events)
    year = Period(date(2020, 1, 1), date(2020, 12, 31))
    known_then = await report_as_of(pool, "referrals-by-site", on(31), year)
    assert value(known_then, site="hollywood", status="total") == 2
    known_now = await report_as_of(pool, "referrals-by-site", AsOf(), year)
    assert value(known_now, site="hollywood", status="total") == 3
    await pool.close()


async def test_a_later_self_report_changes_demographics_from_when_it_is_known(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    referral = made("hollywood", gender=Gender.MALE, ethnicity=Ethnicity.WHITE, on=day(2))
    report_ = DemographicsRecorded(
        participant_id=referral.participant_id, gender=Gender.TRANS_WOMAN, ethnicity=Ethnicity.BLACK
    )
    await feed(pool, [recorded(referral, day(2), day(2)), recorded(report_, day(6), day(7))])
    before = await report_as_of(pool, "demographics", on(6))
    after = await report_as_of(pool, "demographics", on(7))
    assert value(before, site="hollywood", status="total", gender="male") == 1
    assert value(after, site="hollywood", status="total", gender="trans_woman") == 1
    await pool.close()


async def test_on_event_time_a_replayed_history_reads_as_it_occurred(database: str) -> None:
    pool = await reporting_pool(database)
    today = datetime.now(UTC)
    referral = made("east-la", on=day(2))
    events = [
        recorded(referral, day(2), today),
        recorded(status(referral, ParticipantStatus.INACTIVE, day(9)), day(9), today),
    ]
    await feed(pool, events, event_time=True)
    assert value(
        await report_as_of(pool, "referrals-by-site", on(8)), site="east-la", status="active"
    )
    table = await report_as_of(pool, "referrals-by-site", on(9))
    assert value(table, site="east-la", status="inactive") == 1
    await pool.close()


def _history(rng: random.Random) -> list[list[DecodedEvent]]:
    """Three referrals' event streams (one partition each), with late and early records."""
    streams = []
    for n, site in enumerate(("hollywood", "east-la", "south-la-north-long-beach")):
        referral = made(site, on=day(2 + n))
        stream = [recorded(referral, day(2 + n), day(2 + n + rng.randint(0, 5)))]
        at = day(10 + n)
        for to in (ParticipantStatus.INACTIVE, ParticipantStatus.ACTIVE):
            stream.append(recorded(status(referral, to, at), at, at + timedelta(days=n)))
            at += timedelta(days=4)
        streams.append(stream)
    return streams


def _interleave(rng: random.Random, streams: list[list[DecodedEvent]]) -> list[DecodedEvent]:
    """The streams merged in a random order, each stream's own order kept."""
    queues = [list(s) for s in streams]
    merged = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        merged.append(queue.pop(0))
    return merged


async def _every_as_of(pool: Pool, last: int) -> list[list[CellValue]]:
    cuts = [AsOf(position=p) for p in range(last + 1)] + [on(d) for d in range(1, 31)]
    out = []
    for as_of in cuts:
        table = await report_as_of(pool, "referrals-by-site", as_of)
        out.append([c.value for c in table.cells])
    return out


async def test_a_rebuild_in_another_interleaving_reads_the_same_on_every_day_and_position(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    rng = random.Random(14)
    streams = _history(rng)
    await feed(pool, _interleave(rng, streams))
    live = await _every_as_of(pool, 9)
    async with pool.acquire() as conn:  # what `lead reporting rebuild` empties
        await conn.execute(f"TRUNCATE {', '.join(TABLES)}")
        await conn.execute("UPDATE projection_position SET position = 0")
    await feed(pool, _interleave(rng, streams))
    assert await _every_as_of(pool, 9) == live
    assert len({str(x) for x in live}) > 5  # the cuts do differ from each other
    await pool.close()
