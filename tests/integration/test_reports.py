"""Report tables from crafted events, against hand-computed numbers and the published page."""

from __future__ import annotations

import asyncio
import math
from datetime import date, timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from events.categories import Ethnicity, Gender, NaloxoneChannel, Pathway
from events.payloads import DemographicsRecorded, EventPayload, ParticipantWithdrew
from services.platform.runtime import ServiceRuntime
from services.platform.settings import Settings
from services.reporting.projection import apply_event
from services.reporting.tables import catalog
from services.reporting.tables.base import ReportTable
from services.reporting.tables.release import public_release
from services.reporting.warm import keep_public_release_warm
from tests.integration.reporting_support import (
    apply_all,
    inactive,
    kits,
    known,
    made,
    report,
    reporting_pool,
    uses,
    value,
)
from tests.integration.support import eventually
from tests.unit.test_suppression import lp_ranges

pytestmark = pytest.mark.integration
PUBLISHED_BY_SITE = {
    "hollywood": (38, 30),
    "south-la-north-long-beach": (153, 176),
    "east-la": (11, 0),
}


def published_referrals() -> list[EventPayload]:
    events: list[EventPayload] = []
    for site, (active, inactive_n) in PUBLISHED_BY_SITE.items():
        events += [made(site) for _ in range(active)]
        for _ in range(inactive_n):
            referral = made(site)
            events += [referral, inactive(referral)]
    return events


async def test_referrals_by_site_reproduces_the_published_table(database: str) -> None:
    pool = await reporting_pool(database)
    async with pool.acquire() as conn:
        await apply_all(conn, published_referrals())
    table = await report(pool, "referrals-by-site")
    expected = {
        "hollywood": (38, 56, 30, 44, 68),
        "south-la-north-long-beach": (153, 47, 176, 53, 329),
        "east-la": (11, 100, 0, 0, 11),
        "all": (202, 50, 206, 50, 408),
    }
    for site, (active, active_pct, inactive_n, inactive_pct, total) in expected.items():
        assert value(table, site=site, status="active") == active
        assert value(table, "pct", site=site, status="active") == active_pct
        assert value(table, site=site, status="inactive") == inactive_n
        assert value(table, "pct", site=site, status="inactive") == inactive_pct
        assert value(table, site=site, status="total") == total
        assert value(table, "pct", site=site, status="total") == 100
    public = await report(pool, "referrals-by-site", public=True)
    assert public.cells == table.cells  # no count from 1 to 10: nothing to hide
    await pool.close()


async def test_a_withdrawn_referral_counts_inactive(database: str) -> None:
    pool = await reporting_pool(database)
    stays, leaves = made("hollywood"), made("hollywood")
    left = ParticipantWithdrew(
        referral_id=leaves.referral_id, withdrew_at=leaves.referred_at + timedelta(days=9)
    )
    async with pool.acquire() as conn:
        await apply_all(conn, [stays, leaves, left])
    table = await report(pool, "referrals-by-site")
    assert value(table, site="hollywood", status="active") == 1
    assert value(table, site="hollywood", status="inactive") == 1
    await pool.close()


async def test_re_referrals_count_once_per_referral_and_unknown_is_in_the_denominator(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    person = made("hollywood", gender=Gender.FEMALE)
    again = made("hollywood", participant=person.participant_id, gender=Gender.FEMALE)
    others = [made("hollywood", gender=Gender.MALE), made("hollywood")]  # the last: unknown
    async with pool.acquire() as conn:
        await apply_all(conn, [person, again, *others])
    table = await report(pool, "demographics")
    assert value(table, site="hollywood", status="total", gender="female") == 2
    assert value(table, "pct", site="hollywood", status="total", gender="female") == 50
    assert value(table, site="hollywood", status="total", gender="unknown") == 1
    assert value(table, "pct", site="hollywood", status="total", gender="unknown") == 25
    assert value(await report(pool, "referrals-by-site"), site="hollywood", status="total") == 4
    await pool.close()


async def test_percentages_round_half_up(database: str) -> None:
    pool = await reporting_pool(database)
    events: list[EventPayload] = [made("hollywood", Pathway.PREBOOKING) for _ in range(153)]
    events += [made("hollywood", Pathway.SOCIAL_CONTACT) for _ in range(176)]
    events += [made("east-la", Pathway.COMMUNITY) for _ in range(8)]  # 1/8 = 12.5% -> 13%
    events += [made("east-la", Pathway.SOCIAL_CONTACT) for _ in range(56)]
    async with pool.acquire() as conn:
        await apply_all(conn, events)
    table = await report(pool, "referrals-by-pathway")
    assert value(table, "pct", site="hollywood", status="total", pathway="prebooking") == 47
    assert value(table, "pct", site="east-la", status="total", pathway="community") == 13
    await pool.close()


async def test_naloxone_reproduces_the_published_totals(database: str) -> None:
    pool = await reporting_pool(database)
    dhs, partners, direct, vending, custody = (
        NaloxoneChannel.DHS_PROVIDERS,
        NaloxoneChannel.LA_50K_PARTNERS,
        NaloxoneChannel.OEND_DIRECT_TO_COMMUNITY,
        NaloxoneChannel.JAIL_VENDING,
        NaloxoneChannel.JAIL_IN_CUSTODY,
    )
    events: list[EventPayload] = [
        kits(dhs, 841, date(2019, 9, 1)),
        kits(dhs, 5144, date(2020, 5, 1)),
        kits(dhs, 1020, date(2021, 3, 1)),
        kits(dhs, 2724, date(2021, 9, 1)),
        kits(partners, 3441, date(2022, 2, 1)),
        kits(direct, 9739, date(2020, 6, 1)),
        kits(direct, 6353, date(2021, 2, 1)),
        kits(direct, 3251, date(2021, 8, 1)),
        kits(vending, 14304, date(2020, 7, 1)),
        kits(vending, 4363, date(2021, 1, 5)),
        kits(vending, 1770, date(2021, 10, 1)),
        kits(custody, 300, date(2021, 4, 1)),
        uses(partners, 132, date(2022, 3, 1)),
        uses(direct, 3684, date(2021, 1, 1)),
        uses(direct, 1092, date(2021, 12, 1)),
    ]
    async with pool.acquire() as conn:
        await apply_all(conn, events)
    table = await report(pool, "naloxone", public=True)
    totals = {dhs: 9729, partners: 3441, direct: 19343, vending: 20437, custody: 300}
    for channel, total in totals.items():
        assert value(table, "kits", channel=channel.value, period="total") == total
        assert value(table, "doses", channel=channel.value, period="total") == 2 * total
    assert value(table, "kits", channel="total", period="total") == 53250
    assert value(table, "kits", channel="total", period=2019) == 841
    assert value(table, "kits", channel="total", period=2020) == 29187
    assert value(table, "kits", channel="total", period=2021) == 19781
    assert value(table, "kits", channel="total", period="la_50k") == 11186
    assert value(table, "doses", channel="total", period="la_50k") == 22372
    assert value(table, "uses", channel="total", period="total") == 4908
    assert value(table, "uses", channel="total", period="la_50k") == 1224
    await pool.close()


async def test_small_naloxone_counts_are_suppressed_and_cannot_be_worked_out(
    database: str,
) -> None:
    pool = await reporting_pool(database)
    dhs, direct, vending = (
        NaloxoneChannel.DHS_PROVIDERS,
        NaloxoneChannel.OEND_DIRECT_TO_COMMUNITY,
        NaloxoneChannel.JAIL_VENDING,
    )
    events: list[EventPayload] = [
        kits(dhs, 5, date(2020, 5, 1)),
        kits(direct, 500, date(2020, 6, 1)),
        kits(direct, 300, date(2021, 3, 1)),
        kits(vending, 7, date(2021, 9, 1)),  # LA 50K
        kits(direct, 250, date(2021, 10, 1)),  # LA 50K
        uses(direct, 3, date(2021, 12, 1)),  # LA 50K
        uses(direct, 200, date(2021, 1, 1)),
    ]
    async with pool.acquire() as conn:
        await apply_all(conn, events)
    internal = await report(pool, "naloxone")
    public = await report(pool, "naloxone", public=True)
    assert value(public, "kits", channel="dhs_providers", period=2020) == "<11"
    assert value(public, "doses", channel="dhs_providers", period=2020) == "<11"  # 10
    assert value(public, "kits", channel="jail_vending", period="la_50k") == "<11"
    # 14 doses are not small, but would give the 7 kits away: hidden with them, as a complement
    assert value(public, "doses", channel="jail_vending", period="la_50k") is None
    assert value(public, "uses", channel="oend_direct_to_community", period="la_50k") == "<11"
    assert any(c.value is None for c in public.cells if c.measure == "kits")  # a complement

    shown = {c.key: c.value for c in public.cells}
    values = {c.key: c.value for c in internal.cells if isinstance(c.value, int)}
    values |= internal.unpublished
    hidden = frozenset(k for k, v in shown.items() if v is None or v == "<11") | frozenset(
        internal.unpublished
    )
    # the reader knows nothing of the never-published counts but that they are not negative
    known = {k: (0.0, None) for k in internal.unpublished}
    for key, (low, high) in lp_ranges(values, internal.constraints, hidden, 0, known).items():
        if key in internal.unpublished:
            continue
        top = high if math.isinf(high) else math.floor(high + 1e-6)
        assert top > math.ceil(low - 1e-6), (key, low, high)  # two values at least remain
    await pool.close()


async def test_public_reports_hide_small_cells_and_their_complements(database: str) -> None:
    pool = await reporting_pool(database)
    events: list[EventPayload] = [made("hollywood") for _ in range(40)]
    events += [made("south-la-north-long-beach") for _ in range(60)]
    few = [made("east-la") for _ in range(3)]
    events += few + [inactive(r) for r in few[:1]]
    async with pool.acquire() as conn:
        await apply_all(conn, events)
    public = await report(pool, "referrals-by-site", public=True)
    assert value(public, site="east-la", status="active") == "<11"
    assert value(public, site="east-la", status="inactive") == "<11"
    assert value(public, "pct", site="east-la", status="active") is None
    # East LA's total (3) is small too; 'all sites' alone would give it away, so a complement
    # is hidden among the other sites' counts.
    hidden = [c for c in public.cells if c.value is None and c.measure == "n"]
    assert hidden, "a complementary cell must be hidden"
    await pool.close()


async def test_demographics_do_not_depend_on_the_order_events_arrive_in(database: str) -> None:
    pool = await reporting_pool(database)
    referral = made("hollywood", gender=Gender.MALE, ethnicity=Ethnicity.WHITE)
    later = DemographicsRecorded(
        participant_id=referral.participant_id,
        gender=Gender.TRANS_WOMAN,
        ethnicity=Ethnicity.LATINX,
    )
    earlier = DemographicsRecorded(
        participant_id=referral.participant_id, gender=Gender.FEMALE, ethnicity=Ethnicity.BLACK
    )
    at = referral.referred_at
    timed = [(referral, at), (later, at + timedelta(days=9)), (earlier, at - timedelta(days=9))]
    outcomes = []
    for order in ([0, 1, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]):
        async with pool.acquire() as conn:
            await conn.execute("TRUNCATE referrals, referral_statuses, demographic_reports")
            for position, i in enumerate(order, start=1):
                event, when = timed[i]
                await apply_event(conn, event, known(position, occurred_at=when))
        table = await report(pool, "demographics")
        outcomes.append(
            tuple(
                c.dims.get("gender", c.dims.get("ethnicity"))
                for c in table.cells
                if c.dims["site"] == "hollywood"
                and c.dims["status"] == "total"
                and c.measure == "n"
                and c.value == 1
                and "total" not in (c.dims.get("gender"), c.dims.get("ethnicity"))
            )
        )
    assert set(outcomes) == {("trans_woman", "latinx")}  # the latest self-report wins
    await pool.close()


async def test_a_percentage_without_denominator_is_null_with_a_note(database: str) -> None:
    pool = await reporting_pool(database)
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE referrals, referral_statuses")
        await apply_all(conn, [made("hollywood") for _ in range(12)])
    table = await report(pool, "referrals-by-site")
    [east] = [
        c
        for c in table.cells
        if c.measure == "pct" and dict(c.dims) == {"site": "east-la", "status": "active"}
    ]
    assert east.value is None and east.note == "no cases to take a percentage of"
    await pool.close()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each build of a public release, counted (the reports it was built from)."""
    built: list[int] = []

    def counted(internal: dict[str, ReportTable]) -> dict[str, ReportTable]:
        built.append(len(internal))
        return public_release(internal)

    monkeypatch.setattr(catalog, "public_release", counted)
    return built


async def test_requests_at_one_position_share_one_build_of_the_public_release(
    database: str, builds: list[int]
) -> None:
    """Public requests that arrive while the release of their position is built wait for it:
    the release is built once, not once per request."""
    pool = await reporting_pool(database)
    async with pool.acquire() as conn:
        await apply_all(conn, [made("hollywood") for _ in range(30)])
    answers = await asyncio.gather(
        *(report(pool, name, public=True) for name in ("referrals-by-site", "demographics") * 3)
    )
    assert len(builds) == 1
    assert value(answers[0], site="hollywood", status="active") == 30
    await pool.close()


async def test_the_public_release_is_built_in_the_background_once_the_position_settles(
    database: str, builds: list[int]
) -> None:
    """Reporting builds the default public release once its position has stopped moving; a
    public request then answers from memory; new events make it build the next one."""
    pool = await reporting_pool(database)
    async with pool.acquire() as conn:
        await apply_all(conn, [made("hollywood") for _ in range(20)])
    runtime = SimpleNamespace(pool=pool, settings=Settings(reporting_warm_after_s=0.05))
    stop = asyncio.Event()
    warming = asyncio.create_task(keep_public_release_warm(cast(ServiceRuntime, runtime), stop))
    try:
        await eventually(lambda: _built(builds, 1), timeout_s=10)
        public = await report(pool, "referrals-by-site", public=True)
        assert value(public, site="hollywood", status="active") == 20
        assert len(builds) == 1  # answered from the release built in the background
        async with pool.acquire() as conn:
            await apply_all(conn, [made("hollywood") for _ in range(5)])
        await eventually(lambda: _built(builds, 2), timeout_s=10)
        public = await report(pool, "referrals-by-site", public=True)
        assert value(public, site="hollywood", status="active") == 25
        assert len(builds) == 2
    finally:
        stop.set()
        await warming
    await pool.close()


async def _built(builds: list[int], n: int) -> bool:
    return len(builds) == n
