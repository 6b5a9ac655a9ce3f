"""Recording a write: idempotency, decision, append with outbox, audit, in one transaction.

A handler supplies ``decide``: given the transaction's connection it returns what to append and
what to answer, or raises an HTTP error (then nothing at all is recorded).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from events.envelope import new_envelope
from events.payloads import EventPayload
from services.platform.audit import audit
from services.platform.auth import Caller
from services.platform.db import Connection
from services.platform.eventstore import ConcurrencyConflict, EventStore
from services.platform.http import runtime_of
from services.platform.idempotency import (
    StoredAnswer,
    earlier_answer,
    fingerprint,
    remember_answer,
)


@dataclass(frozen=True)
class Decision:
    stream_id: str
    expected_version: int
    events: Sequence[EventPayload]
    occurred_at: datetime
    status_code: int
    answer: dict[str, Any]
    record_type: str
    also: Callable[[Connection], Awaitable[None]] | None = None
    """More to do in the same transaction once the events are appended (e.g. a read model)."""


Decide = Callable[[Connection], Awaitable[Decision]]


async def record(request: Request, caller: Caller, body: Any, decide: Decide) -> JSONResponse:
    """Answer an HTTP write: replay an earlier answer to its Idempotency-Key, or decide anew."""
    runtime = runtime_of(request)
    key = request.headers.get("idempotency-key")
    print_ = fingerprint(request.method, request.url.path, body)
    correlation = getattr(request.state, "correlation_id", None) or str(uuid4())
    async with runtime.pool.acquire() as conn, conn.transaction():
        if key:
            earlier = await earlier_answer(conn, caller, key, print_)
            if earlier is not None:
                return JSONResponse(earlier.body, earlier.status_code)
        decision = await decide(conn)
        await apply_decision(
            conn, caller, f"{request.method} {request.url.path}", decision, correlation
        )
        if key:
            answer = StoredAnswer(decision.status_code, decision.answer)
            await remember_answer(conn, caller, key, print_, answer)
    return JSONResponse(decision.answer, decision.status_code)


async def apply_decision(
    conn: Connection, caller: Caller, action: str, decision: Decision, correlation_id: str
) -> None:
    """Append the decision's events (with their outbox rows), update read models, audit."""
    envelopes = [
        new_envelope(
            event,
            occurred_at=decision.occurred_at,
            source="intake",
            correlation_id=correlation_id,
        )
        for event in decision.events
    ]
    if not envelopes:  # accepted as already true: nothing to record
        await audit(conn, caller, action, decision.record_type, decision.stream_id, "unchanged")
        return
    try:
        await EventStore.append_in(conn, decision.stream_id, decision.expected_version, envelopes)
    except ConcurrencyConflict as conflict:
        raise HTTPException(409, f"{conflict}; reload and try again") from conflict
    if decision.also is not None:
        await decision.also(conn)
    await audit(conn, caller, action, decision.record_type, decision.stream_id, "recorded")


async def stream_version(conn: Connection, stream_id: str) -> int:
    version: int = await conn.fetchval(
        "SELECT coalesce(max(version), 0) FROM event_store WHERE stream_id = $1", stream_id
    )
    return version
