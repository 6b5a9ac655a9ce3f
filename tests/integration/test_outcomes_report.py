"""The ``outcomes`` report from evaluation events: projection, SQL, model and suppression."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import numpy as np
import pytest

from events.categories import Cohort, Ethnicity, Gender, JusticeContactKind
from events.payloads import (
    CohortMemberEnrolled,
    EventPayload,
    JusticeContactRecorded,
    ProbationSpellRecorded,
)
from services.platform.db import Pool, create_pool, migrate
from services.platform.runtime import platform_migrations
from services.reporting.app import migrations
from services.reporting.domain import SUPPRESSED, Cell
from services.reporting.domain.as_of import AsOf
from services.reporting.domain.evaluation import window_end
from services.reporting.projection import apply_event
from services.reporting.tables import Period, Scope, build
from services.reporting.tables.outcomes import observed_through
from tests.integration.reporting_support import known

pytestmark = pytest.mark.integration

TRUE_OR = 0.25
SITES = ("hollywood",)
SCOPE = Scope(Period(), SITES)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database)
    await migrate(pool, platform_migrations() + migrations())
    yield pool
    await pool.close()


async def feed(pool: Pool, payloads: list[EventPayload]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        for position, payload in enumerate(payloads, start=1):
            await apply_event(conn, payload, known(position))


def _uuid(rng: np.random.Generator) -> uuid.UUID:
    return uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | int(rng.integers(0, 2**62)))


def member(
    rng: np.random.Generator, cohort: Cohort, index_date: date, prior: int = 0
) -> CohortMemberEnrolled:
    return CohortMemberEnrolled(
        subject_id=_uuid(rng),
        cohort=cohort,
        site=SITES[0],
        index_date=index_date,
        age=int(rng.integers(18, 70)),
        gender=Gender.MALE if rng.random() < 0.5 else Gender.FEMALE,
        ethnicity=Ethnicity.BLACK if rng.random() < 0.6 else Ethnicity.LATINX,
        prior_arrests_12mo=prior,
    )


def simulate(n: int, seed: int) -> list[EventPayload]:
    """Subjects with a true LEAD odds ratio of 0.25 for every outcome.

    Misdemeanor arrests fall in the first 6 months (same outcome in both windows); felony arrests
    only in months 7-12 (so none in the 6-month window); felony cases filed anywhere in the first
    12 months; probation spells overlap the index date, non-cases have one that ended on it.
    """
    rng = np.random.default_rng(seed)
    events: list[EventPayload] = []
    for i in range(n):
        lead = i % 2 == 0
        index_date = date(2019, 1, 1) + timedelta(days=int(rng.integers(0, 730)))
        enrolled = member(
            rng, Cohort.LEAD if lead else Cohort.COMPARISON, index_date, int(rng.poisson(1.5))
        )
        events.append(enrolled)
        sid = enrolled.subject_id
        six, twelve = window_end(index_date, 6), window_end(index_date, 12)

        def happens(lead: bool = lead, prior: int = enrolled.prior_arrests_12mo) -> bool:
            linear = -0.7 + math.log(TRUE_OR) * lead + 0.3 * prior
            return bool(rng.random() < 1 / (1 + math.exp(-linear)))

        def day_in(start: date, end: date) -> date:
            return start + timedelta(days=int(rng.integers(1, (end - start).days + 1)))

        for kind, start, end in (
            (JusticeContactKind.MISDEMEANOR_ARREST, index_date, six),
            (JusticeContactKind.FELONY_ARREST, six, twelve),
            (JusticeContactKind.FELONY_CASE_FILED, index_date, twelve),
        ):
            if happens():
                events.append(
                    JusticeContactRecorded(
                        subject_id=sid, kind=kind, occurred_on=day_in(start, end)
                    )
                )
            else:  # on the index date: outside every window
                events.append(
                    JusticeContactRecorded(subject_id=sid, kind=kind, occurred_on=index_date)
                )
        began = index_date - timedelta(days=int(rng.integers(1, 200)))
        ended = index_date + timedelta(days=int(rng.integers(1, 400))) if happens() else index_date
        events.append(ProbationSpellRecorded(subject_id=sid, start_on=began, end_on=ended))
    return events


def values(cells: list[Cell]) -> dict[tuple[str, int, str], Cell]:
    out: dict[tuple[str, int, str], Cell] = {}
    for cell in cells:
        outcome, window = cell.dims["outcome"], cell.dims["window"]
        assert isinstance(outcome, str) and isinstance(window, int)
        out[(outcome, window, cell.measure)] = cell
    return out


async def test_outcomes_recover_the_true_odds_ratio(pool: Pool) -> None:
    rng = np.random.default_rng(1)
    recent = date.today() - timedelta(days=200)  # observed for 6 months, not for 12
    late = [member(rng, Cohort.LEAD if i % 2 else Cohort.COMPARISON, recent) for i in range(6)]
    await feed(pool, [*simulate(800, seed=1), *late])
    async with pool.acquire() as conn:
        table = await build(conn, "outcomes", SCOPE, public=False)
    assert table.name == "outcomes"
    cells = values(table.cells)
    assert len(cells) == 4 * 2 * 5
    for outcome in ("misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation"):
        for window in (6, 12):
            late_here = 3 if window == 6 else 0
            assert cells[(outcome, window, "subjects_lead")].value == 400 + late_here
            assert cells[(outcome, window, "subjects_comparison")].value == 400 + late_here
            if outcome == "felony_arrest" and window == 6:
                missing = cells[(outcome, window, "aor")]
                assert missing.value is None and missing.note is not None
                assert "no events" in missing.note
                continue
            aor, low, high = (
                cells[(outcome, window, m)].value for m in ("aor", "ci_low", "ci_high")
            )
            assert isinstance(aor, float) and isinstance(low, float) and isinstance(high, float)
            assert low < aor < high < 1
            if outcome == "felony_case_filed" and window == 6:
                continue  # cases fall anywhere in 12 months: the 6-month OR is not exactly 0.25
            assert low <= TRUE_OR <= high, (outcome, window, aor, low, high)
            assert abs(math.log(aor / TRUE_OR)) < 0.5
            assert cells[(outcome, window, "aor")].note is None


async def test_a_past_period_is_observed_up_to_its_end(pool: Pool) -> None:
    rng = np.random.default_rng(2)
    members = [
        member(rng, Cohort.LEAD if i % 2 else Cohort.COMPARISON, date(2019, 3, 1))
        for i in range(30)
    ]
    outside = member(rng, Cohort.LEAD, date(2020, 3, 1))
    await feed(pool, [*members, outside])
    scope = Scope(Period(date(2019, 1, 1), date(2019, 12, 31)), SITES)
    async with pool.acquire() as conn:
        table = await build(conn, "outcomes", scope, public=False)
    cells = values(table.cells)
    assert table.note is not None and "2019-12-31" in table.note
    assert cells[("probation", 6, "subjects_lead")].value == 15
    assert cells[("probation", 6, "aor")].note == "no events: no subject had the outcome"
    assert cells[("probation", 12, "subjects_lead")].value == 0
    assert cells[("probation", 12, "aor")].note == (
        "no subjects observed for the full 12-month window"
    )


async def test_small_cohorts_are_suppressed_for_the_public_only(pool: Pool) -> None:
    rng = np.random.default_rng(3)
    lead = [member(rng, Cohort.LEAD, date(2019, 5, 1), i % 3) for i in range(5)]
    comparison = [member(rng, Cohort.COMPARISON, date(2019, 5, 1), i % 3) for i in range(20)]
    contacts = [
        JusticeContactRecorded(
            subject_id=m.subject_id,
            kind=JusticeContactKind.FELONY_ARREST,
            occurred_on=date(2019, 6, 1),
        )
        for m in [*lead[:2], *comparison[:8]]
    ]
    await feed(pool, [*lead, *comparison, *contacts])
    async with pool.acquire() as conn:
        public = values((await build(conn, "outcomes", SCOPE, public=True)).cells)
        internal = values((await build(conn, "outcomes", SCOPE, public=False)).cells)
    for cells, shown_lead in ((public, SUPPRESSED), (internal, 5)):
        assert cells[("felony_arrest", 6, "subjects_lead")].value == shown_lead
        assert cells[("felony_arrest", 6, "subjects_comparison")].value == 20
    for measure in ("aor", "ci_low", "ci_high"):
        hidden = public[("felony_arrest", 6, measure)]
        assert hidden.value is None and hidden.note == "suppressed: fewer than 11 subjects"
        shown = internal[("felony_arrest", 6, measure)]  # internal shows everything it can fit
        assert shown.note != hidden.note
        assert shown.value is not None or shown.note
    assert internal[("felony_arrest", 6, "aor")].value is not None


def test_subjects_are_observed_through_today_the_as_of_day_or_the_earlier_period_end() -> None:
    today = date(2024, 6, 1)
    assert observed_through(SCOPE, today) == today
    past = Scope(Period(None, date(2020, 12, 31)), SITES)
    assert observed_through(past, today) == date(2020, 12, 31)
    future = Scope(Period(None, date(2030, 1, 1)), SITES)
    assert observed_through(future, today) == today
    as_of = Scope(Period(), SITES, as_of=AsOf(day=date(2021, 3, 1)))
    assert observed_through(as_of, today) == date(2021, 3, 1)
    both = Scope(Period(None, date(2020, 12, 31)), SITES, as_of=AsOf(day=date(2021, 3, 1)))
    assert observed_through(both, today) == date(2020, 12, 31)
