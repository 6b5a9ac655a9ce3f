"""Abeyance's HTTP API: abeyances with their history, prosecutors' notices, and, for event-time
operation, the end of a fed history (``POST /timers/fire``). Thin: each route asks the
application layer; ``NoSuchRecord`` is a 404, here, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from events.common import Moment
from events.topics import REFERRAL_EVENTS
from services.abeyance.application import queries
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.application.timers import UnitsOfWork, fire_until
from services.abeyance.entrypoints.referral_events import CONSUMER
from services.abeyance.entrypoints.scheduler import behind_partitions
from services.platform.auth import Caller, Forbidden
from services.platform.faults import Unavailable
from services.platform.http import caller_of, runtime_of

router = APIRouter()


def units_of_work(request: Request) -> UnitsOfWork:
    factory: UnitsOfWork = request.app.state.unit_of_work
    return factory


def timing_of(request: Request) -> Timekeeping:
    timing: Timekeeping = request.app.state.timing
    return timing


@router.get("/abeyances", tags=["abeyances"])
async def list_abeyances(
    request: Request,
    state: str | None = Query(default=None, pattern="^(pending|declined|expired|ended)?$"),
    site: str | None = None,
    caller: Caller = Depends(caller_of),
) -> list[dict[str, Any]]:
    """Abeyances with their history (a prosecutor sees only its own agency's cases); an empty
    filter is no filter."""
    uow = units_of_work(request)()
    return await queries.list_abeyances(uow, caller, state or None, site or None)


@router.get("/abeyances/{referral_id}", tags=["abeyances"])
async def get_abeyance(
    referral_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any]:
    return await queries.get_abeyance(units_of_work(request)(), caller, referral_id)


@router.get("/notices", tags=["notices"])
async def list_notices(
    request: Request, caller: Caller = Depends(caller_of)
) -> list[dict[str, Any]]:
    """The caller's agency's notices, newest first (an admin sees every agency's)."""
    overdue_after = timedelta(days=runtime_of(request).settings.notice_ack_days)
    uow = units_of_work(request)()
    return await queries.notices_for(uow, caller, datetime.now(UTC), overdue_after)


@router.post("/notices/{notice_id}/acknowledge", tags=["notices"])
async def acknowledge_notice(
    notice_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any]:
    acknowledged = await queries.acknowledge(units_of_work(request)(), caller, notice_id)
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
        raise Forbidden("only an admin may declare a fed history complete")
    runtime, timing = runtime_of(request), timing_of(request)
    if not timing.event_time_only:
        raise HTTPException(409, "timers follow the wall clock here (not event-time operation)")
    if fed.until > timing.clock() + timedelta(minutes=1):
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
    fired = await fire_until(units_of_work(request), timing, fed.until)
    async with units_of_work(request)() as uow:
        await uow.audit.record(caller, "fire timers", "timer", None, f"{fired} fired")
        await uow.commit()
    return {"until": fed.until.isoformat(), "fired": fired}


async def _no_such_record(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=404)


def install(app: FastAPI) -> None:
    app.add_exception_handler(queries.NoSuchRecord, _no_such_record)
    app.include_router(router)
