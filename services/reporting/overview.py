"""The program overview for admins and evaluators: every report table, internal (unsuppressed),
under an "internal, do not publish" banner, beside links to the public page and tables.

The tables come from ``services.reporting.tables`` (``build(..., public=False)``, what
``GET /reports/{name}?audience=internal`` answers) in one repeatable-read transaction, so that
every table reflects the same events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from services.platform.auth import Forbidden
from services.platform.http import runtime_of
from services.platform.pages import SignedIn, Site
from services.program import default_program
from services.reporting import render
from services.reporting.api import INTERNAL_ROLES
from services.reporting.tables import REPORTS, Period, Scope, build

site = Site("reporting", "Program overview", home="/overview", templates="services.reporting")
router = site.router()


@router.get("/overview", response_class=HTMLResponse)
async def overview(request: Request, person: SignedIn = Depends(site.person)) -> HTMLResponse:
    if person.caller.role not in INTERNAL_ROLES:
        raise Forbidden("the program overview is for evaluators and admins")
    scope = Scope(Period(), tuple(default_program().sites), public=False)
    async with (
        runtime_of(request).pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read"),
    ):
        tables = {name: await build(conn, name, scope, public=False) for name in REPORTS}
    return site.page(
        request,
        "overview.html",
        person,
        title="Program overview",
        reports=[
            (name, Markup(render.as_html_fragment(table)), table.note)
            for name, table in tables.items()
        ],
        generated_at=datetime.now(UTC),
    )
