"""Reporting's projection: every topic's events into set-based tables, one per grain.

Each row carries the projection position (events applied so far) at which it was last written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    CohortMemberEnrolled,
    DemographicsRecorded,
    EventPayload,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ProbationSpellRecorded,
    ReferralMade,
)
from events.registry import DecodedEvent
from events.topics import ABEYANCE_EVENTS, EVALUATION_EVENTS, OEND_EVENTS, REFERRAL_EVENTS
from services.platform.db import Connection
from services.platform.projection import Source
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.facts import publish_changed_facts

TOPICS = (REFERRAL_EVENTS, ABEYANCE_EVENTS, OEND_EVENTS, EVALUATION_EVENTS)


class ReportingProjection:
    name = "reports"
    topics = TOPICS

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        position: int = await conn.fetchval(
            "UPDATE projection_position SET position = position + 1 RETURNING position"
        )
        envelope = event.envelope
        await apply_event(
            conn, event.payload, position, str(envelope.event_id), envelope.occurred_at
        )

    async def batch_applied(self, conn: Connection) -> None:
        """Queue the fact rows this batch changed for the warehouse topic (same transaction)."""
        published: int = await conn.fetchval("SELECT facts_published FROM projection_position")
        upto = await publish_changed_facts(conn, published)
        await conn.execute("UPDATE projection_position SET facts_published = $1", upto)


async def apply_event(
    conn: Connection,
    payload: EventPayload,
    position: int,
    event_id: str,
    occurred_at: datetime | None = None,
) -> None:
    """Apply one event. The result does not depend on the order of events of different
    subjects (a rebuild reads partitions in another interleaving than live operation did)."""
    match payload:
        case ReferralMade():
            await _referral_made(conn, payload, position)
        case ParticipantStatusChanged():
            await conn.execute(
                "UPDATE referrals SET status = $2, position = $3 WHERE referral_id = $1",
                payload.referral_id,
                payload.status.value,
                position,
            )
        case ParticipantWithdrew():  # a withdrawal ends participation (domain.md, statuses)
            await conn.execute(
                "UPDATE referrals SET withdrew_at = $2, status = 'inactive', position = $3"
                " WHERE referral_id = $1",
                payload.referral_id,
                payload.withdrew_at,
                position,
            )
        case DemographicsRecorded():
            await _demographics(conn, payload, position, occurred_at or datetime.now(UTC))
        case NaloxoneDistributed():
            await conn.execute(
                "INSERT INTO naloxone_distributions VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT DO NOTHING",
                payload.distribution_id,
                payload.channel.value,
                payload.kits,
                payload.doses,
                payload.distributed_on,
                position,
            )
        case NaloxoneUseReported():
            await conn.execute(
                "INSERT INTO naloxone_uses VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                payload.report_id,
                payload.channel.value,
                payload.uses,
                payload.reported_on,
                position,
            )
        case (
            AbeyanceStarted()
            | ChargesDeclined()
            | AbeyanceExpired()
            | AbeyanceExpiryRescinded()
            | AbeyanceEnded()
        ):
            await _abeyance(conn, payload, position)
        case CohortMemberEnrolled():
            await conn.execute(
                "INSERT INTO cohort_members VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                " ON CONFLICT DO NOTHING",
                payload.subject_id,
                payload.cohort.value,
                payload.site,
                payload.index_date,
                payload.age,
                payload.gender.value,
                payload.ethnicity.value,
                payload.prior_arrests_12mo,
                position,
            )
        case JusticeContactRecorded():
            await conn.execute(
                "INSERT INTO justice_contacts VALUES ($1::uuid, $2, $3, $4, $5)"
                " ON CONFLICT DO NOTHING",
                event_id,
                payload.subject_id,
                payload.kind.value,
                payload.occurred_on,
                position,
            )
        case ProbationSpellRecorded():
            await conn.execute(
                "INSERT INTO probation_spells VALUES ($1::uuid, $2, $3, $4, $5)"
                " ON CONFLICT DO NOTHING",
                event_id,
                payload.subject_id,
                payload.start_on,
                payload.end_on,
                position,
            )


# A referral's demographics: the latest self-report, whether it came with the referral or in a
# later DemographicsRecorded (compared by when each was reported), so order does not matter.
_EFFECTIVE = """
UPDATE referrals r
   SET gender = CASE WHEN r.reported_gender IS NULL OR r.referred_at < d.reported_at
                     THEN d.gender ELSE r.reported_gender END,
       ethnicity = CASE WHEN r.reported_ethnicity IS NULL OR r.referred_at < d.reported_at
                        THEN d.ethnicity ELSE r.reported_ethnicity END,
       position = $2
  FROM participant_demographics d
 WHERE d.participant_id = r.participant_id AND r.participant_id = $1
"""


async def _referral_made(conn: Connection, made: ReferralMade, position: int) -> None:
    gender = made.gender.value if made.gender else None
    ethnicity = made.ethnicity.value if made.ethnicity else None
    await conn.execute(
        "INSERT INTO referrals (referral_id, participant_id, site, pathway, referred_at,"
        " referred_on, is_re_referral, gender, ethnicity, reported_gender, reported_ethnicity,"
        " age_at_referral, position)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT DO NOTHING",
        made.referral_id,
        made.participant_id,
        made.site,
        made.pathway.value,
        made.referred_at,
        made.referred_at.astimezone(PROGRAM_ZONE).date(),
        made.is_re_referral,
        gender or "unknown",
        ethnicity or "unknown",
        gender,
        ethnicity,
        made.age_at_referral,
        position,
    )
    await conn.execute(_EFFECTIVE, made.participant_id, position)


async def _demographics(
    conn: Connection, recorded: DemographicsRecorded, position: int, reported_at: datetime
) -> None:
    """Keep the participant's latest self-report (ties broken by value, for determinism)."""
    await conn.execute(
        "INSERT INTO participant_demographics AS d VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (participant_id) DO UPDATE"
        " SET gender = excluded.gender, ethnicity = excluded.ethnicity,"
        " reported_at = excluded.reported_at"
        " WHERE (excluded.reported_at, excluded.gender, excluded.ethnicity)"
        " > (d.reported_at, d.gender, d.ethnicity)",
        recorded.participant_id,
        recorded.gender.value,
        recorded.ethnicity.value,
        reported_at,
    )
    await conn.execute(_EFFECTIVE, recorded.participant_id, position)


async def _abeyance(conn: Connection, event: EventPayload, position: int) -> None:
    match event:
        case AbeyanceStarted():
            await conn.execute(
                "INSERT INTO abeyances (referral_id, prosecuting_agency, started_at, deadline_at,"
                " position) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                event.referral_id,
                event.prosecuting_agency,
                event.started_at,
                event.deadline_at,
                position,
            )
        case ChargesDeclined():
            await conn.execute(
                "UPDATE abeyances SET state = 'declined', declined_at = $2, decided_at = $2,"
                " position = $3 WHERE referral_id = $1",
                event.referral_id,
                event.declined_at,
                position,
            )
        case AbeyanceExpired():
            await conn.execute(
                "UPDATE abeyances SET state = 'expired', decided_at = deadline_at,"
                " position = $2 WHERE referral_id = $1",
                event.referral_id,
                position,
            )
        case AbeyanceExpiryRescinded():
            await conn.execute(
                "UPDATE abeyances SET rescinded = true, position = $2 WHERE referral_id = $1",
                event.referral_id,
                position,
            )
        case AbeyanceEnded():
            await conn.execute(
                "UPDATE abeyances SET state = 'ended', position = $2 WHERE referral_id = $1",
                event.referral_id,
                position,
            )
