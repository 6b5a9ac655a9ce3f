"""The program's charts: referrals by site and by pathway, naloxone kits by year."""

from __future__ import annotations

from collections.abc import Mapping

from services.reporting.charts.bars import Grouped, Stacked
from services.reporting.charts.drawing import (
    ALL,
    BLUE,
    CHANNEL_LABELS,
    LIGHT_BLUE,
    PALETTE,
    PATHWAY_LABELS,
    PATHWAYS,
    TOTAL,
    Lookup,
    Series,
    cell_value,
    draw,
    site_names,
)
from services.reporting.tables import ReportTable


def referrals_by_site_chart(table: ReportTable, labels: Mapping[str, str] | None = None) -> str:
    """(a) Referrals per site (not 'all sites'), active stacked under inactive."""
    cells = Lookup(table.cells)
    sites = [s for s in cells.values("site") if s != ALL]
    series = [
        Series(label, color, [cell_value(cells, "n", site=s, status=status) for s in sites])
        for status, label, color in (
            ("active", "Active", BLUE),
            ("inactive", "Inactive", LIGHT_BLUE),
        )
    ]
    totals = [cell_value(cells, "n", site=s, status=TOTAL) for s in sites]
    title = "LEAD referrals by site: active and inactive (incl. re-referrals)"
    painter = Stacked(site_names(sites, labels), series, totals, "Referrals")
    return draw("referrals-by-site", 7.0, 3.4, title, painter)


def referrals_by_pathway_chart(
    table: ReportTable, labels: Mapping[str, str] | None = None, status: str = TOTAL
) -> str:
    """(b) Referrals (all, or ``status='active'``) per site, a bar per pathway."""
    cells = Lookup(table.cells)
    sites = [s for s in cells.values("site") if s != ALL]
    pathways = [p for p in cells.values("pathway") if p != TOTAL] or list(PATHWAYS)
    series = [
        Series(
            PATHWAY_LABELS.get(str(p), str(p)),
            PALETTE[i % len(PALETTE)],
            [cell_value(cells, "n", site=s, status=status, pathway=p) for s in sites],
        )
        for i, p in enumerate(pathways)
    ]
    title = "LEAD referrals by pathway and site"
    painter = Grouped(site_names(sites, labels), series, "Referrals")
    return draw("referrals-by-pathway", 7.0, 3.4, title, painter)


def naloxone_chart(table: ReportTable, measure: str = "kits") -> str:
    """(c) Naloxone kits (or doses) distributed per calendar year, stacked by channel."""
    cells = Lookup(table.cells)
    years = sorted(y for y in cells.values("period", measure) if isinstance(y, int))
    channels = [c for c in cells.values("channel", measure) if c != TOTAL]
    series = [
        Series(
            CHANNEL_LABELS.get(str(c), str(c).replace("_", " ")),
            PALETTE[i % len(PALETTE)],
            [cell_value(cells, measure, channel=c, period=y) for y in years],
        )
        for i, c in enumerate(channels)
    ]
    totals = [cell_value(cells, measure, channel=TOTAL, period=y) for y in years]
    title = f"Naloxone {measure} distributed by channel and year"
    painter = Stacked([str(y) for y in years], series, totals, f"{measure.capitalize()}")
    if not years:
        painter = Stacked(["(no distribution)"], [], [0], measure.capitalize())
    return draw("naloxone", 7.0, 3.4, title, painter)
