"""Every report by name, and building one: computed, then suppressed for the public."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from services.platform.db import Connection
from services.reporting.domain import apply_suppression
from services.reporting.tables.abeyance import abeyance
from services.reporting.tables.base import ReportTable, Scope
from services.reporting.tables.months import referrals_by_month
from services.reporting.tables.naloxone import naloxone
from services.reporting.tables.outcomes import outcomes
from services.reporting.tables.referrals import (
    demographics,
    referrals_by_pathway,
    referrals_by_site,
)

Builder = Callable[[Connection, Scope], Awaitable[ReportTable]]

REPORTS: dict[str, Builder] = {
    "referrals-by-site": referrals_by_site,
    "referrals-by-pathway": referrals_by_pathway,
    "demographics": demographics,
    "naloxone": naloxone,
    "outcomes": outcomes,
    "abeyance": abeyance,
    "referrals-by-month": referrals_by_month,
}


async def build(conn: Connection, name: str, scope: Scope, *, public: bool) -> ReportTable:
    """The report ``name``; for the public, small cells and their complements are hidden."""
    table = await REPORTS[name](conn, replace(scope, public=public))
    if public:
        table.cells = apply_suppression(
            table.cells, table.constraints, unpublished=table.unpublished, linked=table.linked
        )
    return table
