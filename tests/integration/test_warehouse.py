"""The warehouse feed: de-identified fact tables, their topic messages and Parquet export."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pyarrow.parquet as pq
import pytest

from events.categories import (
    ChargeLevel,
    Cohort,
    CompletionStep,
    Ethnicity,
    Gender,
    JusticeContactKind,
    NaloxoneChannel,
    Pathway,
)
from events.common import Charge
from events.payloads import (
    AbeyanceStarted,
    Arrest,
    ChargesDeclined,
    CohortMemberEnrolled,
    DemographicsRecorded,
    EventPayload,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ParticipantWithdrew,
    ProbationSpellRecorded,
    ReferralMade,
)
from events.topics import REPORTING_FACTS
from services.platform.db import Connection, Pool, create_pool, migrate
from services.platform.runtime import platform_migrations
from services.reporting.app import migrations
from services.reporting.domain.as_of import AsOf
from services.reporting.export import MANIFEST, export_parquet
from services.reporting.facts import FACT_TABLES, publish_changed_facts
from services.reporting.projection import apply_event
from tests.integration.reporting_support import known

pytestmark = pytest.mark.integration

AS_OF = date(2024, 6, 30)
PREBOOKING = UUID("10000000-0000-0000-0000-000000000001")
SOCIAL = UUID("20000000-0000-0000-0000-000000000002")
LATER_PARTICIPANT = UUID("30000000-0000-0000-0000-000000000003")
LEAP_SUBJECT = UUID("40000000-0000-0000-0000-000000000004")
PLAIN_SUBJECT = UUID("50000000-0000-0000-0000-000000000005")
BEFORE_LA_50K = UUID("60000000-0000-0000-0000-000000000006")
IN_LA_50K = UUID("70000000-0000-0000-0000-000000000007")
USE_REPORT = UUID("80000000-0000-0000-0000-000000000008")

_CHARGES = (Charge(statute="HS 11350", description="possession", level=ChargeLevel.MISDEMEANOR),)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 18, tzinfo=UTC)


def _history() -> list[EventPayload]:
    referred = _utc(date(2024, 3, 1))
    return [
        ReferralMade(
            referral_id=PREBOOKING,
            participant_id=uuid4(),
            site="hollywood",
            pathway=Pathway.PREBOOKING,
            referred_at=referred,
            referring_agency="lapd",
            is_re_referral=False,
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.LATINX,
            age_at_referral=34,
            arrest=Arrest(
                report_number="R-1",
                arresting_agency="lapd",
                prosecuting_agency="lacity-attorney",
                charges=_CHARGES,
            ),
        ),
        ReferralMade(
            referral_id=SOCIAL,
            participant_id=LATER_PARTICIPANT,
            site="east-la",
            pathway=Pathway.SOCIAL_CONTACT,
            referred_at=referred,
            referring_agency="lasd",
            is_re_referral=True,
        ),
        DemographicsRecorded(
            participant_id=LATER_PARTICIPANT, gender=Gender.MALE, ethnicity=Ethnicity.BLACK
        ),
        ParticipantWithdrew(referral_id=SOCIAL, withdrew_at=_utc(date(2024, 4, 1))),
        AbeyanceStarted(
            referral_id=PREBOOKING,
            prosecuting_agency="lacity-attorney",
            report_number="R-1",
            charges=_CHARGES,
            started_at=referred,
            deadline_at=_utc(date(2024, 3, 31)),
            completion_condition=(CompletionStep.ASSESSMENT,),
        ),
        ChargesDeclined(
            referral_id=PREBOOKING,
            prosecuting_agency="lacity-attorney",
            report_number="R-1",
            charges=_CHARGES,
            declined_at=_utc(date(2024, 3, 15)),
            basis="assessment completed",
            completed_on={CompletionStep.ASSESSMENT: date(2024, 3, 14)},
        ),
        _distribution(BEFORE_LA_50K, date(2021, 6, 30)),
        _distribution(IN_LA_50K, date(2021, 7, 1)),
        _subject(LEAP_SUBJECT, date(2023, 8, 31)),
        _contact(LEAP_SUBJECT, JusticeContactKind.MISDEMEANOR_ARREST, date(2024, 2, 29)),
        _contact(LEAP_SUBJECT, JusticeContactKind.FELONY_ARREST, date(2023, 8, 31)),
        _contact(LEAP_SUBJECT, JusticeContactKind.FELONY_CASE_FILED, date(2024, 3, 1)),
        ProbationSpellRecorded(
            subject_id=LEAP_SUBJECT, start_on=date(2024, 6, 1), end_on=date(2024, 12, 31)
        ),
        _subject(PLAIN_SUBJECT, date(2022, 8, 31)),
    ]


def _distribution(distribution_id: UUID, on: date) -> NaloxoneDistributed:
    return NaloxoneDistributed(
        distribution_id=distribution_id,
        channel=NaloxoneChannel.DHS_PROVIDERS,
        kits=3,
        doses=6,
        distributed_on=on,
    )


def _use(report_id: UUID) -> NaloxoneUseReported:
    return NaloxoneUseReported(
        report_id=report_id,
        channel=NaloxoneChannel.LA_50K_PARTNERS,
        uses=2,
        reported_on=date(2022, 1, 5),
    )


def _subject(subject_id: UUID, index_date: date) -> CohortMemberEnrolled:
    return CohortMemberEnrolled(
        subject_id=subject_id,
        cohort=Cohort.LEAD,
        site="hollywood",
        index_date=index_date,
        age=40,
        gender=Gender.MALE,
        ethnicity=Ethnicity.WHITE,
        prior_arrests_12mo=2,
    )


def _contact(subject_id: UUID, kind: JusticeContactKind, on: date) -> JusticeContactRecorded:
    return JusticeContactRecorded(subject_id=subject_id, kind=kind, occurred_on=on)


async def _apply(conn: Connection, *payloads: EventPayload) -> int:
    """Apply events as the projection does, one position each; the position before them."""
    before: int = await conn.fetchval("SELECT position FROM projection_position")
    for payload in payloads:
        position = await conn.fetchval(
            "UPDATE projection_position SET position = position + 1 RETURNING position"
        )
        await apply_event(conn, payload, known(position))
    return before


@pytest.fixture
async def reporting(database: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database)
    await migrate(pool, platform_migrations() + migrations())
    async with pool.acquire() as conn, conn.transaction():
        await _apply(conn, *_history(), _use(USE_REPORT))
    yield pool
    await pool.close()


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def _rows(directory: Path, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(directory / f"{table}.parquet").to_pylist()
    return rows


async def test_exporting_the_same_state_twice_gives_identical_files(
    reporting: Pool, database: str, tmp_path: Path
) -> None:
    first = await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))
    files = _hashes(tmp_path)
    second = await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))

    assert set(first.written) == set(FACT_TABLES)
    assert second.written == ()
    assert _hashes(tmp_path) == files
    assert set(files) == {MANIFEST, *(f"{t}.parquet" for t in FACT_TABLES)}
    assert first.position == second.position == len(_history()) + 1


async def test_parquet_files_hold_the_de_identified_facts(
    reporting: Pool, database: str, tmp_path: Path
) -> None:
    await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))

    referrals = _rows(tmp_path, "referral")
    assert [r["referral_id"] for r in referrals] == [str(PREBOOKING), str(SOCIAL)]
    assert referrals[1] | {"position": None} == {
        "referral_id": str(SOCIAL),
        "participant_id": str(LATER_PARTICIPANT),
        "site": "east-la",
        "pathway": "social_contact",
        "status": "inactive",  # withdrew: a withdrawal ends participation
        "referred_on": date(2024, 3, 1),
        "is_re_referral": True,
        "gender": "male",
        "ethnicity": "black",
        "age_at_referral": None,
        "withdrew": True,
        "position": None,
    }
    [decision] = _rows(tmp_path, "abeyance_decision")
    assert decision["site"] == "hollywood"
    assert decision["state"] == "declined"
    assert (decision["started_on"], decision["deadline_on"], decision["declined_on"]) == (
        date(2024, 3, 1),
        date(2024, 3, 31),
        date(2024, 3, 15),
    )
    assert decision["days_to_decline"] == 14.0
    assert [r["la_50k"] for r in _rows(tmp_path, "naloxone_distribution")] == [False, True]
    assert _rows(tmp_path, "naloxone_use")[0]["la_50k"] is True


async def test_evaluation_windows_count_contacts_in_index_date_to_window_end(
    reporting: Pool, database: str, tmp_path: Path
) -> None:
    await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))

    windows = {
        (r["subject_id"], r["window"]): r for r in _rows(tmp_path, "evaluation_subject_window")
    }
    leap_6, leap_12 = windows[(str(LEAP_SUBJECT), 6)], windows[(str(LEAP_SUBJECT), 12)]
    assert (leap_6["window_end"], leap_12["window_end"]) == (date(2024, 2, 29), date(2024, 8, 31))
    assert windows[(str(PLAIN_SUBJECT), 6)]["window_end"] == date(2023, 2, 28)
    assert (leap_6["observed"], leap_12["observed"]) == (True, False)
    # On window_end: counted; on the index date: not; the day after window_end: next window only.
    assert (leap_6["misdemeanor_arrest"], leap_12["misdemeanor_arrest"]) == (1, 1)
    assert (leap_6["felony_arrest"], leap_12["felony_arrest"]) == (0, 0)
    assert (leap_6["felony_case_filed"], leap_12["felony_case_filed"]) == (0, 1)
    assert (leap_6["probation"], leap_12["probation"]) == (0, 1)
    plain = windows[(str(PLAIN_SUBJECT), 12)]
    assert [plain[o] for o in ("misdemeanor_arrest", "felony_arrest", "probation")] == [0, 0, 0]


async def test_a_new_event_rewrites_only_the_table_it_changed(
    reporting: Pool, database: str, tmp_path: Path
) -> None:
    await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))
    before = _hashes(tmp_path)
    async with reporting.acquire() as conn, conn.transaction():
        await _apply(conn, _use(uuid4()))

    summary = await export_parquet(database, tmp_path, as_of=AsOf(day=AS_OF))

    assert summary.written == ("naloxone_use",)
    after = _hashes(tmp_path)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"naloxone_use.parquet", MANIFEST}
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["tables"]["naloxone_use"]["rows"] == 2
    assert manifest["tables"]["naloxone_use"]["max_position"] == len(_history()) + 2


async def test_publishing_enqueues_every_fact_row_changed_after_a_position(
    reporting: Pool,
) -> None:
    async with reporting.acquire() as conn, conn.transaction():
        highest = await publish_changed_facts(conn, 0, today=AS_OF)
        rows = await conn.fetch("SELECT key FROM outbox ORDER BY id")
        keys = [bytes(r["key"]).decode() for r in rows]

    assert highest == len(_history()) + 1
    assert len(keys) == 2 + 1 + 2 + 1 + 4
    assert f"referral:{PREBOOKING}" in keys
    assert f"evaluation_subject_window:{LEAP_SUBJECT}:12" in keys


async def test_a_later_contact_republishes_only_its_subject_windows(reporting: Pool) -> None:
    async with reporting.acquire() as conn, conn.transaction():
        before = await _apply(
            conn, _contact(PLAIN_SUBJECT, JusticeContactKind.FELONY_ARREST, date(2023, 1, 1))
        )
        highest = await publish_changed_facts(conn, before, today=AS_OF)
        rows = await conn.fetch("SELECT topic, key, headers, body FROM outbox ORDER BY id")

    assert highest == before + 1
    assert [bytes(r["key"]).decode() for r in rows] == [
        f"evaluation_subject_window:{PLAIN_SUBJECT}:6",
        f"evaluation_subject_window:{PLAIN_SUBJECT}:12",
    ]
    assert {r["topic"] for r in rows} == {REPORTING_FACTS}
    position = str(before + 1)
    assert rows[0]["headers"] == [
        ["fact_table", "evaluation_subject_window"],
        ["position", position],
    ]
    six, twelve = (json.loads(r["body"]) for r in rows)
    assert six["table"] == "evaluation_subject_window"
    assert six["row"]["window_end"] == "2023-02-28"
    assert (six["row"]["felony_arrest"], twelve["row"]["felony_arrest"]) == (1, 1)
    assert six["row"]["position"] == before + 1


def test_no_fact_table_has_an_identifying_column() -> None:
    identifying = re.compile(r"name|given|family|birth|dob|address|phone|report_number")
    for table in FACT_TABLES.values():
        for field in table.schema:
            assert not identifying.search(field.name), f"{table.name}.{field.name}"
            assert (field.metadata or {}).get(b"doc"), f"{table.name}.{field.name} has no doc"
