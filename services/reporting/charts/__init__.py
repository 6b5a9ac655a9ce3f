"""The report page's charts (inline SVG): what each draws is in its module's docstring."""

from services.reporting.charts.drawing import MARKER_NOTE
from services.reporting.charts.forest import outcomes_chart
from services.reporting.charts.program import (
    naloxone_chart,
    referrals_by_pathway_chart,
    referrals_by_site_chart,
)
from services.reporting.charts.trend import referrals_by_month_chart

__all__ = [
    "MARKER_NOTE",
    "naloxone_chart",
    "outcomes_chart",
    "referrals_by_month_chart",
    "referrals_by_pathway_chart",
    "referrals_by_site_chart",
]
