"""The notice a decision sends the prosecuting agency: one per decision, nothing about treatment.

A notice names the case (report number, charges), the decision and its dates, with the 42 CFR
2.32 redisclosure statement. Which steps were completed, or when, is not in it.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Final
from uuid import UUID, uuid5

from events.categories import NoticeDecision
from events.notice import Notice
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    ChargesDeclined,
    EventPayload,
)
from services.abeyance.domain.clock import local_date
from services.abeyance.domain.state import AbeyanceState

NOTICE_NAMESPACE: Final = UUID("5d0c6f0e-3f4b-5b8e-9a51-6c1a0e4b7d21")
"""The uuid5 namespace of notice ids (a fixed, arbitrary constant: never change it)."""


def notice_id_for(referral_id: UUID, decision: NoticeDecision) -> UUID:
    """The id of ``decision``'s notice for ``referral_id``: the same on every re-decision.

    A referral has at most one notice per decision, so a service that crashes after deciding but
    before publishing re-issues the notice under the same id and consumers deduplicate it.
    """
    return uuid5(NOTICE_NAMESPACE, f"{referral_id}/{decision.value}")


def decision_of(events: Sequence[EventPayload]) -> NoticeDecision | None:
    """The decision a prosecutor is told about, if ``events`` (one ``decide`` result) hold one."""
    declined = any(isinstance(e, ChargesDeclined) for e in events)
    if any(isinstance(e, AbeyanceExpiryRescinded) for e in events):
        return NoticeDecision.RESCINDED
    if declined:
        return NoticeDecision.DECLINED
    if any(isinstance(e, AbeyanceExpired) for e in events):
        return NoticeDecision.EXPIRED
    return None


def notice_for(
    events: Sequence[EventPayload],
    state_after: AbeyanceState,
    *,
    notice_id: UUID,
    issued_at: datetime,
) -> Notice | None:
    """The one notice for the events of one decision; None for a start, an end or nothing.

    Dates are local dates in the site's zone: ``declined_on`` the day the condition was met,
    ``expired_on`` the deadline day (the abeyance lapses at its end), ``rescinded_on`` the day
    the rescission is issued. A rescinded notice also restates the expiry it replaces and what
    replaces it: the decline (``declined_on``), or the end of the abeyance without a decline
    (``ended_on``, the day the participant withdrew, which occurred by the deadline but was
    recorded after the expiry; the charges were not declined).
    """
    decision = decision_of(events)
    if decision is None:
        return None
    zone = state_after.time_zone
    deadline_on = local_date(state_after.deadline_at, zone)
    declined = next((e for e in events if isinstance(e, ChargesDeclined)), None)
    declined_on = local_date(declined.declined_at, zone) if declined is not None else None
    ended = any(isinstance(e, AbeyanceEnded) for e in events) and state_after.withdrew_at
    return Notice(
        notice_id=notice_id,
        referral_id=state_after.referral_id,
        prosecuting_agency=state_after.prosecuting_agency,
        report_number=state_after.report_number,
        charges=state_after.charges,
        decision=decision,
        issued_at=issued_at,
        referred_on=local_date(state_after.referred_at, zone),
        deadline_on=deadline_on,
        declined_on=declined_on,
        expired_on=deadline_on if decision is not NoticeDecision.DECLINED else None,
        rescinded_on=(
            local_date(issued_at, zone) if decision is NoticeDecision.RESCINDED else None
        ),
        ended_on=local_date(ended, zone) if ended else None,
    )
