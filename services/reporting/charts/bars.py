"""Bar charts: stacked (parts of a total) and grouped (categories side by side)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import Patch

from services.reporting.charts.drawing import (
    BLUE,
    GREY,
    PALETTE,
    Series,
    finish,
    label_bar,
    mark,
    marker,
    number,
)
from services.reporting.domain.cells import CellValue


class Stacked:
    """Stacked bars per category; the total on top (or its outline when parts are withheld)."""

    def __init__(
        self,
        categories: Sequence[str],
        series: Sequence[Series],
        totals: Sequence[CellValue],
        ylabel: str,
    ) -> None:
        self.categories, self.series, self.totals, self.ylabel = categories, series, totals, ylabel

    def __call__(self, axes: Axes) -> None:
        top = 0.0
        outlined = False
        for x, total_value in enumerate(self.totals):
            total = number(total_value)
            parts = [number(s.values[x]) for s in self.series]
            complete = all(p is not None for p in parts)
            height = sum(p or 0.0 for p in parts)
            if total is not None and not complete:
                outlined = True
                axes.bar(x, total, width=0.62, fill=False, edgecolor=GREY, linestyle="--", lw=1)
            top = max(top, height, total or 0.0)
        scale = top or 1.0
        for x in range(len(self.categories)):
            bottom, waiting = 0.0, 0
            for series in self.series:
                value = series.values[x]
                amount = number(value)
                if amount is None:
                    mark(axes, x, bottom, marker(value), series.color, waiting)
                    waiting += 1
                    continue
                axes.bar(x, amount, width=0.62, bottom=bottom, color=series.color)
                if amount / scale > 0.07:
                    dark = series.color == BLUE or series.color in PALETTE[1:]
                    axes.text(
                        x,
                        bottom + amount / 2,
                        f"{amount:,.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "#1d2a36",
                    )
                bottom += amount
            total = number(self.totals[x])
            if total is not None and waiting == 0:
                label_bar(axes, x, total, total)
            elif total is not None:
                axes.annotate(
                    f"total {total:,.0f}",
                    (x, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=GREY,
                )
        handles = [Patch(color=s.color, label=s.label) for s in self.series]
        if outlined:
            handles.append(
                Patch(fill=False, edgecolor=GREY, linestyle="--", label="total (parts withheld)")
            )
        finish(axes, self.categories, top, self.ylabel)
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)


class Grouped:
    """Side-by-side bars per category, one per series, each labelled with its number."""

    def __init__(self, categories: Sequence[str], series: Sequence[Series], ylabel: str) -> None:
        self.categories, self.series, self.ylabel = categories, series, ylabel

    def __call__(self, axes: Axes) -> None:
        count = max(len(self.series), 1)
        width = 0.8 / count
        top = max(
            (number(v) or 0.0 for s in self.series for v in s.values),
            default=0.0,
        )
        for i, series in enumerate(self.series):
            offset = (i - (count - 1) / 2) * width
            for x, value in enumerate(series.values):
                amount = number(value)
                if amount is None:
                    mark(axes, x + offset, 0.0, marker(value), series.color)
                    continue
                axes.bar(x + offset, amount, width=width * 0.92, color=series.color)
                label_bar(axes, x + offset, amount, amount)
        handles = [Patch(color=s.color, label=s.label) for s in self.series]
        finish(axes, self.categories, top, self.ylabel)
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
