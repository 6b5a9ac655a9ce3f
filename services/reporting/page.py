"""The public report page: every published table and its charts on one self-contained page.

``GET /report`` builds the public (suppressed) tables in one repeatable-read transaction, so
that every section reflects the same event position, and lays them out like the published
LA County page. The page needs nothing else: styles are inline, charts are inline SVG, and it
links to nothing outside itself.
"""

from __future__ import annotations

import asyncio
import html
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.platform.db import Connection
from services.platform.http import runtime_of
from services.program import Program, default_program
from services.reporting import page_sections as sections
from services.reporting import render
from services.reporting.api import as_of_query, scope_of, stamp
from services.reporting.domain.as_of import AsOf
from services.reporting.page_parts import ReportData, month_name, when
from services.reporting.tables import Scope, build

router = APIRouter(tags=["reports"])

TITLE = "Law Enforcement Assisted Diversion (LEAD) in Los Angeles County"
PAGE_REPORTS = (
    "referrals-by-site",
    "referrals-by-pathway",
    "referrals-by-month",
    "demographics",
    "naloxone",
    "abeyance",
    "outcomes",
)

EXTRA_STYLE = " ".join(
    [
        "body{color:#1d2a36;line-height:1.45}",
        "header{border-bottom:4px solid #2c5d8f;margin-bottom:1rem}",
        "header p{margin:.2rem 0 .8rem}",
        "nav{font-size:.9rem;margin:.6rem 0 1.2rem}nav a{margin-right:1rem;color:#2c5d8f}",
        ".intro{max-width:52rem}",
        ".pathways{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));",
        "gap:.8rem;margin:1rem 0}",
        ".pathways div{background:#f3f6f9;border-left:4px solid #2c5d8f;padding:.5rem .8rem}",
        ".pathways h3{margin:.1rem 0 .3rem;font-size:1rem}.pathways p{margin:0;font-size:.92rem}",
        "section{margin-bottom:1.5rem}",
        ".meta{border-left:3px solid #c9d3dd;padding-left:.6rem}",
        ".tables{display:flex;flex-wrap:wrap;gap:0 1.6rem;align-items:flex-start}",
        ".tables table{margin-top:.4rem}td{white-space:nowrap}",
        "figure{margin:.6rem 0 1.4rem}figure svg{width:100%;max-width:58rem;height:auto}",
        "figcaption{font-size:.85rem;color:#555;max-width:52rem}",
        ".chart-missing{background:#fff7e6;border:1px solid #e7c27a;padding:.6rem .9rem;",
        "max-width:48rem}",
        "h3.sub{font-size:1.02rem;margin:1.2rem 0 .2rem}",
        "footer{margin-top:3rem;font-size:.8rem;color:#555;border-top:1px solid #c9d3dd}",
    ]
)


async def gather(conn: Connection, scope: Scope, reflects: render.Stamp) -> ReportData:
    """The public tables; call inside one repeatable-read transaction."""
    tables = {name: await build(conn, name, scope, public=True) for name in PAGE_REPORTS}
    return ReportData(scope, reflects, tables)


@router.get("/report", response_class=HTMLResponse)
async def get_report_page(
    request: Request,
    start: date | None = Query(default=None, alias="from"),
    end: date | None = Query(default=None, alias="to"),
    as_of: AsOf = Depends(as_of_query),
) -> HTMLResponse:
    scope = scope_of(start, end, as_of)
    async with (
        runtime_of(request).pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read"),
    ):
        data = await gather(conn, scope, await stamp(conn, request, as_of))
    page = await asyncio.to_thread(render_page, data)  # charts are CPU work: off the loop
    return HTMLResponse(page, headers={"X-Report-Position": str(data.stamp.position)})


# --- rendering -------------------------------------------------------------------------------


def render_page(data: ReportData, program: Program | None = None) -> str:
    program = program or default_program()
    view = sections.PageView.of(data, program)
    body = [
        _header(data, program),
        sections.referrals(view),
        sections.trends(view),
        sections.demographics(view),
        sections.naloxone(view),
        sections.abeyance(view),
        sections.outcomes(view),
        "<footer><p>Rebuilt from the program's event log. Each table is also available as "
        "JSON, CSV and HTML at <code>/reports/{name}</code>.</p></footer>",
    ]
    page = render.as_html_page(TITLE, "\n".join(body))
    return page.replace("</head>", f"<style>{EXTRA_STYLE}</style></head>", 1)


def _header(data: ReportData, program: Program) -> str:
    sites = "".join(
        f"<li><strong>{html.escape(s.name)}</strong> ({html.escape(s.service_planning_area)}), "
        f"since {month_name(s.started_on)}</li>"
        for s in program.sites.values()
    )
    pathways = "".join(
        f"<div><h3>{html.escape(name)}</h3><p>{text}</p></div>"
        for name, text in (
            (
                "Pre-booking diversion",
                "At the point of arrest for an eligible offense, an officer offers LEAD instead "
                "of booking. Charges are held in abeyance while the participant completes an "
                "assessment and care plan with a case manager, and are then not filed.",
            ),
            (
                "Social contact referral",
                "Police, probation, prosecutors or public defenders refer someone they meet in "
                "their regular work, outside an arrest. The services are the same; no charges "
                "are held.",
            ),
            (
                "Community referral",
                "Organizations outside the justice system refer people who have had, or are "
                "at risk of, repeated contact with law enforcement.",
            ),
        )
    )
    return (
        f"<header><h1>{html.escape(TITLE)}</h1>"
        f"<p class='meta'>{when(data)}</p></header>"
        "<div class='intro'><p>LEAD (Law Enforcement Assisted Diversion, also <em>Let "
        "Everyone Advance with Dignity</em>) is a voluntary pre\u2011arrest and community "
        "diversion program for people whose repeated contact with the legal system stems from "
        "unmet mental health or substance use needs or extreme poverty. Following a harm "
        "reduction approach, each participant sets their own goals in a care plan with a case "
        "manager, for as long as they wish to take part.</p>"
        "<p>People come to LEAD by three pathways, all aimed at the same priority "
        "populations:</p></div>"
        f"<div class='pathways'>{pathways}</div>"
        f"<p>Sites:</p><ul>{sites}</ul>"
        "<nav>Sections: <a href='#referrals'>Referrals</a><a href='#trends'>Trends</a>"
        "<a href='#demographics'>"
        "Demographics</a><a href='#naloxone'>Naloxone (OEND)</a><a href='#abeyance'>"
        "Abeyance</a><a href='#outcomes'>Outcomes</a></nav>"
    )
