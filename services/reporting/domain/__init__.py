"""Pure report arithmetic: tidy cells, half-up percentages, small-cell suppression (no I/O)."""

from services.reporting.domain.cells import (
    COUNT_MEASURES,
    DIMENSIONS,
    MEASURES,
    SUPPRESSED,
    Cell,
    CellValue,
    DimValue,
    Key,
    Measure,
    cell_key,
    csv_header,
    csv_rows,
    to_csv,
)
from services.reporting.domain.constraints import Constraint, two_way
from services.reporting.domain.rounding import percent
from services.reporting.domain.suppression import apply_suppression, suppress

__all__ = [
    "COUNT_MEASURES",
    "DIMENSIONS",
    "MEASURES",
    "SUPPRESSED",
    "Cell",
    "CellValue",
    "Constraint",
    "DimValue",
    "Key",
    "Measure",
    "apply_suppression",
    "cell_key",
    "csv_header",
    "csv_rows",
    "percent",
    "suppress",
    "to_csv",
    "two_way",
]
