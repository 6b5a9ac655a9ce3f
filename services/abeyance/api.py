"""Abeyance's HTTP API: abeyances with their history, prosecutors' notices, and, for event-time
operation, the end of a fed history (``POST /timers/fire``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from events.common import Moment
from events.topics import REFERRAL_EVENTS
from services.abeyance.keeper import describe, keeper_for
from services.abeyance.projection import CONSUMER
from services.abeyance.scheduler import behind_partitions, fire_until
from services.platform.audit import audit
from services.platform.auth import Caller, Role, forbid
from services.platform.eventstore import StoredEvent
from services.platform.faults import Unavailable
from services.platform.http import caller_of, runtime_of

router = APIRouter()


def _may_read_case(caller: Caller, prosecuting_agency: str) -> bool:
    return caller.is_admin or (
        caller.role is Role.prosecutor and caller.agency == prosecuting_agency
    )


@router.get("/abeyances", tags=["abeyances"])
async def list_abeyances(
    request: Request,
    state: str | None = Query(default=None, pattern="^(pending|declined|expired|ended)?$"),
    site: str | None = None,
    caller: Caller = Depends(caller_of),
) -> list[dict[str, Any]]:
    """Abeyances with their history (a prosecutor sees only its own agency's cases); an empty
    filter is no filter."""
    _may_read_abeyances(caller)
    runtime = runtime_of(request)
    agency = None if caller.is_admin else caller.agency
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT * FROM abeyances WHERE ($1::text IS NULL OR state = $1)"
            " AND ($2::text IS NULL OR site = $2)"
            " AND ($3::text IS NULL OR prosecuting_agency = $3)"
            " ORDER BY started_at, referral_id",
            state or None,
            site or None,
            agency,
        )
    histories = await runtime.store.read_streams([str(row["referral_id"]) for row in rows])
    return [
        describe(row) | {"history": _history(histories.get(str(row["referral_id"]), []))}
        for row in rows
    ]


@router.get("/abeyances/{referral_id}", tags=["abeyances"])
async def get_abeyance(
    referral_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any]:
    _may_read_abeyances(caller)
    runtime = runtime_of(request)
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM abeyances WHERE referral_id = $1", referral_id)
    if row is None:
        raise HTTPException(404, f"no abeyance for referral {referral_id}")
    if not _may_read_case(caller, row["prosecuting_agency"]):
        raise forbid("only the prosecuting agency of this case (or an admin) may read it")
    return describe(row) | {"history": _history(await runtime.store.read_stream(str(referral_id)))}


def _may_read_abeyances(caller: Caller) -> None:
    """Only prosecutors (for their own agency's cases) and admins; refused before any lookup."""
    if not caller.is_admin and caller.role is not Role.prosecutor:
        raise forbid("only prosecutors (for their own agency) and admins may read abeyances")


def _history(events: list[StoredEvent]) -> list[dict[str, Any]]:
    return [
        {
            "event_type": e.envelope.event_type,
            "occurred_at": e.envelope.occurred_at.isoformat(),
            "recorded_at": e.envelope.recorded_at.isoformat(),
            "payload": e.envelope.payload,
        }
        for e in events
    ]


@router.get("/notices", tags=["notices"])
async def list_notices(
    request: Request, caller: Caller = Depends(caller_of)
) -> list[dict[str, Any]]:
    """The caller's agency's notices, newest first (an admin sees every agency's)."""
    if not caller.is_admin and caller.role is not Role.prosecutor:
        raise forbid("only prosecutors and admins may read notices")
    runtime = runtime_of(request)
    overdue_after = timedelta(days=runtime.settings.notice_ack_days)
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT * FROM notices WHERE ($1::text IS NULL OR prosecuting_agency = $1)"
            " ORDER BY issued_at DESC, notice_id",
            None if caller.is_admin else caller.agency,
        )
        await audit(conn, caller, "GET notices", "notice", None, f"{len(rows)} read")
    return [
        row["body"]
        | {
            "acknowledged_at": row["acknowledged_at"].isoformat()
            if row["acknowledged_at"]
            else None,
            "overdue": row["acknowledged_at"] is None and now - row["issued_at"] > overdue_after,
        }
        for row in rows
    ]


@router.post("/notices/{notice_id}/acknowledge", tags=["notices"])
async def acknowledge_notice(
    notice_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any]:
    async with runtime_of(request).pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT prosecuting_agency, acknowledged_at FROM notices WHERE notice_id = $1"
            " FOR UPDATE",
            notice_id,
        )
        if row is None:
            raise HTTPException(404, f"no notice {notice_id}")
        if not caller.is_admin and not (
            caller.role is Role.prosecutor and caller.agency == row["prosecuting_agency"]
        ):
            raise forbid("only the notice's own prosecuting agency may acknowledge it")
        acknowledged = row["acknowledged_at"] or await conn.fetchval(
            "UPDATE notices SET acknowledged_at = now(), acknowledged_by = $2"
            " WHERE notice_id = $1 RETURNING acknowledged_at",
            notice_id,
            caller.agency,
        )
        await audit(conn, caller, "acknowledge", "notice", str(notice_id), "acknowledged")
    return {"notice_id": str(notice_id), "acknowledged_at": acknowledged.isoformat()}


class HistoryFed(BaseModel):
    """The history fed to intake is complete up to ``until``."""

    model_config = ConfigDict(extra="forbid")
    until: Moment


@router.post("/timers/fire", tags=["timers"], response_model=None)
async def fire_timers(
    fed: HistoryFed, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any] | JSONResponse:
    """Event-time operation only: fire every timer due by ``until`` once all input is applied.

    With ``LEAD_ABEYANCE_EVENT_TIME_ONLY`` no wall clock ever expires an abeyance, so whoever
    feeds a history (``lead simulate``) says when it is complete. 503 with ``Retry-After`` while
    published referral events are not yet applied; 409 when the wall clock drives the timers."""
    if not caller.is_admin:
        raise forbid("only an admin may declare a fed history complete")
    runtime = runtime_of(request)
    keeper = keeper_for(runtime.settings)
    if not keeper.event_time_only:
        raise HTTPException(409, "timers follow the wall clock here (not event-time operation)")
    if fed.until > keeper.clock() + timedelta(minutes=1):
        raise HTTPException(
            422, [{"loc": ["body", "until"], "msg": "must not lie in the future", "type": "future"}]
        )
    try:
        behind = await asyncio.wait_for(
            behind_partitions(runtime.pool, runtime.settings, REFERRAL_EVENTS, CONSUMER),
            timeout=runtime.settings.ready_timeout_s * 3,
        )
    except (TimeoutError, KafkaError) as error:
        raise Unavailable("broker") from error
    if behind:
        return JSONResponse(
            {
                "detail": "referral events are still being applied; retry",
                "behind": [{"partition": p, "applied": a, "end": e} for p, a, e in behind],
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )
    fired = await fire_until(runtime.pool, keeper, fed.until)
    await audit(runtime.pool, caller, "fire timers", "timer", None, f"{fired} fired")
    return {"until": fed.until.isoformat(), "fired": fired}
