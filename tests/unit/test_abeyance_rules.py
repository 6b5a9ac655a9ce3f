"""The abeyance rules: given inputs / when an input / then events, with an injected clock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given as hypothesis_given
from hypothesis import settings
from hypothesis import strategies as st

from events.categories import ChargeLevel, CompletionStep, NoticeDecision
from events.common import Charge
from events.notice import REDISCLOSURE_STATEMENT, Notice
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    EventPayload,
)
from services.abeyance.domain import (
    AbeyanceNotStarted,
    AbeyanceState,
    DeadlineReached,
    Input,
    Start,
    Status,
    StepCompleted,
    Withdrew,
    deadline_for,
    decide,
    fires_at,
    notice_for,
    notice_id_for,
    outstanding,
    run,
)

LA = ZoneInfo("America/Los_Angeles")
REFERRAL_ID = UUID("8f0b6a5e-0000-4000-8000-000000000001")
ASSESSMENT = CompletionStep.ASSESSMENT
CARE_PLAN = CompletionStep.CARE_PLAN
BOTH = (ASSESSMENT, CARE_PLAN)
CHARGES = (Charge(statute="HS 11350(a)", description="possession", level=ChargeLevel.MISDEMEANOR),)
REFERRED_AT = datetime(2024, 3, 1, 10, 0, tzinfo=LA)
LAST_DAY = datetime(2024, 3, 31, tzinfo=LA)
"""Day 30 of the abeyance of a referral made 2024-03-01 (local)."""


class Clock:
    """The injected wall clock: decisions read it only as ``decided_at``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LA)


def start(
    referred_at: datetime = REFERRED_AT,
    condition: tuple[CompletionStep, ...] = BOTH,
) -> Start:
    return Start(
        referral_id=REFERRAL_ID,
        site="hollywood",
        prosecuting_agency="lacityatty",
        report_number="LAPD-24-000123",
        charges=CHARGES,
        referred_at=referred_at,
        completion_condition=condition,
        time_zone="America/Los_Angeles",
    )


def given(*inputs: Input, clock: Clock | None = None) -> AbeyanceState:
    """The state after ``inputs`` were each decided and folded, as in live operation."""
    clock = clock or Clock(local(2030, 1, 1))
    state = None
    for item in inputs:
        _, state = run(item, state, decided_at=clock())
    assert state is not None
    return state


def when(state: AbeyanceState, item: Input, clock: Clock | None = None) -> list[EventPayload]:
    return decide(item, state, decided_at=(clock or Clock(local(2030, 1, 1)))())


def step(s: CompletionStep, at: datetime) -> StepCompleted:
    return StepCompleted(step=s, occurred_at=at)


def tick(at: datetime) -> DeadlineReached:
    return DeadlineReached(event_time_now=at)


def declined(events: list[EventPayload]) -> ChargesDeclined:
    assert len(events) == 1
    assert isinstance(events[0], ChargesDeclined)
    return events[0]


# --- the deadline -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("referred_at", "deadline_day", "offset_hours"),
    [
        (local(2024, 3, 1, 10), date(2024, 3, 31), -7),  # across the March change (PST -> PDT)
        (local(2024, 10, 15, 10), date(2024, 11, 14), -8),  # across November (PDT -> PST)
        (local(2024, 2, 10, 9), date(2024, 3, 11), -7),  # across February 29, 2024
        (local(2023, 2, 10, 9), date(2023, 3, 12), -7),  # 2023 has no February 29
        (local(2024, 1, 5, 23, 30), date(2024, 2, 4), -8),  # late evening: already Jan 6 in UTC
    ],
)
def test_deadline_is_the_end_of_local_day_30(
    referred_at: datetime, deadline_day: date, offset_hours: int
) -> None:
    deadline = deadline_for(referred_at)
    in_la = deadline.astimezone(LA)
    assert in_la.date() == deadline_day
    assert (in_la.hour, in_la.minute, in_la.second, in_la.microsecond) == (23, 59, 59, 999999)
    assert deadline.utcoffset() == timedelta(hours=offset_hours)


def test_deadline_uses_the_local_date_of_a_utc_timestamp() -> None:
    referred = datetime(2024, 1, 6, 7, 30, tzinfo=UTC)  # 2024-01-05 23:30 in Los Angeles
    assert deadline_for(referred).astimezone(LA).date() == date(2024, 2, 4)


def test_dst_does_not_shift_the_deadline_as_30_times_24_hours_would() -> None:
    deadline = deadline_for(local(2024, 3, 1, 10))
    assert deadline - local(2024, 3, 1, 23, 59, 59) != timedelta(days=30)  # one hour shorter
    assert deadline.astimezone(LA).time().hour == 23


def test_deadline_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_for(datetime(2024, 3, 1, 10))


def test_the_timer_fires_after_elapsed_grace() -> None:
    deadline = deadline_for(local(2024, 10, 5, 10))  # 2024-11-04 23:59:59.999999 PST
    fires = fires_at(deadline, timedelta(hours=2))
    assert fires.tzinfo is UTC
    assert fires - deadline == timedelta(hours=2)


# --- start --------------------------------------------------------------------------------------


def test_start_opens_the_abeyance() -> None:
    events = decide(start(), None, decided_at=local(2024, 3, 1, 10, 1))
    assert events == [
        AbeyanceStarted(
            referral_id=REFERRAL_ID,
            prosecuting_agency="lacityatty",
            report_number="LAPD-24-000123",
            charges=CHARGES,
            started_at=REFERRED_AT,
            deadline_at=deadline_for(REFERRED_AT),
            completion_condition=BOTH,
        )
    ]


def test_a_second_start_decides_nothing() -> None:
    assert when(given(start()), start()) == []


def test_inputs_before_start_are_refused() -> None:
    for item in (step(ASSESSMENT, REFERRED_AT), Withdrew(REFERRED_AT), tick(REFERRED_AT)):
        with pytest.raises(AbeyanceNotStarted):
            decide(item, None, decided_at=local(2030, 1, 1))


# --- the completion condition -------------------------------------------------------------------


def test_completion_on_the_last_day_declines_at_once() -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 5, 9)))
    events = when(state, step(CARE_PLAN, local(2024, 3, 31, 23, 59, 59)))
    assert declined(events) == ChargesDeclined(
        referral_id=REFERRAL_ID,
        prosecuting_agency="lacityatty",
        report_number="LAPD-24-000123",
        charges=CHARGES,
        declined_at=local(2024, 3, 31, 23, 59, 59),
        basis="assessment and care plan completed",
        completed_on={ASSESSMENT: date(2024, 3, 5), CARE_PLAN: date(2024, 3, 31)},
    )


def test_declined_at_is_event_time_not_the_clock() -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 5, 9)))
    early, late = Clock(local(2024, 3, 6)), Clock(local(2029, 1, 1))
    care_plan = step(CARE_PLAN, local(2024, 3, 6, 8))
    assert when(state, care_plan, early) == when(state, care_plan, late)
    assert declined(when(state, care_plan, late)).declined_at == local(2024, 3, 6, 8)


def test_declined_at_is_when_the_condition_was_met_whatever_the_arrival_order() -> None:
    state = given(start(), step(CARE_PLAN, local(2024, 3, 20)))
    events = when(state, step(ASSESSMENT, local(2024, 3, 2)))  # arrives last, occurred first
    assert declined(events).declined_at == local(2024, 3, 20)


@pytest.mark.parametrize(
    "late",
    [
        local(2024, 4, 1, 0, 0, 0),  # local midnight after day 30
        LAST_DAY.replace(hour=23, minute=59, second=59) + timedelta(seconds=1),
        local(2024, 4, 1, 0, 0, 1),
    ],
)
def test_a_step_after_the_deadline_never_counts(late: datetime) -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 5)))
    assert when(state, step(CARE_PLAN, late)) == []
    expired = when(
        given(start(), step(ASSESSMENT, local(2024, 3, 5)), step(CARE_PLAN, late)),
        tick(local(2024, 4, 2)),
    )
    assert [type(e) for e in expired] == [AbeyanceExpired]


def test_assessment_alone_does_not_meet_a_two_step_condition_then_expires() -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 2)))
    assert state.status is Status.PENDING
    assert outstanding(state) == (CARE_PLAN,)
    assert when(state, tick(local(2024, 3, 31, 23, 59, 59))) == []  # not past the deadline yet
    assert when(state, tick(local(2024, 4, 1, 0, 0, 1))) == [
        AbeyanceExpired(
            referral_id=REFERRAL_ID,
            prosecuting_agency="lacityatty",
            report_number="LAPD-24-000123",
            charges=CHARGES,
            deadline_at=deadline_for(REFERRED_AT),
            outstanding=(CARE_PLAN,),
        )
    ]


def test_a_site_requiring_the_assessment_only_declines_on_it() -> None:
    state = given(start(condition=(ASSESSMENT,)))
    events = when(state, step(ASSESSMENT, local(2024, 3, 2, 14)))
    assert declined(events).basis == "assessment completed"
    assert declined(events).completed_on == {ASSESSMENT: date(2024, 3, 2)}


def test_a_completion_before_the_referral_is_ignored() -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 2)))
    assert when(state, step(CARE_PLAN, local(2024, 2, 28))) == []
    later = given(start(), step(ASSESSMENT, local(2024, 3, 2)), step(CARE_PLAN, local(2024, 2, 28)))
    assert outstanding(later) == (CARE_PLAN,)


# --- withdrawal ---------------------------------------------------------------------------------


def test_withdrawal_then_completion_ends_without_a_decline() -> None:
    state = given(start(), step(ASSESSMENT, local(2024, 3, 2)))
    assert when(state, Withdrew(local(2024, 3, 3))) == [
        AbeyanceEnded(referral_id=REFERRAL_ID, reason="participant withdrew")
    ]
    ended = given(start(), step(ASSESSMENT, local(2024, 3, 2)), Withdrew(local(2024, 3, 3)))
    assert ended.status is Status.ENDED
    assert when(ended, step(CARE_PLAN, local(2024, 3, 4))) == []
    assert when(ended, tick(local(2024, 5, 1))) == []
    assert when(ended, Withdrew(local(2024, 3, 5))) == []


def test_a_withdrawal_after_the_deadline_leaves_the_expiry_to_the_timer() -> None:
    state = given(start())
    assert when(state, Withdrew(local(2024, 4, 2))) == []
    assert [type(e) for e in when(state, tick(local(2024, 4, 3)))] == [AbeyanceExpired]


def test_a_withdrawal_after_a_decline_decides_nothing() -> None:
    done = given(start(), step(ASSESSMENT, local(2024, 3, 2)), step(CARE_PLAN, local(2024, 3, 3)))
    assert when(done, Withdrew(local(2024, 3, 4))) == []


def test_a_late_recorded_withdrawal_rescinds_the_expiry_and_ends_the_abeyance() -> None:
    lapsed = given(start(), tick(local(2024, 4, 2)))
    events, after = run(Withdrew(local(2024, 3, 4)), lapsed, decided_at=ISSUED_AT)
    assert events == [
        AbeyanceExpiryRescinded(
            referral_id=REFERRAL_ID,
            reason="the participant withdrew on or before the deadline (2024-03-31)"
            " but recorded after the expiry",
        ),
        AbeyanceEnded(referral_id=REFERRAL_ID, reason="participant withdrew"),
    ]
    assert (after.status, after.rescinded) == (Status.ENDED, True)
    assert when(after, tick(local(2024, 5, 1))) == []
    sent = notice(events, after)
    assert sent is not None and sent.decision is NoticeDecision.RESCINDED
    assert (sent.expired_on, sent.rescinded_on, sent.ended_on, sent.declined_on) == (
        date(2024, 3, 31),
        date(2024, 4, 5),
        date(2024, 3, 4),
        None,
    )


def test_a_withdrawal_after_the_deadline_leaves_an_expiry_standing() -> None:
    lapsed = given(start(), tick(local(2024, 4, 2)))
    assert when(lapsed, Withdrew(local(2024, 4, 1))) == []


# --- late truth ---------------------------------------------------------------------------------


def test_a_late_recorded_completion_rescinds_the_expiry_and_declines() -> None:
    expired = given(start(), step(ASSESSMENT, local(2024, 3, 2)), tick(local(2024, 4, 2)))
    assert expired.status is Status.EXPIRED
    events = when(expired, step(CARE_PLAN, local(2024, 3, 30, 16)))
    assert [type(e) for e in events] == [AbeyanceExpiryRescinded, ChargesDeclined]
    assert events[0] == AbeyanceExpiryRescinded(
        referral_id=REFERRAL_ID,
        reason="the completion condition was met on or before the deadline (2024-03-31) "
        "but recorded after the expiry",
    )
    assert isinstance(events[1], ChargesDeclined)
    assert events[1].declined_at == local(2024, 3, 30, 16)
    after = given(
        start(),
        step(ASSESSMENT, local(2024, 3, 2)),
        tick(local(2024, 4, 2)),
        step(CARE_PLAN, local(2024, 3, 30, 16)),
    )
    assert (after.status, after.rescinded) == (Status.DECLINED, True)


def test_after_expiry_a_step_that_occurred_late_decides_nothing() -> None:
    expired = given(start(), step(ASSESSMENT, local(2024, 3, 2)), tick(local(2024, 4, 2)))
    assert when(expired, step(CARE_PLAN, local(2024, 4, 1, 0, 0, 0))) == []
    assert when(expired, tick(local(2024, 4, 3))) == []


# --- duplicates and repeats ---------------------------------------------------------------------


def test_duplicates_decide_nothing() -> None:
    first = step(ASSESSMENT, local(2024, 3, 2))
    pending = given(start(), first)
    assert when(pending, first) == []
    done = given(start(), first, step(CARE_PLAN, local(2024, 3, 3)))
    for item in (
        start(),
        first,
        step(CARE_PLAN, local(2024, 3, 3)),
        step(CARE_PLAN, local(2024, 3, 4)),
        tick(local(2024, 4, 2)),
        Withdrew(local(2024, 3, 5)),
    ):
        assert when(done, item) == []


def test_a_tick_cannot_run_ahead_of_the_wall_clock() -> None:
    with pytest.raises(ValueError, match="ahead"):
        when(given(start()), tick(local(2024, 4, 2)), Clock(local(2024, 4, 1)))


# --- notices ------------------------------------------------------------------------------------

ISSUED_AT = local(2024, 4, 5, 9)


def notice(events: list[EventPayload], state: AbeyanceState) -> Notice | None:
    return notice_for(events, state, notice_id=UUID(int=7), issued_at=ISSUED_AT)


def test_one_declined_notice_for_a_decline() -> None:
    before = given(start(), step(ASSESSMENT, local(2024, 3, 2)))
    events, after = run(step(CARE_PLAN, local(2024, 3, 9, 23, 30)), before, decided_at=ISSUED_AT)
    sent = notice(events, after)
    assert sent == Notice(
        notice_id=UUID(int=7),
        referral_id=REFERRAL_ID,
        prosecuting_agency="lacityatty",
        report_number="LAPD-24-000123",
        charges=CHARGES,
        decision=NoticeDecision.DECLINED,
        issued_at=ISSUED_AT,
        referred_on=date(2024, 3, 1),
        deadline_on=date(2024, 3, 31),
        declined_on=date(2024, 3, 9),  # local date, though already March 10 in UTC
    )
    assert sent.redisclosure_statement == REDISCLOSURE_STATEMENT


def test_one_expired_notice_for_an_expiry() -> None:
    events, after = run(tick(local(2024, 4, 2)), given(start()), decided_at=ISSUED_AT)
    sent = notice(events, after)
    assert sent is not None
    assert (sent.decision, sent.expired_on, sent.declined_on) == (
        NoticeDecision.EXPIRED,
        date(2024, 3, 31),
        None,
    )


def test_one_rescinded_notice_for_a_rescission() -> None:
    expired = given(start(), step(ASSESSMENT, local(2024, 3, 2)), tick(local(2024, 4, 2)))
    events, after = run(step(CARE_PLAN, local(2024, 3, 30)), expired, decided_at=ISSUED_AT)
    assert len(events) == 2
    sent = notice(events, after)
    assert sent is not None
    assert sent.decision is NoticeDecision.RESCINDED
    assert (sent.rescinded_on, sent.declined_on, sent.expired_on) == (
        date(2024, 4, 5),
        date(2024, 3, 30),
        date(2024, 3, 31),
    )


def test_no_notice_for_a_start_an_end_or_nothing() -> None:
    started_events, started = run(start(), None, decided_at=ISSUED_AT)
    assert notice(started_events, started) is None
    ended_events, ended = run(Withdrew(local(2024, 3, 3)), started, decided_at=ISSUED_AT)
    assert ended_events and notice(ended_events, ended) is None
    assert notice([], ended) is None


def test_a_notice_says_nothing_about_treatment() -> None:
    before = given(start(), step(ASSESSMENT, local(2024, 3, 2)))
    events, after = run(step(CARE_PLAN, local(2024, 3, 9)), before, decided_at=ISSUED_AT)
    sent = notice(events, after)
    assert sent is not None
    body = json.loads(sent.model_dump_json())
    body.pop("redisclosure_statement")
    text = json.dumps(body).lower()
    assert "assessment" not in text and "care" not in text and "completed" not in text
    assert set(body) == {
        "notice_id",
        "referral_id",
        "prosecuting_agency",
        "report_number",
        "charges",
        "decision",
        "issued_at",
        "referred_on",
        "deadline_on",
        "declined_on",
        "expired_on",
        "rescinded_on",
        "ended_on",
    }


def test_notice_ids_are_stable_per_referral_and_decision() -> None:
    declined_id = notice_id_for(REFERRAL_ID, NoticeDecision.DECLINED)
    assert declined_id == notice_id_for(REFERRAL_ID, NoticeDecision.DECLINED)
    assert declined_id != notice_id_for(REFERRAL_ID, NoticeDecision.RESCINDED)
    assert declined_id != notice_id_for(UUID(int=1), NoticeDecision.DECLINED)
    assert declined_id.version == 5


# --- arrival order does not change the decision -------------------------------------------------

DAY = 24 * 3600
DEADLINE = deadline_for(REFERRED_AT)
LAST_TICK = REFERRED_AT + timedelta(days=60)


@st.composite
def histories(draw: st.DrawFn) -> tuple[tuple[CompletionStep, ...], list[Input]]:
    """A condition and one arrival order of inputs, with ticks that respect the watermark.

    Steps arrive in any order; a withdrawal arrives after them (intake refuses completions
    once a withdrawal is recorded). A tick at event time T is delivered only once every input
    that occurred at or before T has been delivered, except a withdrawal recorded late, which
    may arrive after every tick. The last tick is far past the deadline.
    """
    condition = tuple(draw(st.sets(st.sampled_from(CompletionStep), min_size=1)))
    seconds = st.integers(min_value=-2 * DAY, max_value=40 * DAY)
    steps: list[Input] = [
        step(s, REFERRED_AT + timedelta(seconds=draw(seconds)))
        for s in CompletionStep
        if draw(st.booleans())
    ]
    referral_inputs = draw(st.permutations(steps))
    late: list[Input] = []
    if draw(st.booleans()):
        at = REFERRED_AT + timedelta(seconds=draw(st.integers(0, 40 * DAY)))
        if draw(st.booleans()):
            late = [Withdrew(at)]  # recorded late: after every tick, the watermark broken
        else:
            referral_inputs = [*referral_inputs, Withdrew(at)]
    tick_times = sorted(
        REFERRED_AT + timedelta(seconds=t)
        for t in draw(st.lists(st.integers(0, 45 * DAY), max_size=4))
    )
    arrival: list[Input] = []
    pending = list(referral_inputs)
    for at in [*tick_times, LAST_TICK]:
        # deliver some inputs, then all that occurred at or before the tick (watermark)
        must = max(
            (i + 1 for i, x in enumerate(pending) if occurred(x) <= at),
            default=0,
        )
        count = draw(st.integers(must, len(pending)))
        arrival += pending[:count]
        pending = pending[count:]
        arrival.append(tick(at))
    return condition, [start(condition=condition), *arrival, *pending, *late]


def occurred(item: Input) -> datetime:
    match item:
        case StepCompleted():
            return item.occurred_at
        case Withdrew():
            return item.withdrew_at
    raise AssertionError(item)


def expected(condition: tuple[CompletionStep, ...], inputs: list[Input]) -> Status:
    """The decision from occurred_at values alone."""
    in_time = {
        x.step
        for x in inputs
        if isinstance(x, StepCompleted) and REFERRED_AT <= x.occurred_at <= DEADLINE
    }
    if set(condition) <= in_time:
        return Status.DECLINED
    if any(isinstance(x, Withdrew) and x.withdrew_at <= DEADLINE for x in inputs):
        return Status.ENDED
    return Status.EXPIRED


@settings(max_examples=300, deadline=None)
@hypothesis_given(histories())
def test_the_decision_depends_on_event_time_not_on_arrival(
    history: tuple[tuple[CompletionStep, ...], list[Input]],
) -> None:
    condition, inputs = history
    state = None
    decided: list[EventPayload] = []
    for item in inputs:
        events, state = run(item, state, decided_at=LAST_TICK + timedelta(days=1))
        decided += events
    assert state is not None
    assert state.status is expected(condition, inputs)
    assert sum(isinstance(e, ChargesDeclined) for e in decided) <= 1
    assert sum(isinstance(e, AbeyanceExpired) for e in decided) <= 1
    # the decline itself is the same event whatever the order (event time only)
    # canonical arrival: steps in the order they occurred, a withdrawal after them (as intake)
    in_order: list[Input] = [
        *sorted((x for x in inputs if isinstance(x, StepCompleted)), key=occurred),
        *(x for x in inputs if isinstance(x, Withdrew)),
    ]
    replay = given(start(condition=condition), *in_order, tick(LAST_TICK))
    assert replay.status is state.status
    if state.status is Status.DECLINED:
        assert [e for e in decided if isinstance(e, ChargesDeclined)] == [
            e for e in _decisions(condition, in_order) if isinstance(e, ChargesDeclined)
        ]


def _decisions(
    condition: tuple[CompletionStep, ...], inputs: Sequence[Input]
) -> list[EventPayload]:
    state = None
    decided: list[EventPayload] = []
    for item in [start(condition=condition), *inputs, tick(LAST_TICK)]:
        events, state = run(item, state, decided_at=LAST_TICK + timedelta(days=1))
        decided += events
    return decided
