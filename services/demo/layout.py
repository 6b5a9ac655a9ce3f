"""Reports and comparisons laid out for the terminal (rich tables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from services.demo.comparison import Row
from services.reporting.domain import Cell
from services.reporting.domain.small_cells import SMALL_CELLS
from services.reporting.render import LAYOUTS, placement


def rich_tables(name: str, cells: list[Cell]) -> list[Table]:
    """A report laid out as in the HTML page: one table per section."""
    layout = LAYOUTS[name]
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        split = next((d for d in (layout.split or "").split("|") if d and d in cell.dims), "")
        section = str(cell.dims.get(layout.section, "")) if layout.section else ""
        groups.setdefault(" ".join(x for x in (section, split) if x), []).append(cell)
    tables = []
    for title, group in groups.items():
        columns = layout.columns
        if columns == "{split}":
            columns = next(d for d in (layout.split or "").split("|") if d in group[0].dims)
        rows: dict[Any, dict[Any, dict[str, Cell]]] = {}
        column_values: list[Any] = []
        for cell in group:
            dims = {k: v for k, v in cell.dims.items() if k != layout.section}
            row, column = placement(Cell(dims, cell.measure, cell.value, cell.note), columns)
            if column not in column_values:
                column_values.append(column)
            rows.setdefault(row, {}).setdefault(column, {})[cell.measure] = cell
        table = Table(title=f"{name} {title}".strip(), title_justify="left")
        table.add_column("")
        for column in column_values:
            table.add_column(str(column), justify="right")
        for row, by_column in rows.items():
            texts = [_text(by_column.get(c, {})) for c in column_values]
            table.add_row(" ".join(str(v) for _, v in row), *texts)
        tables.append(table)
    return tables


def _text(found: dict[str, Cell]) -> str:
    pct = found.get("pct")
    main = found.get("n") or next((c for m, c in found.items() if m != "pct"), None)
    if main is None:
        return ""
    value = (
        "-"
        if main.value is None
        else f"{main.value:,}"
        if isinstance(main.value, int)
        else str(main.value)
    )
    return value + (f" ({pct.value}%)" if pct is not None and pct.value is not None else "")


def comparison_table(title: str, rows: Sequence[Row]) -> Table:
    """Published beside reproduced, a tick or a cross each; notes under the table."""
    table = Table(title=title, title_justify="left", caption_justify="left")
    for column in ("figure", "published", "reproduced", ""):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for row in rows:
        table.add_row(row.figure, row.published, row.reproduced, "✓" if row.matches else "✗")
    notes = [f"{row.figure}: {row.note}" for row in rows if row.note]
    if notes:
        table.caption = "\n".join(notes)
    return table


def withheld_table(
    title: str, internal: Mapping[str, Sequence[Cell]], public: Mapping[str, Sequence[Cell]]
) -> Table:
    """Per report, the cells the public sees withheld: small counts, complements, percentages."""
    table = Table(title=title, title_justify="left")
    small = f"small counts ({SMALL_CELLS.label})"
    for column in ("report", small, "complements", "percentages"):
        table.add_column(column, justify="left" if column == "report" else "right")
    totals = [0, 0, 0]
    for name, cells in internal.items():
        counts = [0, 0, 0]
        for before, after in zip(cells, public[name], strict=True):
            if before.value is None or before.value == after.value:
                continue
            kind = 2 if before.measure == "pct" else 0 if after.value == SMALL_CELLS.label else 1
            counts[kind] += 1
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        table.add_row(name, *map(str, counts))
    table.add_row("all", *map(str, totals))
    return table
