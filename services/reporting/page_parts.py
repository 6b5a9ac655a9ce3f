"""The report page's parts: how codes read, sections with their notes, tables and figures."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from services.reporting import charts, render
from services.reporting.domain import Cell
from services.reporting.domain.small_cells import SMALL_CELLS
from services.reporting.tables import Period, ReportTable, Scope

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


@dataclass(frozen=True)
class ReportData:
    """What the page shows: the public tables, all read at one event position."""

    scope: Scope
    stamp: render.Stamp
    tables: dict[str, ReportTable] = field(default_factory=dict)


def relabel(table: ReportTable, labels: Mapping[str, Mapping[str | int, str]]) -> ReportTable:
    """A copy of ``table`` whose dimension values read as words (for the HTML tables only)."""

    def value(dim: str, code: str | int) -> str | int:
        return labels.get(dim, {}).get(code, code)

    cells = [
        Cell({k: value(k, v) for k, v in c.dims.items()}, c.measure, c.value, c.note)
        for c in table.cells
    ]
    return replace(table, cells=cells)


def section(
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
        f"<p class='meta'>{when(data)}<br>{suppression}</p>{content}{notes}</section>"
    )


def when(data: ReportData) -> str:
    return (
        f"Period: {period_in_words(data.scope.period)} · {html.escape(data.stamp.in_words())}"
        f" (generated {data.stamp.generated_at:%Y-%m-%d %H:%M} UTC)"
    )


def period_in_words(period: Period) -> str:
    if period.start is None and period.end is None:
        return "all records to date"
    start = f"{period.start:%B %-d, %Y}" if period.start else "the start of the program"
    end = f"{period.end:%B %-d, %Y}" if period.end else "today"
    return f"{start} to {end}"


def month_name(day: date) -> str:
    return f"{day:%B %Y}"


def sub(title: str, table: ReportTable) -> str:
    return f"<h3 class='sub'>{html.escape(title)}</h3>" + tables_html(table)


def tables_html(table: ReportTable) -> str:
    fragment = render.as_html_fragment(table)
    for code, head in MEASURE_HEADS.items():
        fragment = fragment.replace(f"<th>{code}</th>", f"<th>{html.escape(head)}</th>")
    return f"<div class='tables'>{fragment}</div>"


def figure(chart: str, caption: str, *, markers: bool = True) -> str:
    if not chart.lstrip().startswith("<svg"):
        return chart  # a chart that cannot be drawn says why instead
    note = f" {html.escape(charts.MARKER_NOTE)}" if markers else ""
    return f"<figure>{chart}<figcaption>{html.escape(caption)}{note}</figcaption></figure>"
