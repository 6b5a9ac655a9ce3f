"""A report table as JSON (tidy cells), CSV (one cell per line) or an HTML table."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reporting.domain import Cell, to_csv
from services.reporting.domain.as_of import AsOf
from services.reporting.tables import Period, ReportTable


@dataclass(frozen=True)
class Stamp:
    """What a report states about how current it is: the position it reflects (the requested
    one, or every event applied), when it was made, and the day it is as of, if any."""

    position: int
    generated_at: datetime
    as_of: AsOf = field(default_factory=AsOf)
    event_time: bool = False
    """Whether days are read on event time (a replayed history) rather than recorded time."""

    def to_json(self) -> dict[str, Any]:
        day = self.as_of.day
        return {
            "position": self.position,
            "generated_at": self.generated_at.isoformat(),
            "date": day.isoformat() if day else None,
            "until": self.as_of.cut.until.isoformat() if day else None,
            "time": "occurred" if self.event_time else "recorded",
        }

    def in_words(self) -> str:
        """``as of 2022-06-30 (end of day, Los Angeles; recorded time) · position 812``."""
        day = self.as_of.day
        when = ""
        if day is not None:
            time = "event time" if self.event_time else "recorded time"
            when = f"as of {day.isoformat()} (end of day, Los Angeles; {time}) · "
        elif self.as_of.position is not None:
            when = "as of "
        return f"{when}position {self.position:,}"


def as_json(table: ReportTable, audience: str, period: Period, stamp: Stamp) -> dict[str, Any]:
    body: dict[str, Any] = {
        "report": table.name,
        "audience": audience,
        "from": period.start.isoformat() if period.start else None,
        "to": period.end.isoformat() if period.end else None,
        "as_of": stamp.to_json(),
        "cells": [cell.to_json() for cell in table.cells],
    }
    if table.note:
        body["note"] = table.note
    return body


def as_csv(table: ReportTable) -> str:
    return to_csv(table.cells)


@dataclass(frozen=True)
class Layout:
    """How a report is laid out as a published table: sections, rows and columns."""

    columns: str
    section: str | None = None
    split: str | None = None
    """A dimension whose presence splits the cells into separate tables (demographics)."""


LAYOUTS = {
    "referrals-by-site": Layout(columns="site"),
    "referrals-by-pathway": Layout(columns="pathway", section="site"),
    "demographics": Layout(columns="{split}", section="site", split="gender|ethnicity"),
    "naloxone": Layout(columns="channel"),
    "outcomes": Layout(columns="measure"),
    "abeyance": Layout(columns="measure"),
    "referrals-by-month": Layout(columns="status", section="site"),
}


def _show(cell: Cell | None) -> str:
    if cell is None:
        return ""
    if cell.value is None:
        return "\u2013"  # an en dash: hidden or not available
    if isinstance(cell.value, float):
        return f"{cell.value:g}"
    if isinstance(cell.value, int):
        return f"{cell.value:,}"
    return str(cell.value)


def _label(value: object) -> str:
    return str(value).replace("_", " ").replace("-", " ")


def placement(cell: Cell, columns: str) -> tuple[tuple[tuple[str, object], ...], object]:
    """The row (other dimensions, and the measure unless it is n or %) and the column."""
    dims: dict[str, object] = dict(cell.dims)
    if columns == "measure":
        return tuple(dims.items()), cell.measure
    column = dims.pop(columns, None)
    if cell.measure not in ("n", "pct"):
        dims["measure"] = cell.measure
    return tuple(dims.items()), column


def html_table(cells: Sequence[Cell], columns: str, caption: str = "") -> str:
    """Rows = the other dimensions (and the measure), columns = one dimension; n and % merged."""
    column_values: list[object] = []
    rows: dict[tuple[tuple[str, object], ...], dict[object, dict[str, Cell]]] = {}
    for cell in cells:
        row, column = placement(cell, columns)
        if column not in column_values:
            column_values.append(column)
        rows.setdefault(row, {}).setdefault(column, {})[cell.measure] = cell
    head = "".join(f"<th>{html.escape(_label(c))}</th>" for c in column_values)
    body = []
    for key, by_column in rows.items():
        label = " · ".join(html.escape(_label(v)) for _, v in key) or "&nbsp;"
        tds = []
        for column in column_values:
            found = by_column.get(column, {})
            pct = found.pop("pct", None)
            main = found.get("n") or next(iter(found.values()), None)
            shown = f" <small>({_show(pct)}%)</small>" if pct and pct.value is not None else ""
            tds.append(f"<td>{_show(main)}{shown}</td>")
        body.append(f"<tr><th scope='row'>{label}</th>{''.join(tds)}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<table>{cap}<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def as_html_fragment(table: ReportTable) -> str:
    layout = LAYOUTS[table.name]
    parts = []
    splits = layout.split.split("|") if layout.split else [None]
    for split in splits:
        cells = [c for c in table.cells if split is None or split in c.dims]
        columns = split if layout.columns == "{split}" and split else layout.columns
        if layout.section:
            sections: dict[object, list[Cell]] = {}
            for cell in cells:
                sections.setdefault(cell.dims.get(layout.section), []).append(cell)
            for section, group in sections.items():
                trimmed = [
                    Cell(
                        {k: v for k, v in c.dims.items() if k != layout.section},
                        c.measure,
                        c.value,
                        c.note,
                    )
                    for c in group
                ]
                parts.append(
                    html_table(
                        trimmed, columns, f"{_label(section)}" + (f" — {split}" if split else "")
                    )
                )
        else:
            parts.append(html_table(cells, columns))
    return "\n".join(parts)


def _without(cell: Cell, dimension: str) -> Cell:
    dims = {k: v for k, v in cell.dims.items() if k != dimension}
    return Cell(dims, cell.measure, cell.value, cell.note)


STYLE = " ".join(
    [
        "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}",
        "h1{font-size:1.6rem}",
        "h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #2c5d8f}",
        "table{border-collapse:collapse;margin:.8rem 0 1.4rem;font-size:.92rem}",
        "caption{text-align:left;font-weight:600;padding:.3rem 0;text-transform:capitalize}",
        "th,td{border:1px solid #c9d3dd;padding:.3rem .6rem;text-align:right}",
        "th[scope=row]{text-align:left;background:#f3f6f9;text-transform:capitalize}",
        "thead th{background:#2c5d8f;color:#fff;text-transform:capitalize}",
        "small{color:#555}.meta{color:#555;font-size:.85rem}.note{color:#7a4b00}",
    ]
)


def as_html_page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def report_html(table: ReportTable, audience: str, period: Period, stamp: Stamp) -> str:
    meta = (
        f"<p class='meta'>audience: {html.escape(audience)} · period: "
        f"{period.start or 'start'} to {period.end or 'now'} · {html.escape(stamp.in_words())} · "
        f"generated {stamp.generated_at:%Y-%m-%d %H:%M} UTC</p>"
    )
    note = f"<p class='note'>{html.escape(table.note)}</p>" if table.note else ""
    body = f"<h1>{html.escape(_label(table.name))}</h1>{meta}{note}{as_html_fragment(table)}"
    return as_html_page(table.name, body)
