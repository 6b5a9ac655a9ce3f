"""The tidy report cell of reports.md: one number, its dimension keys and its measure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from services.reporting.domain.small_cells import SMALL_CELLS

DimValue = str | int
CellValue = int | float | str | None
#: A cell's identity for suppression: its dimensions plus ``("measure", m)``, sorted by name.
Key = tuple[tuple[str, DimValue], ...]

Measure = Literal[
    "n",
    "pct",
    "kits",
    "doses",
    "uses",
    "aor",
    "ci_low",
    "ci_high",
    "subjects_lead",
    "subjects_comparison",
    "prebooking_referrals",
    "pending",
    "declined",
    "expired",
    "rescinded",
    "ended",
    "median_days_to_decline",
]
MEASURES: tuple[Measure, ...] = get_args(Measure)
#: Measures that count people or things, and so are subject to small-cell suppression.
COUNT_MEASURES: frozenset[Measure] = frozenset(
    {
        "n",
        "kits",
        "doses",
        "uses",
        "subjects_lead",
        "subjects_comparison",
        "prebooking_referrals",
        "pending",
        "declined",
        "expired",
        "rescinded",
        "ended",
    }
)
#: Dimension keys in the order reports.md lists them; this is the CSV column order.
DIMENSIONS: tuple[str, ...] = (
    "month",
    "site",
    "status",
    "pathway",
    "gender",
    "ethnicity",
    "channel",
    "period",
    "outcome",
    "window",
)
#: The value of a suppressed small count.
SUPPRESSED = SMALL_CELLS.label
_RESERVED = frozenset({"measure", "value", "note"})


def cell_key(measure: str, dims: Mapping[str, DimValue]) -> Key:
    """The suppression key of the cell with these dimensions and measure."""
    return tuple(sorted({**dims, "measure": measure}.items()))


@dataclass(frozen=True, slots=True)
class Cell:
    """One number of a report. ``dims`` e.g. ``{"site": "hollywood", "status": "active"}``."""

    dims: Mapping[str, DimValue]
    measure: Measure
    value: CellValue
    note: str | None = None
    _key: Key = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        clash = _RESERVED & set(self.dims)
        if clash:
            raise ValueError(f"reserved name used as a dimension: {sorted(clash)}")
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure: {self.measure!r}")
        if isinstance(self.value, bool):
            raise TypeError("a cell value is a number, the small-count label or None, not a bool")
        object.__setattr__(self, "dims", dict(self.dims))  # private copy, never mutated
        object.__setattr__(self, "_key", cell_key(self.measure, self.dims))

    @property
    def key(self) -> Key:
        return self._key

    def __hash__(self) -> int:
        return hash((self._key, self.value, self.note))

    def with_value(self, value: CellValue, note: str | None = None) -> Cell:
        return Cell(self.dims, self.measure, value, note)

    def to_json(self) -> dict[str, DimValue | float | None]:
        """``{"site": ..., "status": ..., "measure": "n", "value": 38}`` (+ ``"note"`` if any)."""
        out: dict[str, DimValue | float | None] = dict(self.dims)
        out["measure"] = self.measure
        out["value"] = self.value
        if self.note is not None:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Cell:
        """Inverse of :meth:`to_json`: every key other than measure/value/note is a dimension."""
        measure = data["measure"]
        if measure not in MEASURES:
            raise ValueError(f"unknown measure: {measure!r}")
        value = data.get("value")
        if value is not None and not isinstance(value, int | float | str):
            raise TypeError(f"bad cell value: {value!r}")
        note = data.get("note")
        if note is not None and not isinstance(note, str):
            raise TypeError(f"bad note: {note!r}")
        dims: dict[str, DimValue] = {}
        for name, dim in data.items():
            if name in _RESERVED:
                continue
            if isinstance(dim, bool) or not isinstance(dim, str | int):
                raise TypeError(f"bad dimension value {name}={dim!r}")
            dims[name] = dim
        return cls(dims, measure, value, note)


def csv_header(cells: Iterable[Cell]) -> list[str]:
    """Dimension columns (known ones in reports.md order, then others A-Z), measure, value, note."""
    seen = {name for cell in cells for name in cell.dims}
    known = [name for name in DIMENSIONS if name in seen]
    extra = sorted(seen - set(DIMENSIONS))
    return [*known, *extra, "measure", "value", "note"]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def csv_rows(cells: Iterable[Cell]) -> list[list[str]]:
    """Header row then one row per cell; a dimension a cell lacks, and a None value, are empty."""
    cells = list(cells)
    header = csv_header(cells)
    rows = [header]
    for cell in cells:
        record = cell.to_json()
        rows.append([_text(record.get(name)) for name in header])
    return rows


def to_csv(cells: Iterable[Cell]) -> str:
    """The cells as CSV text (in memory; RFC 4180 quoting, ``\\r\\n`` line ends)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows(cells))
    return buffer.getvalue()
