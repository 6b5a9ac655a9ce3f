"""Referrals by month: the referrals made by each month's end, active and inactive then."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from events.categories import ParticipantStatus, Pathway
from events.payloads import ParticipantWithdrew
from services.reporting.domain.as_of import AsOf
from services.reporting.tables import Period
from services.reporting.tables.base import ReportTable
from tests.integration.reporting_support import (
    feed,
    made,
    recorded,
    report_as_of,
    reporting_pool,
    status,
    value,
)

pytestmark = pytest.mark.integration


def at(month: int, d: int) -> datetime:
    """A moment of 2021, 10:00 in Los Angeles."""
    return datetime(2021, month, d, 18, tzinfo=UTC)


def month_end(
    table: ReportTable, month: str, site: str, state: str, pathway: str = "total"
) -> object:
    return value(table, month=month, site=site, pathway=pathway, status=state)


async def test_each_month_counts_the_referrals_made_by_its_end_with_their_status_then(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    january = made("hollywood", on=at(1, 10))
    february = made("hollywood", Pathway.COMMUNITY, on=at(2, 3))
    march = made("east-la", on=at(3, 20))
    events = [
        recorded(january, at(1, 10), at(1, 10)),
        recorded(february, at(2, 3), at(2, 3)),
        recorded(status(january, ParticipantStatus.INACTIVE, at(2, 14)), at(2, 14), at(2, 14)),
        recorded(march, at(3, 20), at(3, 20)),
        # back-dated: recorded in April, occurred in March
        recorded(status(january, ParticipantStatus.ACTIVE, at(3, 5)), at(3, 5), at(4, 2)),
        recorded(
            ParticipantWithdrew(referral_id=february.referral_id, withdrew_at=at(4, 9)),
            at(4, 9),
            at(4, 9),
        ),
    ]
    await feed(pool, events)
    table = await report_as_of(pool, "referrals-by-month", AsOf(day=date(2021, 4, 30)))
    months = sorted({str(c.dims["month"]) for c in table.cells})
    assert months == ["2021-01", "2021-02", "2021-03", "2021-04"]
    expected = {  # (active, inactive) at Hollywood's month ends, as known on April 30
        "2021-01": (1, 0),
        "2021-02": (1, 1),  # January's referral inactive since Feb 14, February's active
        "2021-03": (2, 0),  # reactivated on March 5 (recorded in April: known now)
        "2021-04": (1, 1),  # February's referral withdrew on April 9
    }
    for month, (active, inactive) in expected.items():
        assert month_end(table, month, "hollywood", "active") == active, month
        assert month_end(table, month, "hollywood", "inactive") == inactive, month
    assert month_end(table, "2021-02", "hollywood", "total", "community") == 1
    assert month_end(table, "2021-03", "east-la", "total") == 1
    assert not any(c.dims["site"] == "all" for c in table.cells)  # per site only
    # As known on March 31, the reactivation was not recorded yet.
    earlier = await report_as_of(pool, "referrals-by-month", AsOf(day=date(2021, 3, 31)))
    assert month_end(earlier, "2021-03", "hollywood", "active") == 1
    assert month_end(earlier, "2021-03", "hollywood", "inactive") == 1
    await pool.close()


async def test_the_last_month_is_what_the_other_tables_say_on_the_as_of_day(database: str) -> None:
    pool = await reporting_pool(database)
    referrals = [made("south-la-north-long-beach", on=at(m, 2)) for m in (1, 2, 3, 5)]
    events = [recorded(r, r.referred_at, r.referred_at) for r in referrals]
    events.append(
        recorded(status(referrals[0], ParticipantStatus.INACTIVE, at(5, 9)), at(5, 9), at(5, 9))
    )
    await feed(pool, events)
    as_of = AsOf(day=date(2021, 5, 20))
    months = await report_as_of(pool, "referrals-by-month", as_of)
    by_pathway = await report_as_of(pool, "referrals-by-pathway", as_of)
    for state in ("active", "total"):
        for pathway in ("social_contact", "total"):
            dims = {"site": "south-la-north-long-beach", "status": state, "pathway": pathway}
            assert value(months, month="2021-05", **dims) == value(by_pathway, **dims)
    assert month_end(months, "2021-04", "south-la-north-long-beach", "total") == 3
    year = Period(date(2021, 2, 1), date(2021, 3, 31))
    part = await report_as_of(pool, "referrals-by-month", as_of, year)
    assert sorted({c.dims["month"] for c in part.cells}) == ["2021-02", "2021-03"]
    assert month_end(part, "2021-03", "south-la-north-long-beach", "total") == 2
    await pool.close()
