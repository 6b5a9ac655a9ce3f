"""The public report page: every published table and its charts on one self-contained page.

``GET /report`` builds the public (suppressed) tables in one repeatable-read transaction, so
that every section reflects the same event position, and lays them out like the published
LA County page. The page needs nothing else: styles are inline, charts are inline SVG, and it
links to nothing outside itself.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.platform.db import Connection
from services.platform.http import runtime_of
from services.platform.program import Program, default_program
from services.reporting import charts, render
from services.reporting.api import as_of_query, scope_of, stamp
from services.reporting.domain import Cell
from services.reporting.domain.as_of import AsOf
from services.reporting.domain.small_cells import SMALL_CELLS
from services.reporting.tables import Period, ReportTable, Scope, build

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

#: How codes read on the page (a code not listed reads as itself, with spaces for - and _).
#: U+2011 (non-breaking hyphen) keeps a hyphen that the table renderer would turn into a space.
VALUE_LABELS: dict[str, dict[str | int, str]] = {
    "site": {"all": "All sites"},
    "status": {"total": "total (incl. re\u2011referrals)"},
    "pathway": {
        "prebooking": "pre\u2011booking",
        "social_contact": "social contact",
        "community": "community referral",
    },
    "gender": {"trans_woman": "trans women", "trans_man": "trans men"},
    "ethnicity": {
        "black": "African American / Black",
        "asian_pacific_islander": "Asian / Pacific Islander",
        "white": "Caucasian / White",
        "latinx": "Latinx",
        "native_american": "Native American",
    },
    "channel": {
        "dhs_providers": "DHS providers",
        "la_50k_partners": "LA 50K partners",
        "oend_direct_to_community": "OEND direct to community",
    },
    "period": {"total": "all years", "la_50k": "LA 50K (since 7/1/21)"},
    "outcome": {"felony_case_filed": "felony case filed", "probation": "any probation"},
    "window": {6: "at 6 months", 12: "at 12 months"},
}
#: Column heads named after a measure (the table renderer prints the measure's code).
MEASURE_HEADS = {
    "aor": "AOR",
    "ci low": "95% CI low",
    "ci high": "95% CI high",
    "subjects lead": "LEAD subjects",
    "subjects comparison": "comparison subjects",
    "prebooking referrals": "pre\u2011booking referrals",
}

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


@dataclass(frozen=True)
class ReportData:
    """What the page shows: the public tables, all read at one event position."""

    scope: Scope
    stamp: render.Stamp
    tables: dict[str, ReportTable] = field(default_factory=dict)


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
    site_names: dict[str, str] = {code: site.name for code, site in program.sites.items()}
    site_labels: dict[str | int, str] = {**VALUE_LABELS["site"]}
    site_labels.update(site_names)
    site_labels.update(VALUE_LABELS["site"])
    labels = {**VALUE_LABELS, "site": site_labels}
    t = data.tables
    shown = {name: relabel(table, labels) for name, table in t.items()}
    body = [
        _header(data, program),
        _section(
            "referrals",
            "LEAD Referrals",
            data,
            [t["referrals-by-site"], t["referrals-by-pathway"]],
            _sub("Summary of LEAD referrals by site", shown["referrals-by-site"])
            + _figure(
                charts.referrals_by_site_chart(t["referrals-by-site"], site_names),
                "Referrals per site, active and inactive; the number on top is the site's total.",
            )
            + _sub("LEAD referrals by pathway, status and site", shown["referrals-by-pathway"])
            + _figure(
                charts.referrals_by_pathway_chart(t["referrals-by-pathway"], site_names),
                "All referrals (including re\u2011referrals) per site and pathway.",
            ),
        ),
        _section(
            "trends",
            "Referrals over time",
            data,
            [t["referrals-by-month"]],
            "<p>At the end of each month: the referrals made by then (all pathways), how many "
            "were active and how many inactive. The figures per pathway are in the report "
            "<code>referrals-by-month</code>.</p>"
            + _figure(
                charts.referrals_by_month_chart(t["referrals-by-month"], site_names),
                "Active referrals at the end of each month, per site. A month whose count is "
                "not published is a gap, marked on the axis.",
                markers=False,
            )
            + _tables(_all_pathways(shown["referrals-by-month"])),
        ),
        _section(
            "demographics",
            "Participant demographics",
            data,
            [t["demographics"]],
            "<p>Gender and race/ethnicity of people referred, by status and site; each row's "
            "percentages are of the referrals in that row, including those whose category is "
            "not known.</p>" + _tables(shown["demographics"]),
        ),
        _section(
            "naloxone",
            "Overdose Education and Naloxone Distribution (OEND)",
            data,
            [t["naloxone"]],
            "<p>Naloxone reverses opioid overdoses. Kits (two doses each unless recorded "
            "otherwise) are handed out through health providers, community partners, the LA "
            "50K initiative and the county jails; reported uses are overdoses reversed with a "
            "distributed kit, as reported back to the program.</p>"
            + _tables(shown["naloxone"])
            + _figure(
                charts.naloxone_chart(t["naloxone"]),
                "Naloxone kits distributed per calendar year, by channel.",
                markers=False,
            ),
        ),
        _section(
            "abeyance",
            "Pre-booking abeyance",
            data,
            [t["abeyance"]],
            "<p>For a pre\u2011booking diversion the charges are held in abeyance while the "
            "participant completes an assessment and care plan; once those are done the "
            "charges are declined. The table counts abeyances by their current state, with "
            "the median days from referral to the prosecutor's decline.</p>"
            + _tables(shown["abeyance"]),
        ),
        _section(
            "outcomes",
            "LEAD Outcomes",
            data,
            [t["outcomes"]],
            "<p>Evaluation of LEAD participants against a comparison group of people who were "
            "not in LEAD: adjusted odds ratios (AOR) of a misdemeanor arrest, felony arrest, "
            "felony case filed or any probation within 6 and 12 months of the index date, "
            "adjusted for age, prior arrests, gender and ethnicity. An AOR below 1 means "
            "lower odds for LEAD participants.</p>"
            + _tables(shown["outcomes"])
            + _figure(
                charts.outcomes_chart(t["outcomes"]),
                "AOR (square) and 95% confidence interval (line) per outcome and window; the "
                "dashed line at 1 marks no difference.",
                markers=False,
            ),
        ),
        "<footer><p>Rebuilt from the program's event log. Each table is also available as "
        "JSON, CSV and HTML at <code>/reports/{name}</code>.</p></footer>",
    ]
    page = render.as_html_page(TITLE, "\n".join(body))
    return page.replace("</head>", f"<style>{EXTRA_STYLE}</style></head>", 1)


def relabel(table: ReportTable, labels: Mapping[str, Mapping[str | int, str]]) -> ReportTable:
    """A copy of ``table`` whose dimension values read as words (for the HTML tables only)."""

    def value(dim: str, code: str | int) -> str | int:
        return labels.get(dim, {}).get(code, code)

    cells = [
        Cell({k: value(k, v) for k, v in c.dims.items()}, c.measure, c.value, c.note)
        for c in table.cells
    ]
    return replace(table, cells=cells)


def _header(data: ReportData, program: Program) -> str:
    sites = "".join(
        f"<li><strong>{html.escape(s.name)}</strong> ({html.escape(s.service_planning_area)}), "
        f"since {_month(s.started_on)}</li>"
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
        f"<p class='meta'>{_when(data)}</p></header>"
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


def _section(
    anchor: str, title: str, data: ReportData, tables: list[ReportTable], content: str
) -> str:
    notes = "".join(
        f"<p class='note'>{html.escape(t.note[:1].upper() + t.note[1:])}.</p>"
        for t in tables
        if t.note
    )
    suppression = (
        f"Small counts are suppressed for the public: {SMALL_CELLS.in_words} is shown as "
        f"{html.escape(SMALL_CELLS.label)}, and a few further numbers are withheld (\u2013) so"
        " that none can be worked out from totals or percentages."
    )
    return (
        f"<section id='{anchor}'><h2>{html.escape(title)}</h2>"
        f"<p class='meta'>{_when(data)}<br>{suppression}</p>{content}{notes}</section>"
    )


def _when(data: ReportData) -> str:
    return (
        f"Period: {_period(data.scope.period)} · {html.escape(data.stamp.in_words())}"
        f" (generated {data.stamp.generated_at:%Y-%m-%d %H:%M} UTC)"
    )


def _period(period: Period) -> str:
    if period.start is None and period.end is None:
        return "all records to date"
    start = f"{period.start:%B %-d, %Y}" if period.start else "the start of the program"
    end = f"{period.end:%B %-d, %Y}" if period.end else "today"
    return f"{start} to {end}"


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def _all_pathways(table: ReportTable) -> ReportTable:
    """The month table's rows for all pathways together (the page's summary of it)."""
    total = VALUE_LABELS["pathway"].get("total", "total")
    cells = [
        Cell({k: v for k, v in c.dims.items() if k != "pathway"}, c.measure, c.value, c.note)
        for c in table.cells
        if c.dims.get("pathway") in ("total", total)
    ]
    return replace(table, cells=cells)


def _sub(title: str, table: ReportTable) -> str:
    return f"<h3 class='sub'>{html.escape(title)}</h3>" + _tables(table)


def _tables(table: ReportTable) -> str:
    fragment = render.as_html_fragment(table)
    for code, head in MEASURE_HEADS.items():
        fragment = fragment.replace(f"<th>{code}</th>", f"<th>{html.escape(head)}</th>")
    return f"<div class='tables'>{fragment}</div>"


def _figure(chart: str, caption: str, *, markers: bool = True) -> str:
    if not chart.lstrip().startswith("<svg"):
        return chart  # a chart that cannot be drawn says why instead
    note = f" {html.escape(charts.MARKER_NOTE)}" if markers else ""
    return f"<figure>{chart}<figcaption>{html.escape(caption)}{note}</figcaption></figure>"
