"""The trend chart: active referrals at the end of each month, a line per site.

A month whose count is suppressed or withheld is not drawn as a point: the line breaks there,
and a small marker on the axis (the small-cell label, or an en dash) says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from services.reporting.charts.drawing import (
    ALL,
    PALETTE,
    TOTAL,
    Lookup,
    Series,
    cell_value,
    draw,
    marker,
    number,
)
from services.reporting.domain.cells import CellValue
from services.reporting.tables import ReportTable

TITLE = "Active LEAD referrals at the end of each month, by site"


def referrals_by_month_chart(
    table: ReportTable, labels: Mapping[str, str] | None = None, status: str = "active"
) -> str:
    """Referrals with ``status`` at each month's end (all pathways), a line per site."""
    cells = Lookup(table.cells)
    months = [str(m) for m in cells.values("month")]
    sites = [s for s in cells.values("site") if s != ALL]
    names = dict(labels or {})
    series = [
        Series(
            names.get(str(site), str(site).replace("-", " ").title()),
            PALETTE[i % len(PALETTE)],
            [
                cell_value(cells, "n", month=m, site=site, pathway=TOTAL, status=status)
                for m in months
            ],
        )
        for i, site in enumerate(sites)
    ]
    return draw("referrals-by-month", 7.0, 3.4, TITLE, _Lines(months, series))


class _Lines:
    def __init__(self, months: Sequence[str], series: Sequence[Series]) -> None:
        self.months, self.series = months, series

    def __call__(self, axes: Axes) -> None:
        x = list(range(len(self.months)))
        top = 0.0
        for row, series in enumerate(self.series):
            points = [number(v) for v in series.values]
            axes.plot(x, [p if p is not None else float("nan") for p in points], "-",
                      color=series.color, lw=1.6, label=series.label)  # fmt: skip
            top = max([top, *(p for p in points if p is not None)])
            _gaps(axes, x, series.values, series.color, row)
        axes.set_ylim(0, top * 1.15 if top > 0 else 10)
        axes.set_ylabel("Active referrals")
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        step = max(1, len(self.months) // 8)
        ticks = x[::step]
        axes.set_xticks(ticks, [self.months[i] for i in ticks], rotation=30, ha="right")
        axes.set_xlim(-0.5, max(len(self.months) - 0.5, 0.5))
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)


def _gaps(axes: Axes, x: Sequence[int], values: Sequence[CellValue], color: str, row: int) -> None:
    """A marker under each month whose count is not drawn (one row of markers per line)."""
    for position, value in zip(x, values, strict=True):
        if number(value) is None:
            axes.annotate(
                marker(value),
                (position, 0),
                xytext=(0, 2 + 9 * row),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
                color=color,
            )
