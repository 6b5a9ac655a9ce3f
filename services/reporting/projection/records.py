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


async def distributed(conn: Connection, record: NaloxoneDistributed, known: Known) -> None:
    await conn.execute(
        "INSERT INTO naloxone_distributions VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT DO NOTHING",
        record.distribution_id,
        record.channel.value,
        record.kits,
        record.doses,
        record.distributed_on,
        known.known_at,
        known.position,
    )


async def uses_reported(conn: Connection, record: NaloxoneUseReported, known: Known) -> None:
    await conn.execute(
        "INSERT INTO naloxone_uses VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        record.report_id,
        record.channel.value,
        record.uses,
        record.reported_on,
        known.known_at,
        known.position,
    )


async def enrolled(conn: Connection, member: CohortMemberEnrolled, known: Known) -> None:
    await conn.execute(
        "INSERT INTO cohort_members VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT DO NOTHING",
        member.subject_id,
        member.cohort.value,
        member.site,
        member.index_date,
        member.age,
        member.gender.value,
        member.ethnicity.value,
        member.prior_arrests_12mo,
        known.known_at,
        known.position,
    )


async def contact(conn: Connection, record: JusticeContactRecorded, known: Known) -> None:
    await conn.execute(
        "INSERT INTO justice_contacts VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        known.event_id,
        record.subject_id,
        record.kind.value,
        record.occurred_on,
        known.known_at,
        known.position,
    )


async def probation(conn: Connection, spell: ProbationSpellRecorded, known: Known) -> None:
    await conn.execute(
        "INSERT INTO probation_spells VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        known.event_id,
        spell.subject_id,
        spell.start_on,
        spell.end_on,
        known.known_at,
        known.position,
    )
