"""Drawing primitives of the report page's charts: inline, deterministic SVG from matplotlib.

Charts draw only numbers the public tables print. A suppressed small count (the small-cell
label) or a withheld one (``None``: a complementary suppression or an unavailable number) is
never drawn, neither as zero nor as a guess: a boxed marker stands where it would be, the label
for a small count and an en dash for a withheld one (:data:`MARKER_NOTE`). A true zero is drawn
as zero.

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
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from services.reporting.domain import Cell
from services.reporting.domain.cells import SUPPRESSED, CellValue
from services.reporting.domain.small_cells import SMALL_CELLS

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


class Lookup:
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


def cell_value(cells: Lookup, measure: str, **dims: str | int) -> CellValue:
    cell = cells.get(measure, **dims)
    return None if cell is None else cell.value


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


def draw(name: str, width: float, height: float, title: str, paint: Callable[[Axes], None]) -> str:
    rc: dict[RcKeyType, Any] = {
        **_RC,
        "svg.hashsalt": f"lead-report-{name}",
    }  # distinct ids per chart on one page
    with _LOCK, matplotlib.rc_context(rc):
        figure, axes = _figure(width, height)
        paint(axes)
        return _svg(figure, name, title)


def mark(axes: Axes, x: float, y: float, text: str, color: str, step: int = 0) -> None:
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


def label_bar(axes: Axes, x: float, top: float, value: float) -> None:
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


def finish(axes: Axes, categories: Sequence[str], top: float, ylabel: str) -> None:
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


def wrap(label: str, width: int = 20) -> str:
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


def site_names(sites: Sequence[str | int], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [wrap(labels.get(str(s), str(s).replace("-", " ").title())) for s in sites]
