"""The command side of abeyance: tell an abeyance what happened, record what it decided.

The one path for every input, from the referral-events consumer and from the timers alike
(``tell``): hold the referral, fold its facts, let the pure decider rule, then in the same unit
of work store the facts, append the decided events (with the notice in the outbox), update the
read model and the timer. ``on_referral_input`` is what the consumer does with each referral
event: move its partition's clock, fire what that clock passed, tell the input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from events.envelope import encode, kafka_headers, new_envelope, notice_envelope
from events.payloads import AbeyanceStarted, EventPayload
from services.abeyance.application.unit_of_work import AbeyanceUnitOfWork
from services.abeyance.domain import (
    INITIAL,
    AbeyanceState,
    DeadlineReached,
    Input,
    Start,
    StepCompleted,
    Withdrew,
    fires_at,
    fold,
    notice_for,
    notice_id_for,
    run,
)
from services.abeyance.domain.notices import decision_of
from services.platform.kafka import OutgoingMessage
from services.platform.projection import Source

Clock = Callable[[], datetime]
SOURCE = "abeyance"


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timekeeping:
    """How abeyance keeps time: the grace after a deadline for late input, the service's own
    clock, and ``event_time_only`` (replays, simulations: no wall clock expires anything)."""

    grace: timedelta
    clock: Clock = field(default=wall_clock)
    event_time_only: bool = False


@dataclass(frozen=True)
class Told:
    """What one input decided."""

    events: list[EventPayload]
    state: AbeyanceState | None


async def tell(
    uow: AbeyanceUnitOfWork,
    timing: Timekeeping,
    referral_id: UUID,
    told: Input,
    *,
    source: Source | None = None,
    causation_id: str | None = None,
) -> Told:
    await uow.facts.lock(referral_id)
    facts = await uow.facts.load(referral_id)
    state = fold(INITIAL, facts)
    if state is None and not isinstance(told, Start):
        return Told([], None)  # not a pre-booking referral: no abeyance to tell
    if state is not None and isinstance(told, Start):
        return Told([], state)  # a redelivered start changes nothing
    now = timing.clock()
    events, after = run(told, state, decided_at=now)
    await uow.facts.add(referral_id, len(facts), [told, *events])
    if events:
        version = sum(1 for f in facts if isinstance(f, EventPayload))
        await _append(uow, after, version, told, events, causation_id, now)
    await uow.abeyances.save(after)
    await _update_timer(uow, timing, after, events, source)
    return Told(events, after)


async def fire_timer(
    uow: AbeyanceUnitOfWork, timing: Timekeeping, referral_id: UUID, clock: datetime, *, wait: bool
) -> int:
    """Fire one timer unless it has fired; holds in the order every path uses: referral, timer.
    Without ``wait``, a referral another replica is deciding right now is left to it."""
    if not await uow.facts.lock(referral_id, wait=wait):
        return 0
    if not await uow.timers.pending(referral_id):
        return 0
    await tell(uow, timing, referral_id, DeadlineReached(clock))
    await uow.timers.settle(referral_id)
    return 1


async def fire_due_in_partition(
    uow: AbeyanceUnitOfWork, timing: Timekeeping, topic: str, partition: int, clock: datetime
) -> None:
    """Fire the partition's timers its clock has passed. The clock never runs ahead of this
    service's own wall clock (a producer's clock may)."""
    clock = min(clock, timing.clock())
    for referral_id in await uow.timers.due_in_partition(topic, partition, clock):
        await fire_timer(uow, timing, referral_id, clock, wait=True)


async def on_referral_input(
    uow: AbeyanceUnitOfWork,
    timing: Timekeeping,
    referral_id: UUID,
    told: Input | None,
    *,
    time: datetime,
    source: Source,
    causation_id: str | None = None,
) -> None:
    """A referral event applied at ``source``, at event ``time`` (occurred or recorded): every
    event moves its partition's clock, so every event fires what that clock passed; then the
    input it carries, if any, is told (a start recorded after its deadline and grace had passed
    expires at once)."""
    clock = await uow.clocks.advance(source.topic, source.partition, time)
    await fire_due_in_partition(uow, timing, source.topic, source.partition, clock)
    if told is None:
        return
    await tell(uow, timing, referral_id, told, source=source, causation_id=causation_id)
    if isinstance(told, Start):
        await fire_due_in_partition(uow, timing, source.topic, source.partition, clock)


async def _append(
    uow: AbeyanceUnitOfWork,
    state: AbeyanceState,
    version: int,
    told: Input,
    events: Sequence[EventPayload],
    causation_id: str | None,
    now: datetime,
) -> None:
    occurred_at = _event_time(told, state)
    envelopes = [
        new_envelope(
            e,
            occurred_at=occurred_at,
            source=SOURCE,
            correlation_id=causation_id,
            causation_id=causation_id,
        )
        for e in events
    ]
    notices = await _notice_messages(uow, events, state, now)
    await uow.events.append(str(state.referral_id), version, envelopes, also_publish=notices)


async def _update_timer(
    uow: AbeyanceUnitOfWork,
    timing: Timekeeping,
    state: AbeyanceState,
    events: Sequence[EventPayload],
    source: Source | None,
) -> None:
    started = next((e for e in events if isinstance(e, AbeyanceStarted)), None)
    if started is not None and source is not None:
        fire_at = fires_at(state.deadline_at, timing.grace)
        await uow.timers.start(state.referral_id, source.topic, source.partition, fire_at)
    elif state.status != "pending":
        await uow.timers.settle(state.referral_id)


def _event_time(told: Input, state: AbeyanceState) -> datetime:
    """When the decided events happened in the world: the time of what caused them."""
    match told:
        case Start():
            return told.referred_at
        case StepCompleted():
            return told.occurred_at
        case Withdrew():
            return told.withdrew_at
        case DeadlineReached():
            return state.deadline_at
    raise TypeError(told)


async def _notice_messages(
    uow: AbeyanceUnitOfWork, events: Sequence[EventPayload], state: AbeyanceState, now: datetime
) -> list[OutgoingMessage]:
    """The decision's notice, issued once (its id is derived from referral and decision)."""
    decision = decision_of(events)
    if decision is None:
        return []
    notice_id = notice_id_for(state.referral_id, decision)
    notice = notice_for(events, state, notice_id=notice_id, issued_at=now)
    if notice is None or not await uow.notices.issue(notice):
        return []
    envelope = notice_envelope(notice, source=SOURCE)
    headers = (
        *kafka_headers(envelope),
        ("notice_id", str(notice.notice_id).encode()),
        ("decision", decision.encode()),
    )
    return [OutgoingMessage(notice.topic, notice.subject.encode(), encode(envelope), headers)]
