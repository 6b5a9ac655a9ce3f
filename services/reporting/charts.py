"""The report page's charts: inline SVG drawn with matplotlib from public report cells.

Charts draw only numbers the public tables print. A suppressed small count (the small-cell
label) or a withheld one (``None``: a complementary suppression or an unavailable number) is
never drawn as a bar, neither as zero nor as a guess: its bar is left out and a boxed marker
stands where it would start, the label for a small count and an en dash for a withheld one
(:data:`MARKER_NOTE`). A true zero is drawn as an empty bar labelled ``0``.

Each chart is a self-contained ``<svg>`` element (text as ``<text>``, no fonts, images or links)
and deterministic: identical cells give byte-identical SVG (fixed hash salt, no date).
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, NullLocator
from matplotlib.typing import RcKeyType

from services.reporting.domain import Cell
from services.reporting.domain.cells import SUPPRESSED, CellValue
from services.reporting.domain.small_cells import SMALL_CELLS
from services.reporting.tables import ReportTable

ALL = "all"
TOTAL = "total"
PATHWAYS = ("prebooking", "social_contact", "community")
OUTCOMES = ("misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation")
WINDOWS = (6, 12)

MARKER_NOTE = (
    f"Bars are drawn only for published numbers: {SMALL_CELLS.label} marks {SMALL_CELLS.in_words}"
    " and \u2013 a number withheld so that small counts cannot be worked out; neither is drawn"
    " as a bar."
)
NOT_AVAILABLE = "not yet available"
EMPTY_NOTE = (
    f"No count large enough to publish yet:\neach is zero or suppressed ({SMALL_CELLS.label})."
)

BLUE = "#2c5d8f"
LIGHT_BLUE = "#9dbcdc"
GREY = "#5f6b77"
PALETTE = (BLUE, "#e08a2c", "#3f9c6d", "#b34d6f", "#7d6bb3", "#8a8f2c", "#2ca3b5")

PATHWAY_LABELS = {
    "prebooking": "Pre-booking",
    "social_contact": "Social contact",
    "community": "Community",
}
CHANNEL_LABELS = {
    "dhs_providers": "DHS providers",
    "la_50k_partners": "LA 50K partners",
    "oend_direct_to_community": "OEND direct to community",
    "jail_vending": "Jail vending",
    "jail_in_custody": "Jail in custody",
}
OUTCOME_LABELS = {
    "misdemeanor_arrest": "Misdemeanor arrest",
    "felony_arrest": "Felony arrest",
    "felony_case_filed": "Felony case filed",
    "probation": "Probation",
}

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text; the page's fonts draw it
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#8896a4",
    "axes.labelcolor": "#333333",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "svg.image_inline": True,
}
_LOCK = threading.Lock()
"""matplotlib's rcParams are process-wide: one chart is drawn at a time."""


class _Lookup:
    """Cells by their dimensions and measure."""

    def __init__(self, cells: Iterable[Cell]) -> None:
        self._by_key = {cell.key: cell for cell in cells}
        self.cells = list(self._by_key.values())

    def get(self, measure: str, **dims: str | int) -> Cell | None:
        return self._by_key.get(tuple(sorted({**dims, "measure": measure}.items())))

    def values(self, dimension: str, measure: str | None = None) -> list[str | int]:
        """The values ``dimension`` takes (among cells of ``measure``, if given), in order."""
        seen: dict[str | int, None] = {}
        for cell in self.cells:
            if dimension in cell.dims and measure in (None, cell.measure):
                seen.setdefault(cell.dims[dimension], None)
        return list(seen)


def number(value: CellValue) -> float | None:
    """The value as a number to draw, or None for a suppressed, withheld or missing one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def marker(value: CellValue) -> str:
    """What stands in for a number that is not drawn."""
    return SUPPRESSED if value == SUPPRESSED else "\u2013"


@dataclass(frozen=True)
class Series:
    """One colour of bars: a label and, per category, the cell value (or None when absent)."""

    label: str
    color: str
    values: Sequence[CellValue]


# --- drawing ---------------------------------------------------------------------------------


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.yaxis.grid(True, color="#e3e8ee", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _svg(figure: Figure, name: str, title: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _inline(buffer.getvalue(), name, title)


def _inline(svg: str, name: str, title: str) -> str:
    """matplotlib's SVG file as an element for an HTML page: no prolog, metadata or links."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r'\s+version="1\.1"', "", svg)
    svg = svg.replace(
        "<svg ",
        f"<svg class='chart' data-chart='{html.escape(name)}' role='img' "
        f"aria-label='{html.escape(title)}' ",
        1,
    )
    return svg.strip() + "\n"


def _draw(name: str, width: float, height: float, title: str, paint: Callable[[Axes], None]) -> str:
    rc: dict[RcKeyType, Any] = {
        **_RC,
        "svg.hashsalt": f"lead-report-{name}",
    }  # distinct ids per chart on one page
    with _LOCK, matplotlib.rc_context(rc):
        figure, axes = _figure(width, height)
        paint(axes)
        return _svg(figure, name, title)


def _mark(axes: Axes, x: float, y: float, text: str, color: str, step: int = 0) -> None:
    """A boxed marker for a number that is not drawn, ``step`` boxes above ``y``."""
    axes.annotate(
        text,
        (x, y),
        xytext=(0, 3 + 15 * step),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=8,
        color="#333333",
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": color, "lw": 1.2},
    )


def _label_bar(axes: Axes, x: float, top: float, value: float) -> None:
    axes.annotate(
        f"{value:,.0f}",
        (x, top),
        xytext=(0, 2),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=8,
        color="#333333",
    )


def _finish(axes: Axes, categories: Sequence[str], top: float, ylabel: str) -> None:
    axes.set_xticks(range(len(categories)), categories)
    axes.set_ylim(0, top * 1.18 if top > 0 else 10)
    axes.set_ylabel(ylabel)
    axes.tick_params(axis="x", length=0)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.yaxis.set_major_formatter("{x:,.0f}")
    axes.set_xlim(-0.55, len(categories) - 0.45)  # room for markers where no bar stands
    if top <= 0:
        axes.text(
            0.5,
            0.55,
            EMPTY_NOTE,
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color=GREY,
            wrap=True,
        )


class _Stacked:
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
                    _mark(axes, x, bottom, marker(value), series.color, waiting)
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
                _label_bar(axes, x, total, total)
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
        _finish(axes, self.categories, top, self.ylabel)
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)


class _Grouped:
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
                    _mark(axes, x + offset, 0.0, marker(value), series.color)
                    continue
                axes.bar(x + offset, amount, width=width * 0.92, color=series.color)
                _label_bar(axes, x + offset, amount, amount)
        handles = [Patch(color=s.color, label=s.label) for s in self.series]
        _finish(axes, self.categories, top, self.ylabel)
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)


def _wrap(label: str, width: int = 20) -> str:
    """A long category label on two or more lines, broken at spaces."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _site_names(sites: Sequence[str | int], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [_wrap(labels.get(str(s), str(s).replace("-", " ").title())) for s in sites]


# --- the charts ------------------------------------------------------------------------------


def referrals_by_site_chart(table: ReportTable, labels: Mapping[str, str] | None = None) -> str:
    """(a) Referrals per site (not 'all sites'), active stacked under inactive."""
    cells = _Lookup(table.cells)
    sites = [s for s in cells.values("site") if s != ALL]
    series = [
        Series(label, color, [_cell_value(cells, "n", site=s, status=status) for s in sites])
        for status, label, color in (
            ("active", "Active", BLUE),
            ("inactive", "Inactive", LIGHT_BLUE),
        )
    ]
    totals = [_cell_value(cells, "n", site=s, status=TOTAL) for s in sites]
    title = "LEAD referrals by site: active and inactive (incl. re-referrals)"
    painter = _Stacked(_site_names(sites, labels), series, totals, "Referrals")
    return _draw("referrals-by-site", 7.0, 3.4, title, painter)


def referrals_by_pathway_chart(
    table: ReportTable, labels: Mapping[str, str] | None = None, status: str = TOTAL
) -> str:
    """(b) Referrals (all, or ``status='active'``) per site, a bar per pathway."""
    cells = _Lookup(table.cells)
    sites = [s for s in cells.values("site") if s != ALL]
    pathways = [p for p in cells.values("pathway") if p != TOTAL] or list(PATHWAYS)
    series = [
        Series(
            PATHWAY_LABELS.get(str(p), str(p)),
            PALETTE[i % len(PALETTE)],
            [_cell_value(cells, "n", site=s, status=status, pathway=p) for s in sites],
        )
        for i, p in enumerate(pathways)
    ]
    title = "LEAD referrals by pathway and site"
    painter = _Grouped(_site_names(sites, labels), series, "Referrals")
    return _draw("referrals-by-pathway", 7.0, 3.4, title, painter)


def naloxone_chart(table: ReportTable, measure: str = "kits") -> str:
    """(c) Naloxone kits (or doses) distributed per calendar year, stacked by channel."""
    cells = _Lookup(table.cells)
    years = sorted(y for y in cells.values("period", measure) if isinstance(y, int))
    channels = [c for c in cells.values("channel", measure) if c != TOTAL]
    series = [
        Series(
            CHANNEL_LABELS.get(str(c), str(c).replace("_", " ")),
            PALETTE[i % len(PALETTE)],
            [_cell_value(cells, measure, channel=c, period=y) for y in years],
        )
        for i, c in enumerate(channels)
    ]
    totals = [_cell_value(cells, measure, channel=TOTAL, period=y) for y in years]
    title = f"Naloxone {measure} distributed by channel and year"
    painter = _Stacked([str(y) for y in years], series, totals, f"{measure.capitalize()}")
    if not years:
        painter = _Stacked(["(no distribution)"], [], [0], measure.capitalize())
    return _draw("naloxone", 7.0, 3.4, title, painter)


def outcomes_chart(table: ReportTable) -> str:
    """(d) AOR with 95% CI per outcome and window, a forest plot around 1; or a short note."""
    cells = _Lookup(table.cells)
    rows: list[_Row] = []
    outcomes = [o for o in cells.values("outcome")] or list(OUTCOMES)
    windows = sorted(w for w in cells.values("window") if isinstance(w, int)) or list(WINDOWS)
    for outcome in outcomes:
        for window in windows:
            dims: dict[str, str | int] = {"outcome": outcome, "window": window}
            aor = _cell_value(cells, "aor", **dims)
            low = _cell_value(cells, "ci_low", **dims)
            high = _cell_value(cells, "ci_high", **dims)
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
    return _draw("outcomes", 7.0, 0.9 + 0.32 * len(rows), title, painter)


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


def _cell_value(cells: _Lookup, measure: str, **dims: str | int) -> CellValue:
    cell = cells.get(measure, **dims)
    return None if cell is None else cell.value


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
