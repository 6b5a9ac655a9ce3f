"""The event store and the unit of work, one contract for both adapters (memory, PostgreSQL):
streams in order, optimistic concurrency, the outbox filled with the append, all or nothing."""

from __future__ import annotations

import asyncio

import pytest

from events.envelope import Envelope
from services.platform.auth import Caller, Role
from services.platform.eventstore import ConcurrencyConflict
from services.platform.idempotency import IdempotencyKeyReused, StoredAnswer
from services.platform.kafka import OutgoingMessage
from tests.contract.conftest import Adapters
from tests.integration.support import assessment

pytestmark = pytest.mark.integration
CALLER = Caller(Role.admin, "admin", "contract")


async def _append(adapters: Adapters, stream: str, version: int, *events: Envelope) -> int:
    async with adapters.intake() as uow:
        new_version: int = await uow.events.append(stream, version, list(events))
        await uow.commit()
    return new_version


async def test_a_stream_is_read_back_in_order_with_its_versions(adapters: Adapters) -> None:
    first, second, third = assessment(), assessment(), assessment()
    assert await _append(adapters, "r-1", 0, first) == 1
    assert await _append(adapters, "r-1", 1, second, third) == 3
    async with adapters.intake() as uow:
        stream = await uow.events.read("r-1")
        assert await uow.events.version("r-1") == 3
        assert await uow.events.version("nothing") == 0
        assert await uow.events.read("nothing") == []
        many = await uow.events.read_many(["r-1", "nothing"])
    assert [e.envelope.event_id for e in stream] == [
        first.event_id,
        second.event_id,
        third.event_id,
    ]
    assert [e.version for e in stream] == [1, 2, 3]
    assert stream[0].payload.event_type == "AssessmentCompleted"
    assert list(many) == ["r-1"] and many["r-1"] == stream


@pytest.mark.parametrize("expected", [0, 2], ids=["stale", "ahead"])
async def test_an_append_at_another_version_conflicts_and_records_nothing(
    adapters: Adapters, expected: int
) -> None:
    await _append(adapters, "r-2", 0, assessment())
    with pytest.raises(ConcurrencyConflict) as conflict:
        await _append(adapters, "r-2", expected, assessment())
    assert (conflict.value.expected, conflict.value.actual) == (expected, 1)
    assert "at version 1" in str(conflict.value)
    async with adapters.intake() as uow:
        assert await uow.events.version("r-2") == 1
    assert len(await adapters.outbox()) == 1


async def test_two_appends_at_the_same_version_one_wins(adapters: Adapters) -> None:
    await _append(adapters, "r-3", 0, assessment())
    results = await asyncio.gather(
        _append(adapters, "r-3", 1, assessment()),
        _append(adapters, "r-3", 1, assessment()),
        return_exceptions=True,
    )
    assert sorted(r for r in results if isinstance(r, int)) == [2]
    assert sum(isinstance(r, ConcurrencyConflict) for r in results) == 1
    async with adapters.intake() as uow:
        assert await uow.events.version("r-3") == 2


async def test_each_event_and_each_extra_message_is_queued_in_the_outbox(
    adapters: Adapters,
) -> None:
    event = assessment()
    notice = OutgoingMessage("lead.notices.lada", b"\xffkey", b"{}", (("h", b"\x00\x01"),))
    async with adapters.intake() as uow:
        await uow.events.append(event.subject, 0, [event], also_publish=[notice])
        await uow.commit()
    queued = await adapters.outbox()
    assert [m.topic for m in queued] == ["lead.referral.events", "lead.notices.lada"]
    assert queued[0].key == event.subject.encode()
    assert dict(queued[0].headers)["event_id"] == str(event.event_id).encode()
    assert (queued[1].key, queued[1].headers) == (b"\xffkey", (("h", b"\x00\x01"),))


async def test_leaving_a_unit_of_work_without_commit_records_nothing(adapters: Adapters) -> None:
    async with adapters.intake() as uow:
        await uow.events.append("r-4", 0, [assessment()])
        await uow.answers.remember("c", "k", "print", StoredAnswer("created", {"a": 1}))
        await uow.audit.record(CALLER, "POST /x", "referral", "r-4", "recorded")
    with pytest.raises(RuntimeError):
        async with adapters.intake() as uow:
            await uow.events.append("r-5", 0, [assessment()])
            raise RuntimeError("a refusal, a fault")
    async with adapters.intake() as uow:
        assert await uow.events.version("r-4") == await uow.events.version("r-5") == 0
        assert await uow.answers.earlier("c", "k", "print") is None
    assert await adapters.outbox() == []


async def test_an_answer_is_found_again_under_its_key_and_a_reused_key_is_refused(
    adapters: Adapters,
) -> None:
    answer = StoredAnswer("created", {"referral_id": "r"})
    async with adapters.intake() as uow:
        assert await uow.answers.earlier("c", "k", "print") is None
        await uow.answers.remember("c", "k", "print", answer)
        await uow.commit()
    async with adapters.intake() as uow:
        assert await uow.answers.earlier("c", "k", "print") == answer
        assert await uow.answers.earlier("other caller", "k", "print") is None
        with pytest.raises(IdempotencyKeyReused):
            await uow.answers.earlier("c", "k", "another request")
