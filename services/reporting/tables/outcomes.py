"""The outcome evaluation: its model comes with the evaluation issue; until then, said so."""

from __future__ import annotations

from services.platform.db import Connection
from services.reporting.domain import Cell
from services.reporting.tables.base import ReportTable, Scope

OUTCOMES = ("misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation")
WINDOWS = (6, 12)


async def outcomes(conn: Connection, scope: Scope) -> ReportTable:
    table = ReportTable("outcomes", note="the outcome model is not yet available")
    for outcome in OUTCOMES:
        for window in WINDOWS:
            dims: dict[str, str | int] = {"outcome": outcome, "window": window}
            for measure in ("aor", "ci_low", "ci_high"):
                table.cells.append(Cell(dims, measure, None, "not yet available"))
    return table
