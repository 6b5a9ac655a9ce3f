"""Abeyance's repositories, one contract for both adapters: facts, the read model, timers,
partition clocks, notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from events.categories import ChargeLevel, CompletionStep, NoticeDecision
from events.common import Charge
from events.notice import Notice
from services.abeyance.domain import Start, StepCompleted, fold
from tests.contract.conftest import Adapters

pytestmark = pytest.mark.integration
T0 = datetime(2024, 3, 1, 18, tzinfo=UTC)
CHARGES = (Charge(statute="HS 11350(a)", description="possession", level=ChargeLevel.MISDEMEANOR),)


def _start() -> Start:
    return Start(uuid4(), "hollywood", "lacityatty", "R-1", CHARGES, T0)


async def test_facts_are_kept_in_order_and_fold_to_the_state(adapters: Adapters) -> None:
    start = _start()
    step = StepCompleted(CompletionStep.ASSESSMENT, T0 + timedelta(days=2))
    async with adapters.abeyance() as uow:
        assert await uow.facts.lock(start.referral_id)
        await uow.facts.add(start.referral_id, 0, [start])
        await uow.facts.add(start.referral_id, 1, [step])
        await uow.commit()
    async with adapters.abeyance() as uow:
        facts = await uow.facts.load(start.referral_id)
        state = fold(None, facts)
        assert facts == [start, step] and state is not None
        await uow.abeyances.save(state)
        await uow.commit()
    async with adapters.abeyance() as uow:
        view = await uow.abeyances.get(start.referral_id)
        assert await uow.abeyances.find("pending", "hollywood", "lacityatty") == [view]
        assert await uow.abeyances.find("declined", None, None) == []
        assert await uow.abeyances.find(None, None, "lada") == []
    assert view is not None
    assert (view["state"], view["outstanding"]) == ("pending", ["care_plan"])


async def test_a_timer_is_due_by_its_partition_and_fires_once(adapters: Adapters) -> None:
    early, late = uuid4(), uuid4()
    async with adapters.abeyance() as uow:
        await uow.timers.start(early, "lead.referral.events", 0, T0)
        await uow.timers.start(late, "lead.referral.events", 0, T0 + timedelta(days=1))
        await uow.timers.start(early, "lead.referral.events", 0, T0 + timedelta(days=9))
        await uow.commit()
    async with adapters.abeyance() as uow:
        assert await uow.timers.due_in_partition("lead.referral.events", 0, T0) == [early]
        assert await uow.timers.due_in_partition("lead.referral.events", 1, T0) == []
        assert await uow.timers.due_by(T0 + timedelta(days=2)) == [early, late]
        assert await uow.timers.pending(early)
        await uow.timers.settle(early)
        await uow.commit()
    async with adapters.abeyance() as uow:
        assert not await uow.timers.pending(early)
        assert not await uow.timers.pending(uuid4())
        assert await uow.timers.due_by(T0 + timedelta(days=2)) == [late]


async def test_a_partition_clock_never_goes_back(adapters: Adapters) -> None:
    async with adapters.abeyance() as uow:
        assert await uow.clocks.advance("t", 0, T0) == T0
        assert await uow.clocks.advance("t", 0, T0 - timedelta(days=3)) == T0
        assert await uow.clocks.advance("t", 0, T0 + timedelta(hours=1)) == T0 + timedelta(hours=1)
        assert await uow.clocks.advance("t", 1, T0 - timedelta(days=3)) == T0 - timedelta(days=3)


def _notice(agency: str, issued_at: datetime) -> Notice:
    return Notice(
        notice_id=uuid4(),
        referral_id=uuid4(),
        prosecuting_agency=agency,
        report_number="R-1",
        charges=CHARGES,
        decision=NoticeDecision.EXPIRED,
        issued_at=issued_at,
        referred_on=date(2024, 3, 1),
        deadline_on=date(2024, 3, 31),
        expired_on=date(2024, 3, 31),
    )


async def test_a_notice_is_issued_once_and_acknowledged_by_its_agency(adapters: Adapters) -> None:
    older, newer = _notice("lada", T0), _notice("lada", T0 + timedelta(hours=1))
    other = _notice("lbcp", T0)
    async with adapters.abeyance() as uow:
        assert await uow.notices.issue(older) and await uow.notices.issue(newer)
        assert await uow.notices.issue(other)
        assert not await uow.notices.issue(older)  # issued before: the same id
        await uow.commit()
    async with adapters.abeyance() as uow:
        mine = await uow.notices.of_agency("lada")
        assert [n["body"]["notice_id"] for n in mine] == [
            str(newer.notice_id),
            str(older.notice_id),
        ]
        assert len(await uow.notices.of_agency(None)) == 3
        assert await uow.notices.agency_of(older.notice_id) == ("lada", None)
        at = await uow.notices.acknowledge(older.notice_id, "lada")
        await uow.commit()
    async with adapters.abeyance() as uow:
        assert await uow.notices.agency_of(older.notice_id) == ("lada", at)
        assert await uow.notices.agency_of(uuid4()) is None
