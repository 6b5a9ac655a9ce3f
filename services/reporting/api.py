"""Reporting's HTTP API: each report as JSON, CSV or HTML, and the whole report page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from services.platform.auth import Role
from services.platform.db import Connection
from services.platform.http import runtime_of
from services.program import default_program
from services.reporting import render
from services.reporting.tables import REPORTS, Period, Scope, build

router = APIRouter(tags=["reports"])
INTERNAL_ROLES = {Role.evaluator, Role.admin}


async def _check_audience(request: Request, audience: str) -> None:
    if audience == "public":
        return
    caller = await runtime_of(request).authenticate(request)  # 401 without a valid token
    if caller.role not in INTERNAL_ROLES:
        raise HTTPException(403, "internal reports are for evaluators and admins")


def scope_of(start: date | None, end: date | None) -> Scope:
    if start and end and end < start:
        raise HTTPException(
            422, [{"loc": ["query", "to"], "msg": "is before from", "type": "date_order"}]
        )
    return Scope(Period(start, end), tuple(default_program().sites))


@router.get("/reports/{name}")
async def get_report(
    name: str,
    request: Request,
    format: Literal["json", "csv", "html"] = "json",
    audience: Literal["public", "internal"] = "public",
    start: date | None = Query(default=None, alias="from"),
    end: date | None = Query(default=None, alias="to"),
) -> Response:
    if name not in REPORTS:
        raise HTTPException(404, f"no report {name!r}; reports: {', '.join(REPORTS)}")
    await _check_audience(request, audience)
    scope = scope_of(start, end)
    async with (
        runtime_of(request).pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read"),
    ):
        table = await build(conn, name, scope, public=audience == "public")
        as_of = render.AsOf(await position(conn), datetime.now(UTC))
    headers = {"X-Report-Position": str(as_of.position)}
    if format == "csv":
        return PlainTextResponse(render.as_csv(table), media_type="text/csv", headers=headers)
    if format == "html":
        return HTMLResponse(
            render.report_html(table, audience, scope.period, as_of), headers=headers
        )
    return JSONResponse(render.as_json(table, audience, scope.period, as_of), headers=headers)


async def position(conn: Connection) -> int:
    """How many events the projection has applied: the report's position in the log."""
    value: int = await conn.fetchval("SELECT position FROM projection_position")
    return value
