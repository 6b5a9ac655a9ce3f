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
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain.as_of import Known
from services.reporting.projection.writes import Change, Insert, Writes

STATUS_COLUMNS = ("status", "withdrew_at", "occurred_at")
WITHDRAWN_STATUS = "inactive"

_REFERRAL = Insert(
    "referrals",
    (
        ("referral_id", "uuid"),
        ("participant_id", "uuid"),
        ("site", "text"),
        ("pathway", "text"),
        ("referred_at", "timestamptz"),
        ("referred_on", "date"),
        ("is_re_referral", "boolean"),
        ("reported_gender", "text"),
        ("reported_ethnicity", "text"),
        ("age_at_referral", "integer"),
        ("known_at", "timestamptz"),
        ("position", "bigint"),
    ),
)
_FIRST_STATUS = Insert(
    "referral_statuses",
    (
        ("referral_id", "uuid"),
        ("status", "text"),
        ("occurred_at", "timestamptz"),
        ("known_from", "timestamptz"),
        ("from_position", "bigint"),
    ),
)
_DEMOGRAPHICS = Insert(
    "demographic_reports",
    (
        ("event_id", "uuid"),
        ("participant_id", "uuid"),
        ("gender", "text"),
        ("ethnicity", "text"),
        ("reported_at", "timestamptz"),
        ("known_at", "timestamptz"),
        ("position", "bigint"),
    ),
)
_STATUS_CHANGED = Change(
    "referral_statuses",
    STATUS_COLUMNS,
    (
        ("status", f"CASE WHEN c.withdrew_at IS NULL THEN v.status ELSE '{WITHDRAWN_STATUS}' END"),
        ("occurred_at", "v.occurred_at"),
    ),
    (("status", "text"), ("occurred_at", "timestamptz")),
)
"""The new status, unless the participant withdrew (then inactive stays)."""
_WITHDREW = Change(
    "referral_statuses",
    STATUS_COLUMNS,
    (
        ("status", f"'{WITHDRAWN_STATUS}'"),
        ("withdrew_at", "coalesce(c.withdrew_at, v.withdrew_at)"),
        ("occurred_at", "v.occurred_at"),
    ),
    (("withdrew_at", "timestamptz"), ("occurred_at", "timestamptz")),
)


def referral_made(writes: Writes, made: ReferralMade, known: Known) -> None:
    writes.insert(
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
    writes.insert(
        _FIRST_STATUS,
        made.referral_id,
        "active",
        known.occurred_at,
        known.known_at,
        known.position,
    )


def status_changed(writes: Writes, change: ParticipantStatusChanged, known: Known) -> None:
    writes.change(
        _STATUS_CHANGED, change.referral_id, known, change.status.value, known.occurred_at
    )


def withdrew(writes: Writes, withdrawal: ParticipantWithdrew, known: Known) -> None:
    writes.change(
        _WITHDREW, withdrawal.referral_id, known, withdrawal.withdrew_at, known.occurred_at
    )


def demographics(writes: Writes, report: DemographicsRecorded, known: Known) -> None:
    """Kept with when it was reported (the event's occurrence) and from when it is known."""
    writes.insert(
        _DEMOGRAPHICS,
        known.event_id,
        report.participant_id,
        report.gender.value,
        report.ethnicity.value,
        known.occurred_at,
        known.known_at,
        known.position,
    )
