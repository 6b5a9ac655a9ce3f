"""The report tables of ``reports.md``, computed from the projection with set-based SQL."""

from services.reporting.tables.base import Period, ReportTable, Scope
from services.reporting.tables.catalog import REPORTS, build

__all__ = ["REPORTS", "Period", "ReportTable", "Scope", "build"]
