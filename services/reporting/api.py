"""Reporting's HTTP API: each report as JSON, CSV or HTML, and the whole report page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from services.platform.auth import Role
from services.platform.db import Connection
from services.platform.http import runtime_of
from services.program import default_program
from services.reporting import render
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain.as_of import AsOf
from services.reporting.tables import REPORTS, Period, Scope, build
from services.reporting.tables.known import applied

router = APIRouter(tags=["reports"])
INTERNAL_ROLES = {Role.evaluator, Role.admin}


async def _check_audience(request: Request, audience: str) -> None:
    if audience == "public":
        return
    caller = await runtime_of(request).authenticate(request)  # 401 without a valid token
    if caller.role not in INTERNAL_ROLES:
        raise HTTPException(403, "internal reports are for evaluators and admins")


def _invalid(field: str, message: str, kind: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["query", field], "msg": message, "type": kind}])


def as_of_query(
    as_of: date | None = Query(
        default=None, description="as it stood at the end of this day (Los Angeles)"
    ),
    as_of_position: int | None = Query(
        default=None, ge=0, description="as it stood after this many events"
    ),
) -> AsOf:
    """``as_of`` or ``as_of_position`` (not both); a day that has not ended yet is refused."""
    if as_of is not None and as_of_position is not None:
        raise _invalid("as_of_position", "cannot be combined with as_of", "as_of_conflict")
    if as_of is not None and as_of > datetime.now(PROGRAM_ZONE).date():
        raise _invalid("as_of", "is in the future", "as_of_future")
    return AsOf(day=as_of, position=as_of_position)


def scope_of(start: date | None, end: date | None, as_of: AsOf | None = None) -> Scope:
    if start and end and end < start:
        raise _invalid("to", "is before from", "date_order")
    return Scope(Period(start, end), tuple(default_program().sites), as_of=as_of or AsOf())


async def stamp(conn: Connection, request: Request, as_of: AsOf) -> render.Stamp:
    """What the report states about itself; 422 for a position the projection has not reached."""
    done = await applied(conn)
    if as_of.position is not None and as_of.position > done:
        raise _invalid(
            "as_of_position", f"the projection has applied {done} events so far", "as_of_ahead"
        )
    position = done if as_of.position is None else as_of.position
    event_time = runtime_of(request).settings.reporting_event_time_only
    return render.Stamp(position, datetime.now(UTC), as_of, event_time)


@router.get("/reports/{name}")
async def get_report(
    name: str,
    request: Request,
    format: Literal["json", "csv", "html"] = "json",
    audience: Literal["public", "internal"] = "public",
    start: date | None = Query(default=None, alias="from"),
    end: date | None = Query(default=None, alias="to"),
    as_of: AsOf = Depends(as_of_query),
) -> Response:
    if name not in REPORTS:
        raise HTTPException(404, f"no report {name!r}; reports: {', '.join(REPORTS)}")
    await _check_audience(request, audience)
    scope = scope_of(start, end, as_of)
    async with (
        runtime_of(request).pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read"),
    ):
        reflects = await stamp(conn, request, as_of)
        table = await build(conn, name, scope, public=audience == "public")
    headers = _headers(reflects)
    if format == "csv":
        return PlainTextResponse(render.as_csv(table), media_type="text/csv", headers=headers)
    if format == "html":
        return HTMLResponse(
            render.report_html(table, audience, scope.period, reflects), headers=headers
        )
    return JSONResponse(render.as_json(table, audience, scope.period, reflects), headers=headers)


def _headers(reflects: render.Stamp) -> dict[str, str]:
    headers = {"X-Report-Position": str(reflects.position)}
    if reflects.as_of.day is not None:
        headers["X-Report-As-Of"] = reflects.as_of.day.isoformat()
    return headers
