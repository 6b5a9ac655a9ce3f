"""The timers: expire abeyances whose deadline passed, once all input up to then is in.

A timer is due when its referral's partition clock has passed the deadline plus the grace
period. While the consumer is behind, a partition's clock is the latest time up to which it has
consumed that partition's input: the latest ``recorded_at`` it applied there. Once caught up
with the partition's end, the clock is the wall clock. The consumer also fires a partition's
due timers before each event it applies there, whatever the event, and after a start whose
deadline its partition's clock has already passed (``decisions.on_referral_input``). So a
full-speed replay interleaves expiries with input exactly where live operation did, and no
unprocessed event could still carry an earlier completion. Completions themselves are always
judged by when they occurred (the decider), so a late-recorded one rescinds an expiry in both.

On event time alone (``Timekeeping.event_time_only``, for simulating history that was never
recorded live), a partition's clock is the latest ``occurred_at`` it applied, caught up or not,
and never the wall clock: a timer fires only between two events of its own partition. Whoever
feeds the history says when it is complete (``fire_until``): once every published input has
been applied, the timers due by then fire.

Replicas: each timer fires in its own unit of work, holding its referral (``lock`` without
waiting, the equivalent of ``SKIP LOCKED``) and only while unfired.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.abeyance.application.decisions import Timekeeping, fire_timer
from services.abeyance.application.unit_of_work import AbeyanceUnitOfWork

UnitsOfWork = Callable[[], AbeyanceUnitOfWork]


async def fire_due_timers(
    unit_of_work: UnitsOfWork, timing: Timekeeping, consumer: str, limit: int = 200
) -> int:
    """Fire the timers due now; the number fired. Safe to run in several replicas at once: a
    timer another replica (or the consumer) is handling is skipped, one already fired is not
    fired again."""
    async with unit_of_work() as uow:
        due = await uow.timers.due(consumer, timing.clock(), limit, timing.event_time_only)
    fired = 0
    for referral_id, clock in due:
        async with unit_of_work() as uow:
            fired += await fire_timer(uow, timing, referral_id, clock, wait=False)
            await uow.commit()
    return fired


async def fire_until(unit_of_work: UnitsOfWork, timing: Timekeeping, until: datetime) -> int:
    """Fire every timer due by ``until`` (never later than the wall clock); the number fired.

    For event-time operation, once the history fed so far is complete up to ``until`` and every
    published input has been applied (the caller checks)."""
    clock = min(until, timing.clock())
    async with unit_of_work() as uow:
        due = await uow.timers.due_by(clock)
    fired = 0
    for referral_id in due:
        async with unit_of_work() as uow:
            fired += await fire_timer(uow, timing, referral_id, clock, wait=True)
            await uow.commit()
    return fired
