"""What a case manager's caseload shows of each pre-booking referral's abeyance: its deadline,
the days left, the steps still missing, and whether it is due soon. Pure rules, no I/O.

Intake does not run the clock (abeyance does, and says so on ``lead.abeyance.events``); it keeps
what those events tell (``AbeyanceView``: the state, the deadline, the completion condition) and
judges the missing steps from its own record of the referral, which is always current: an
assessment recorded a second ago is no longer missing, whatever abeyance has yet consumed
(docs/adr/0041).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final
from uuid import UUID
from zoneinfo import ZoneInfo

from events.categories import CompletionStep
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    EventPayload,
)
from services.program import PROGRAM_TIME_ZONE

DUE_SOON_DAYS: Final = 7
"""A pending abeyance with fewer days than this left is highlighted on the caseload."""

PENDING: Final = "pending"


@dataclass(frozen=True)
class AbeyanceView:
    """What intake knows of one referral's abeyance, from abeyance's events."""

    referral_id: UUID
    state: str
    """``pending``, ``declined``, ``expired`` or ``ended`` (as abeyance names them)."""
    deadline_at: datetime | None = None
    completion_condition: tuple[CompletionStep, ...] = ()
    rescinded: bool = False
    """An expiry was withdrawn (the charges were then declined, or the abeyance ended)."""


def noted(view: AbeyanceView | None, event: EventPayload) -> AbeyanceView | None:
    """The view after one of abeyance's events (None: an event the caseload does not need).
    A decision that arrives first (never, in one partition's order) still sets the state."""
    match event:
        case AbeyanceStarted():
            known = view or AbeyanceView(event.referral_id, PENDING)
            return replace(
                known,
                deadline_at=event.deadline_at,
                completion_condition=tuple(event.completion_condition),
            )
        case ChargesDeclined():
            return _decided(view, event.referral_id, "declined")
        case AbeyanceExpired():
            return replace(
                _decided(view, event.referral_id, "expired"), deadline_at=event.deadline_at
            )
        case AbeyanceEnded():
            return _decided(view, event.referral_id, "ended")
        case AbeyanceExpiryRescinded():
            return replace(view or AbeyanceView(event.referral_id, "expired"), rescinded=True)
    return None


def _decided(view: AbeyanceView | None, referral_id: UUID, state: str) -> AbeyanceView:
    return replace(view or AbeyanceView(referral_id, state), state=state)


@dataclass(frozen=True)
class AbeyanceClock:
    """The abeyance as the caseload shows it."""

    state: str
    deadline_at: datetime | None
    days_left: int | None
    """Calendar days from today to the deadline day, in the program's time zone (0: today is
    the last day); None when the deadline is not known yet or no longer runs."""
    missing: tuple[CompletionStep, ...]
    """Steps of the completion condition intake has not recorded (while pending or expired)."""

    @property
    def due_soon(self) -> bool:
        return (
            self.state == PENDING
            and self.days_left is not None
            and self.days_left < DUE_SOON_DAYS
            and bool(self.missing)
        )


def clock_for(
    view: AbeyanceView | None,
    completed: frozenset[CompletionStep],
    now: datetime,
    time_zone: str = PROGRAM_TIME_ZONE,
) -> AbeyanceClock | None:
    """The clock of a pre-booking referral (None: abeyance has not told of it yet); days are
    counted on the calendar of ``time_zone`` (the site's)."""
    if view is None:
        return None
    missing = tuple(s for s in view.completion_condition if s not in completed)
    if view.state not in (PENDING, "expired"):
        missing = ()
    days_left = None
    if view.state == PENDING and view.deadline_at is not None:
        days_left = max((_day(view.deadline_at, time_zone) - _day(now, time_zone)).days, 0)
    return AbeyanceClock(view.state, view.deadline_at, days_left, missing)


def _day(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(ZoneInfo(time_zone)).date()


def completed_steps(view: Mapping[str, object]) -> frozenset[CompletionStep]:
    """The completion steps intake recorded, from a referral's view (``GET /referrals/{id}``)."""
    recorded = {
        CompletionStep.ASSESSMENT: view.get("assessment_completed_at"),
        CompletionStep.CARE_PLAN: view.get("care_plan_completed_at"),
    }
    return frozenset(step for step, at in recorded.items() if at)
