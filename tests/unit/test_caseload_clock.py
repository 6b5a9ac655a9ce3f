"""The caseload's view of abeyances: what abeyance's events tell intake, and how a case manager
reads it (deadline, days left on the local calendar, missing steps, due soon)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from events.categories import ChargeLevel, CompletionStep
from events.common import Charge
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    AssessmentCompleted,
    ChargesDeclined,
)
from services.intake.domain.caseload import (
    DUE_SOON_DAYS,
    AbeyanceView,
    clock_for,
    completed_steps,
    noted,
)

LA = ZoneInfo("America/Los_Angeles")
REFERRAL = UUID("8f0b6a5e-0000-4000-8000-00000000c10c")
BOTH = (CompletionStep.ASSESSMENT, CompletionStep.CARE_PLAN)
CASE = {
    "referral_id": REFERRAL,
    "prosecuting_agency": "lacityatty",
    "report_number": "LAPD-24-0001",
    "charges": (
        Charge(statute="HS 11350(a)", description="possession", level=ChargeLevel.MISDEMEANOR),
    ),
}
STARTED_AT = datetime(2024, 3, 1, 10, 0, tzinfo=LA)
DEADLINE = datetime.combine(datetime(2024, 3, 31).date(), time.max, tzinfo=LA)
STARTED = AbeyanceStarted(
    **CASE, started_at=STARTED_AT, deadline_at=DEADLINE, completion_condition=BOTH
)
PENDING = AbeyanceView(REFERRAL, "pending", DEADLINE, BOTH)
NOTHING_DONE: frozenset[CompletionStep] = frozenset()


def test_a_started_abeyance_is_pending_with_its_deadline_and_condition() -> None:
    assert noted(None, STARTED) == PENDING


def test_decisions_set_the_state_and_a_rescission_is_remembered() -> None:
    declined = ChargesDeclined(
        **CASE,
        declined_at=STARTED_AT + timedelta(days=3),
        basis="assessment and care plan completed",
        completed_on={CompletionStep.ASSESSMENT: STARTED_AT.date()},
    )
    expired = AbeyanceExpired(**CASE, deadline_at=DEADLINE, outstanding=BOTH)
    rescinded = AbeyanceExpiryRescinded(referral_id=REFERRAL, reason="completed in time")
    view = noted(PENDING, expired)
    assert view is not None and view.state == "expired"
    view = noted(noted(view, rescinded), declined)
    assert view == AbeyanceView(REFERRAL, "declined", DEADLINE, BOTH, rescinded=True)
    ended = noted(PENDING, AbeyanceEnded(referral_id=REFERRAL, reason="participant withdrew"))
    assert ended is not None and ended.state == "ended"


def test_an_event_of_no_use_to_the_caseload_changes_nothing() -> None:
    completed = AssessmentCompleted(
        referral_id=REFERRAL, completed_at=STARTED_AT, case_manager_agency="chpla"
    )
    assert noted(PENDING, completed) is None


def test_days_left_count_local_calendar_days_and_the_last_day_is_zero() -> None:
    morning_of_last_day = datetime(2024, 3, 31, 8, 0, tzinfo=LA)
    clock = clock_for(PENDING, NOTHING_DONE, morning_of_last_day)
    assert clock is not None and clock.days_left == 0
    # 23:30 on March 30 in Los Angeles is already March 31 in UTC: still one day left
    evening = datetime(2024, 3, 30, 23, 30, tzinfo=LA).astimezone(UTC)
    clock = clock_for(PENDING, NOTHING_DONE, evening)
    assert clock is not None and clock.days_left == 1


def test_due_soon_below_seven_days_while_a_step_is_missing() -> None:
    deadline_day = datetime(2024, 3, 31, 12, 0, tzinfo=LA)
    six_left = clock_for(PENDING, NOTHING_DONE, deadline_day - timedelta(days=DUE_SOON_DAYS - 1))
    seven_left = clock_for(PENDING, NOTHING_DONE, deadline_day - timedelta(days=DUE_SOON_DAYS))
    assert six_left is not None and six_left.due_soon and six_left.days_left == 6
    assert seven_left is not None and not seven_left.due_soon
    done = frozenset(BOTH)
    finished = clock_for(PENDING, done, deadline_day - timedelta(days=1))
    assert finished is not None and not finished.due_soon and finished.missing == ()


def test_missing_steps_come_from_intake_own_record_of_the_referral() -> None:
    view = {"assessment_completed_at": "2024-03-02T10:00:00-08:00", "care_plan_completed_at": None}
    completed = completed_steps(view)
    assert completed == {CompletionStep.ASSESSMENT}
    clock = clock_for(PENDING, completed, STARTED_AT)
    assert clock is not None and clock.missing == (CompletionStep.CARE_PLAN,)


def test_a_decided_abeyance_has_no_days_left_and_an_expired_one_keeps_its_missing_steps() -> None:
    declined = clock_for(
        AbeyanceView(REFERRAL, "declined", DEADLINE, BOTH), NOTHING_DONE, STARTED_AT
    )
    assert declined is not None and (declined.days_left, declined.missing) == (None, ())
    expired = clock_for(AbeyanceView(REFERRAL, "expired", DEADLINE, BOTH), NOTHING_DONE, STARTED_AT)
    assert expired is not None and expired.days_left is None and expired.missing == BOTH
    assert not expired.due_soon


def test_a_referral_abeyance_has_not_told_of_yet_has_no_clock() -> None:
    assert clock_for(None, NOTHING_DONE, STARTED_AT) is None
