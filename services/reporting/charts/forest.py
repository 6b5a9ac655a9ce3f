"""The outcomes chart: adjusted odds ratios with their 95% CI, a forest plot around 1."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.ticker import NullLocator

from services.reporting.charts.drawing import (
    GREY,
    NOT_AVAILABLE,
    OUTCOME_LABELS,
    OUTCOMES,
    PALETTE,
    WINDOWS,
    Lookup,
    cell_value,
    draw,
    number,
)
from services.reporting.domain.cells import CellValue
from services.reporting.tables import ReportTable


def outcomes_chart(table: ReportTable) -> str:
    """(d) AOR with 95% CI per outcome and window, a forest plot around 1; or a short note."""
    cells = Lookup(table.cells)
    rows: list[_Row] = []
    outcomes = [o for o in cells.values("outcome")] or list(OUTCOMES)
    windows = sorted(w for w in cells.values("window") if isinstance(w, int)) or list(WINDOWS)
    for outcome in outcomes:
        for window in windows:
            dims: dict[str, str | int] = {"outcome": outcome, "window": window}
            aor = cell_value(cells, "aor", **dims)
            low = cell_value(cells, "ci_low", **dims)
            high = cell_value(cells, "ci_high", **dims)
            label = f"{OUTCOME_LABELS.get(str(outcome), str(outcome))}, {window} mo"
            note = next((c.note for c in [cells.get("aor", **dims)] if c and c.note), None)
            rows.append(_Row(label, aor, low, high, window, note or "not estimable"))
    drawable = [r for r in rows if all(number(v) is not None for v in (r.aor, r.low, r.high))]
    if not drawable:
        reasons = list(dict.fromkeys(c.note for c in cells.cells if c.measure == "aor" and c.note))
        why = "; ".join(reasons) or table.note or NOT_AVAILABLE
        return (
            "<p class='chart-missing'><strong>LEAD versus comparison group: "
            f"{NOT_AVAILABLE}.</strong> {html.escape(why.capitalize())}.</p>\n"
        )
    painter = _Forest(rows, windows)
    title = "Adjusted odds ratios, LEAD versus comparison group, with 95% confidence intervals"
    return draw("outcomes", 7.0, 0.9 + 0.32 * len(rows), title, painter)


@dataclass(frozen=True)
class _Row:
    """One line of the forest plot."""

    label: str
    aor: CellValue
    low: CellValue
    high: CellValue
    window: int
    note: str


class _Forest:
    def __init__(self, rows: Sequence[_Row], windows: list[int]) -> None:
        self.rows, self.windows = rows, windows

    def __call__(self, axes: Axes) -> None:
        colors = {w: PALETTE[i % len(PALETTE)] for i, w in enumerate(self.windows)}
        axes.yaxis.grid(False)
        axes.xaxis.grid(True, color="#e3e8ee", linewidth=0.8)
        axes.set_xscale("log")
        numbers = [number(v) for r in self.rows for v in (r.aor, r.low, r.high)]
        known = [v for v in numbers if v is not None and v > 0]
        low = min([*known, 0.5]) / 1.4
        high = max([*known, 2.0]) * 1.4
        axes.set_xlim(low, high)
        axes.axvline(1.0, color=GREY, linestyle="--", lw=1)
        ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if low <= t <= high]
        axes.set_xticks(ticks, [f"{t:g}" for t in ticks])
        axes.xaxis.set_minor_locator(NullLocator())
        count = len(self.rows)
        for i, row in enumerate(self.rows):
            y = count - 1 - i
            aor, lo, hi = number(row.aor), number(row.low), number(row.high)
            color = colors[row.window]
            if aor is None or lo is None or hi is None or min(aor, lo, hi) <= 0:
                axes.text(
                    1.0,
                    y,
                    f" {_short(row.note)} ",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=GREY,
                    bbox={"fc": "white", "ec": "none"},
                )
                continue
            axes.plot([lo, hi], [y, y], color=color, lw=1.6, solid_capstyle="butt")
            axes.plot([aor], [y], marker="s", color=color, markersize=6)
            axes.annotate(
                f"{aor:.2f} ({lo:.2f}\u2013{hi:.2f})",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color="#333333",
            )
        axes.set_yticks(range(count), [r.label for r in reversed(self.rows)])
        axes.set_ylim(-0.7, count - 0.3)
        axes.tick_params(axis="y", length=0)
        axes.set_xlabel("Adjusted odds ratio (log scale); below 1: lower odds for LEAD")
        axes.annotate(
            "AOR (95% CI)",
            (1.0, 1.0),
            xycoords="axes fraction",
            xytext=(6, 2),
            textcoords="offset points",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            color="#333333",
        )


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
