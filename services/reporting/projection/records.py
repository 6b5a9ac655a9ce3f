"""Facts that never change once recorded: naloxone records and the evaluation's data."""

from __future__ import annotations

from events.payloads import (
    CohortMemberEnrolled,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ProbationSpellRecorded,
)
from services.platform.db import Connection
from services.reporting.domain.as_of import Known


async def _insert(conn: Connection, table: str, known: Known, *values: object) -> None:
    """One fact row: its values, then when it became known and its position (once per event)."""
    row = (*values, known.known_at, known.position)
    placeholders = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    await conn.execute(f"INSERT INTO {table} VALUES ({placeholders}) ON CONFLICT DO NOTHING", *row)


async def distributed(conn: Connection, record: NaloxoneDistributed, known: Known) -> None:
    await _insert(
        conn,
        "naloxone_distributions",
        known,
        record.distribution_id,
        record.channel.value,
        record.kits,
        record.doses,
        record.distributed_on,
    )


async def uses_reported(conn: Connection, record: NaloxoneUseReported, known: Known) -> None:
    await _insert(
        conn,
        "naloxone_uses",
        known,
        record.report_id,
        record.channel.value,
        record.uses,
        record.reported_on,
    )


async def enrolled(conn: Connection, member: CohortMemberEnrolled, known: Known) -> None:
    await _insert(
        conn,
        "cohort_members",
        known,
        member.subject_id,
        member.cohort.value,
        member.site,
        member.index_date,
        member.age,
        member.gender.value,
        member.ethnicity.value,
        member.prior_arrests_12mo,
    )


async def contact(conn: Connection, record: JusticeContactRecorded, known: Known) -> None:
    await _insert(
        conn,
        "justice_contacts",
        known,
        known.event_id,
        record.subject_id,
        record.kind.value,
        record.occurred_on,
    )


async def probation(conn: Connection, spell: ProbationSpellRecorded, known: Known) -> None:
    await _insert(
        conn,
        "probation_spells",
        known,
        known.event_id,
        spell.subject_id,
        spell.start_on,
        spell.end_on,
    )
