"""What a benchmark reports: a figure of ours beside its baseline, measured in the same run, the
ratio and the goal; medians of repeated measurements; a table and a JSON file."""

from __future__ import annotations

import json
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Row:
    measure: str
    ours: float
    unit: str
    baseline: str
    baseline_value: float | None
    ratio: float | None
    goal: str
    met: bool | None
    """None: a figure without a goal (shown for information)."""


async def median_of(repetitions: int, measure: Callable[[], Awaitable[float]]) -> float:
    return statistics.median([await measure() for _ in range(repetitions)])


def at_least(ours: float, baseline: float, factor: float) -> tuple[float, bool]:
    """The ratio ours / baseline and whether it reaches ``factor`` (more is better)."""
    ratio = ours / baseline if baseline else 0.0
    return ratio, ratio >= factor


def at_most(ours: float, baseline: float, factor: float) -> tuple[float, bool]:
    """The ratio ours / baseline and whether it stays within ``factor`` (less is better)."""
    ratio = ours / baseline if baseline else float("inf")
    return ratio, ratio <= factor


def table(rows: list[Row]) -> Table:
    shown = Table(
        "measure", "ours", "baseline (same run)", "ratio", "goal", "met", title="make bench"
    )
    for row in rows:
        baseline = (
            f"{row.baseline}: {row.baseline_value:,.4g}" if row.baseline_value else row.baseline
        )
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[row.met]
        shown.add_row(row.measure, f"{row.ours:,.4g} {row.unit}", baseline, ratio, row.goal, met)
    return shown


def report(rows: list[Row], path: Path, console: Console) -> None:
    console.print(table(rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    console.print(f"figures written to {path}")
