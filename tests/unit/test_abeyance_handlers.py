"""Abeyance's command side on the in-memory unit of work: what each input records, which
timer fires, which notice goes out, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from events.categories import ChargeLevel, CompletionStep
from events.common import Charge
from services.abeyance.adapters.memory import AbeyanceMemory, MemoryAbeyanceUnitOfWork, Position
from services.abeyance.application.decisions import (
    Timekeeping,
    Told,
    on_referral_input,
    tell,
)
from services.abeyance.application.timers import fire_due_timers, fire_until
from services.abeyance.domain import Input, Start, StepCompleted, Withdrew
from services.platform.projection import Source

T = TypeVar("T")
REFERRED = datetime(2024, 3, 1, 18, tzinfo=UTC)  # 10:00 in Los Angeles; deadline 31 March
NOW = datetime(2024, 3, 5, 18, tzinfo=UTC)
TIMING = Timekeeping(timedelta(minutes=15), clock=lambda: NOW)
LATER = Timekeeping(timedelta(minutes=15), clock=lambda: datetime(2024, 6, 1, tzinfo=UTC))
TOPIC = "lead.referral.events"
CHARGES = (Charge(statute="HS 11350(a)", description="possession", level=ChargeLevel.MISDEMEANOR),)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def start(referral_id: UUID) -> Start:
    return Start(referral_id, "hollywood", "lacityatty", "R-9", CHARGES, REFERRED)


def told(
    memory: AbeyanceMemory, referral_id: UUID, item: Input, timing: Timekeeping = TIMING
) -> Told:
    async def go() -> Told:
        async with MemoryAbeyanceUnitOfWork(memory) as uow:
            result = await tell(uow, timing, referral_id, item, source=Source(TOPIC, 0, 0))
            await uow.commit()
        return result

    return run(go())


def notices(memory: AbeyanceMemory) -> list[str]:
    return [
        json.loads(m.body)["payload"]["decision"]
        for m in memory.outbox
        if m.topic.startswith("lead.notices.")
    ]


def test_a_start_opens_the_abeyance_with_its_timer_and_tells_nothing_to_prosecutors() -> None:
    memory, referral_id = AbeyanceMemory(), uuid4()
    result = told(memory, referral_id, start(referral_id))
    assert [e.event_type for e in result.events] == ["AbeyanceStarted"]
    assert memory.abeyances[referral_id]["state"] == "pending"
    timer = memory.timers[referral_id]
    assert timer.fire_at == datetime(
        2024, 4, 1, 7, 14, 59, 999999, tzinfo=UTC
    )  # end of 31 March, + grace
    assert notices(memory) == []
    assert told(memory, referral_id, start(referral_id)).events == []  # redelivered: nothing


def test_both_steps_in_time_decline_the_charges_once_with_one_notice() -> None:
    memory, referral_id = AbeyanceMemory(), uuid4()
    told(memory, referral_id, start(referral_id))
    told(
        memory, referral_id, StepCompleted(CompletionStep.ASSESSMENT, REFERRED + timedelta(days=1))
    )
    result = told(
        memory, referral_id, StepCompleted(CompletionStep.CARE_PLAN, REFERRED + timedelta(days=2))
    )
    assert [e.event_type for e in result.events] == ["ChargesDeclined"]
    told(memory, referral_id, StepCompleted(CompletionStep.CARE_PLAN, REFERRED + timedelta(days=2)))
    assert notices(memory) == ["declined"]
    assert memory.timers[referral_id].fired_at is not None  # decided: the timer will not fire


def test_a_referral_without_abeyance_is_told_nothing() -> None:
    memory = AbeyanceMemory()
    step = StepCompleted(CompletionStep.ASSESSMENT, REFERRED)
    assert told(memory, uuid4(), step) == Told([], None)
    assert memory.outbox == [] and memory.facts == {}


def test_each_event_moves_its_partition_clock_and_fires_what_it_passed() -> None:
    memory, referral_id, other = AbeyanceMemory(), uuid4(), uuid4()
    told(memory, referral_id, start(referral_id), LATER)

    async def an_event_recorded_on(day: datetime) -> None:
        async with MemoryAbeyanceUnitOfWork(memory) as uow:
            await on_referral_input(uow, LATER, other, None, time=day, source=Source(TOPIC, 0, 5))
            await uow.commit()

    run(an_event_recorded_on(datetime(2024, 3, 31, 12, tzinfo=UTC)))
    assert memory.abeyances[referral_id]["state"] == "pending"
    run(an_event_recorded_on(datetime(2024, 4, 2, tzinfo=UTC)))
    assert memory.abeyances[referral_id]["state"] == "expired"
    assert notices(memory) == ["expired"]


def test_a_late_withdrawal_rescinds_the_expiry_with_a_notice() -> None:
    memory, referral_id = AbeyanceMemory(), uuid4()
    told(memory, referral_id, start(referral_id), LATER)
    assert run(fire_until(lambda: MemoryAbeyanceUnitOfWork(memory), LATER, LATER.clock())) == 1
    told(memory, referral_id, Withdrew(REFERRED + timedelta(days=3)), LATER)
    assert memory.abeyances[referral_id]["state"] == "ended"
    assert notices(memory) == ["expired", "rescinded"]


def test_the_scheduler_fires_by_each_partition_s_clock_once() -> None:
    memory, referral_id = AbeyanceMemory(), uuid4()
    told(memory, referral_id, start(referral_id), LATER)
    units = lambda: MemoryAbeyanceUnitOfWork(memory)  # noqa: E731
    memory.positions[("c", TOPIC, 0)] = Position(REFERRED, REFERRED, caught_up=False)
    assert run(fire_due_timers(units, LATER, "c")) == 0  # input up to 1 March only
    memory.positions[("c", TOPIC, 0)] = Position(REFERRED, REFERRED, caught_up=True)
    assert run(fire_due_timers(units, LATER, "c")) == 1  # caught up: the wall clock
    assert run(fire_due_timers(units, LATER, "c")) == 0
    assert notices(memory) == ["expired"]
