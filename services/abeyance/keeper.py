"""Tells an abeyance what happened, records what it decided, and sends the notice.

The one path for every input, from the referral-events consumer and from the timer scheduler
alike: lock the referral, fold its facts, let the pure decider rule, then in the same
transaction store the facts, append the decided events (with the notice in the outbox), update
the read model and the timer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from events.envelope import encode, kafka_headers, new_envelope, notice_envelope
from events.payloads import AbeyanceStarted, EventPayload
from services.abeyance import facts as fact_json
from services.abeyance.domain import (
    INITIAL,
    AbeyanceState,
    DeadlineReached,
    Fact,
    Input,
    Start,
    StepCompleted,
    Withdrew,
    fires_at,
    fold,
    notice_for,
    notice_id_for,
    outstanding,
    run,
)
from services.abeyance.domain.notices import decision_of
from services.platform.db import Connection
from services.platform.eventstore import EventStore
from services.platform.kafka import OutgoingMessage
from services.platform.projection import Source
from services.platform.settings import Settings

Clock = Callable[[], datetime]
SOURCE = "abeyance"


@dataclass(frozen=True)
class Told:
    """What one input decided."""

    events: list[EventPayload]
    state: AbeyanceState | None


def wall_clock() -> datetime:
    return datetime.now(UTC)


def keeper_for(settings: Settings) -> Keeper:
    return Keeper(
        timedelta(seconds=settings.abeyance_grace_seconds),
        wall_clock,
        event_time_only=settings.abeyance_event_time_only,
    )


class Keeper:
    """``event_time_only``: never let the wall clock expire anything (replays, simulations)."""

    def __init__(self, grace: timedelta, clock: Clock, *, event_time_only: bool = False) -> None:
        self.grace = grace
        self.clock = clock
        self.event_time_only = event_time_only

    async def tell(
        self,
        conn: Connection,
        referral_id: UUID,
        told: Input,
        *,
        source: Source | None = None,
        causation_id: str | None = None,
    ) -> Told:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", str(referral_id))
        facts = await _facts(conn, referral_id)
        state = fold(INITIAL, facts)
        if state is None and not isinstance(told, Start):
            return Told([], None)  # not a pre-booking referral: no abeyance to tell
        if state is not None and isinstance(told, Start):
            return Told([], state)  # a redelivered start changes nothing
        now = self.clock()
        events, after = run(told, state, decided_at=now)
        await _record_facts(conn, referral_id, len(facts), [told, *events])
        if events:
            previous = sum(1 for f in facts if isinstance(f, EventPayload))
            await self._append(conn, after, previous, told, events, causation_id, now)
        await _update_read_model(conn, after)
        await self._update_timer(conn, after, events, source)
        return Told(events, after)

    async def _append(
        self,
        conn: Connection,
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
        notices = _notice_messages(conn, events, state, now)
        await EventStore.append_in(conn, str(state.referral_id), version, envelopes, await notices)

    async def _update_timer(
        self,
        conn: Connection,
        state: AbeyanceState,
        events: Sequence[EventPayload],
        source: Source | None,
    ) -> None:
        started = next((e for e in events if isinstance(e, AbeyanceStarted)), None)
        if started is not None and source is not None:
            await conn.execute(
                "INSERT INTO abeyance_timers (referral_id, topic, partition, fire_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (referral_id) DO NOTHING",
                state.referral_id,
                source.topic,
                source.partition,
                fires_at(state.deadline_at, self.grace),
            )
        elif state.status != "pending":
            await conn.execute(
                "UPDATE abeyance_timers SET fired_at = coalesce(fired_at, now())"
                " WHERE referral_id = $1",
                state.referral_id,
            )


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
    conn: Connection, events: Sequence[EventPayload], state: AbeyanceState, now: datetime
) -> list[OutgoingMessage]:
    """The decision's notice, recorded once (its id is derived from referral and decision)."""
    decision = decision_of(events)
    if decision is None:
        return []
    notice_id = notice_id_for(state.referral_id, decision)
    notice = notice_for(events, state, notice_id=notice_id, issued_at=now)
    if notice is None:
        return []
    body = notice.model_dump(mode="json")
    inserted = await conn.fetchval(
        "INSERT INTO notices (notice_id, referral_id, prosecuting_agency, decision, issued_at,"
        " body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notice_id) DO NOTHING"
        " RETURNING true",
        notice.notice_id,
        notice.referral_id,
        notice.prosecuting_agency,
        notice.decision.value,
        notice.issued_at,
        body,
    )
    if not inserted:
        return []
    envelope = notice_envelope(notice, source=SOURCE)
    headers = (
        *kafka_headers(envelope),
        ("notice_id", str(notice.notice_id).encode()),
        ("decision", decision.encode()),
    )
    return [OutgoingMessage(notice.topic, notice.subject.encode(), encode(envelope), headers)]


async def _facts(conn: Connection, referral_id: UUID) -> list[Fact]:
    rows = await conn.fetch(
        "SELECT fact FROM abeyance_facts WHERE referral_id = $1 ORDER BY seq", referral_id
    )
    return [fact_json.from_json(row["fact"]) for row in rows]


async def _record_facts(
    conn: Connection, referral_id: UUID, seq: int, facts: Sequence[Fact]
) -> None:
    await conn.executemany(
        "INSERT INTO abeyance_facts (referral_id, seq, fact) VALUES ($1, $2, $3)",
        [(referral_id, seq + i, fact_json.to_json(f)) for i, f in enumerate(facts)],
    )


async def _update_read_model(conn: Connection, state: AbeyanceState) -> None:
    await conn.execute(
        "INSERT INTO abeyances (referral_id, site, prosecuting_agency, report_number, state,"
        " started_at, deadline_at, outstanding, rescinded)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (referral_id) DO UPDATE"
        " SET state = excluded.state, outstanding = excluded.outstanding,"
        " rescinded = excluded.rescinded, updated_at = now()",
        state.referral_id,
        state.site,
        state.prosecuting_agency,
        state.report_number,
        state.status.value,
        state.referred_at,
        state.deadline_at,
        [step.value for step in outstanding(state)],
        state.rescinded,
    )


def describe(row: Any) -> dict[str, Any]:
    """An abeyance as the API shows it."""
    return {
        "referral_id": str(row["referral_id"]),
        "site": row["site"],
        "prosecuting_agency": row["prosecuting_agency"],
        "report_number": row["report_number"],
        "state": row["state"],
        "started_at": row["started_at"].isoformat(),
        "deadline_at": row["deadline_at"].isoformat(),
        "outstanding": row["outstanding"],
        "rescinded": row["rescinded"],
    }
