"""Referrals, their status and the participants' self-reported demographics.

A referral is active from when it is known; a status change sets its status; a withdrawal makes
it inactive from then on (``domain.md``: a withdrawal ends participation), whatever status
change follows. Demographic self-reports are all kept: a report reads the latest one known at
its cut (see ``tables/known.py``), so their order of arrival does not matter.
"""

from __future__ import annotations

from events.payloads import (
    DemographicsRecorded,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ReferralMade,
)
from services.platform.db import Connection
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain.as_of import Known
from services.reporting.projection.versions import supersede

STATUS_COLUMNS = ("status", "withdrew_at", "occurred_at")
WITHDRAWN_STATUS = "inactive"

_REFERRAL = """
INSERT INTO referrals (referral_id, participant_id, site, pathway, referred_at, referred_on,
                       is_re_referral, reported_gender, reported_ethnicity, age_at_referral,
                       known_at, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING
"""
_FIRST_STATUS = """
INSERT INTO referral_statuses (referral_id, status, occurred_at, known_from, from_position)
VALUES ($1, 'active', $2, $3, $4) ON CONFLICT DO NOTHING
"""


async def referral_made(conn: Connection, made: ReferralMade, known: Known) -> None:
    await conn.execute(
        _REFERRAL,
        made.referral_id,
        made.participant_id,
        made.site,
        made.pathway.value,
        made.referred_at,
        made.referred_at.astimezone(PROGRAM_ZONE).date(),
        made.is_re_referral,
        made.gender.value if made.gender else None,
        made.ethnicity.value if made.ethnicity else None,
        made.age_at_referral,
        known.known_at,
        known.position,
    )
    await conn.execute(
        _FIRST_STATUS, made.referral_id, known.occurred_at, known.known_at, known.position
    )


async def status_changed(conn: Connection, change: ParticipantStatusChanged, known: Known) -> None:
    """The new status, unless the participant withdrew (then inactive stays)."""
    changes = {
        "status": f"CASE WHEN withdrew_at IS NULL THEN $4 ELSE '{WITHDRAWN_STATUS}' END",
        "occurred_at": "$5",
    }
    await supersede(
        conn,
        "referral_statuses",
        STATUS_COLUMNS,
        change.referral_id,
        known,
        changes,
        change.status.value,
        known.occurred_at,
    )


async def withdrew(conn: Connection, withdrawal: ParticipantWithdrew, known: Known) -> None:
    changes = {
        "status": f"'{WITHDRAWN_STATUS}'",
        "withdrew_at": "coalesce(withdrew_at, $4)",
        "occurred_at": "$5",
    }
    await supersede(
        conn,
        "referral_statuses",
        STATUS_COLUMNS,
        withdrawal.referral_id,
        known,
        changes,
        withdrawal.withdrew_at,
        known.occurred_at,
    )


async def demographics(conn: Connection, report: DemographicsRecorded, known: Known) -> None:
    """Kept with when it was reported (the event's occurrence) and from when it is known."""
    await conn.execute(
        "INSERT INTO demographic_reports VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT DO NOTHING",
        known.event_id,
        report.participant_id,
        report.gender.value,
        report.ethnicity.value,
        known.occurred_at,
        known.known_at,
        known.position,
    )
