"""The report page's sections, each from the public tables and their relabelled copies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from services.program import Program
from services.reporting import charts
from services.reporting.domain import Cell
from services.reporting.page_parts import (
    VALUE_LABELS,
    ReportData,
    figure,
    relabel,
    section,
    sub,
    tables_html,
)
from services.reporting.tables import ReportTable


@dataclass(frozen=True)
class PageView:
    """What the sections draw from: the tables as computed (for charts), relabelled (for the
    HTML tables), and the sites' names."""

    data: ReportData
    tables: Mapping[str, ReportTable]
    shown: Mapping[str, ReportTable]
    site_names: Mapping[str, str]

    @classmethod
    def of(cls, data: ReportData, program: Program) -> PageView:
        site_names = {code: site.name for code, site in program.sites.items()}
        site_labels: dict[str | int, str] = dict(site_names.items())
        site_labels.update(VALUE_LABELS["site"])
        labels = {**VALUE_LABELS, "site": site_labels}
        shown = {name: relabel(table, labels) for name, table in data.tables.items()}
        return cls(data, data.tables, shown, site_names)

    def section(self, anchor: str, title: str, names: list[str], content: str) -> str:
        return section(anchor, title, self.data, [self.tables[n] for n in names], content)


def referrals(view: PageView) -> str:
    t, shown, names = view.tables, view.shown, view.site_names
    return view.section(
        "referrals",
        "LEAD Referrals",
        ["referrals-by-site", "referrals-by-pathway"],
        sub("Summary of LEAD referrals by site", shown["referrals-by-site"])
        + figure(
            charts.referrals_by_site_chart(t["referrals-by-site"], names),
            "Referrals per site, active and inactive; the number on top is the site's total.",
        )
        + sub("LEAD referrals by pathway, status and site", shown["referrals-by-pathway"])
        + figure(
            charts.referrals_by_pathway_chart(t["referrals-by-pathway"], names),
            "All referrals (including re\u2011referrals) per site and pathway.",
        ),
    )


def trends(view: PageView) -> str:
    table = view.tables["referrals-by-month"]
    return view.section(
        "trends",
        "Referrals over time",
        ["referrals-by-month"],
        "<p>At the end of each month: the referrals made by then (all pathways), how many "
        "were active and how many inactive. The figures per pathway are in the report "
        "<code>referrals-by-month</code>.</p>"
        + figure(
            charts.referrals_by_month_chart(table, view.site_names),
            "Active referrals at the end of each month, per site. A month whose count is "
            "not published is a gap, marked on the axis.",
            markers=False,
        )
        + tables_html(_all_pathways(view.shown["referrals-by-month"])),
    )


def demographics(view: PageView) -> str:
    return view.section(
        "demographics",
        "Participant demographics",
        ["demographics"],
        "<p>Gender and race/ethnicity of people referred, by status and site; each row's "
        "percentages are of the referrals in that row, including those whose category is "
        "not known.</p>" + tables_html(view.shown["demographics"]),
    )


def naloxone(view: PageView) -> str:
    return view.section(
        "naloxone",
        "Overdose Education and Naloxone Distribution (OEND)",
        ["naloxone"],
        "<p>Naloxone reverses opioid overdoses. Kits (two doses each unless recorded "
        "otherwise) are handed out through health providers, community partners, the LA "
        "50K initiative and the county jails; reported uses are overdoses reversed with a "
        "distributed kit, as reported back to the program.</p>"
        + tables_html(view.shown["naloxone"])
        + figure(
            charts.naloxone_chart(view.tables["naloxone"]),
            "Naloxone kits distributed per calendar year, by channel.",
            markers=False,
        ),
    )


def abeyance(view: PageView) -> str:
    return view.section(
        "abeyance",
        "Pre-booking abeyance",
        ["abeyance"],
        "<p>For a pre\u2011booking diversion the charges are held in abeyance while the "
        "participant completes an assessment and care plan; once those are done the "
        "charges are declined. The table counts abeyances by their current state, with "
        "the median days from referral to the prosecutor's decline.</p>"
        + tables_html(view.shown["abeyance"]),
    )


def outcomes(view: PageView) -> str:
    return view.section(
        "outcomes",
        "LEAD Outcomes",
        ["outcomes"],
        "<p>Evaluation of LEAD participants against a comparison group of people who were "
        "not in LEAD: adjusted odds ratios (AOR) of a misdemeanor arrest, felony arrest, "
        "felony case filed or any probation within 6 and 12 months of the index date, "
        "adjusted for age, prior arrests, gender and ethnicity. An AOR below 1 means "
        "lower odds for LEAD participants.</p>"
        + tables_html(view.shown["outcomes"])
        + figure(
            charts.outcomes_chart(view.tables["outcomes"]),
            "AOR (square) and 95% confidence interval (line) per outcome and window; the "
            "dashed line at 1 marks no difference.",
            markers=False,
        ),
    )


def _all_pathways(table: ReportTable) -> ReportTable:
    """The month table's rows for all pathways together (the page's summary of it)."""
    total = VALUE_LABELS["pathway"].get("total", "total")
    cells = [
        Cell({k: v for k, v in c.dims.items() if k != "pathway"}, c.measure, c.value, c.note)
        for c in table.cells
        if c.dims.get("pathway") in ("total", total)
    ]
    return replace(table, cells=cells)
