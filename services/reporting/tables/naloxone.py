"""Naloxone kits, doses and reported uses by channel: total, per year and LA 50K."""

from __future__ import annotations

from datetime import date

from events.categories import NaloxoneChannel
from services.platform.db import Connection
from services.reporting.tables.base import TOTAL, ReportTable, Scope

CHANNELS = tuple(c.value for c in NaloxoneChannel)
LA_50K = "la_50k"
LA_50K_SINCE = date(2021, 7, 1)
"""The LA 50K initiative counts distribution and uses from this day."""

_DISTRIBUTED = """
SELECT channel, extract(year FROM distributed_on)::int AS year, distributed_on >= $3 AS la50k,
       sum(kits)::bigint AS kits, sum(doses)::bigint AS doses
  FROM naloxone_distributions
 WHERE isfinite(distributed_on)
   AND ($1::date IS NULL OR distributed_on >= $1) AND ($2::date IS NULL OR distributed_on <= $2)
 GROUP BY 1, 2, 3
"""
_USES = """
SELECT channel, reported_on >= $3 AS la50k, sum(uses)::bigint AS uses
  FROM naloxone_uses
 WHERE ($1::date IS NULL OR reported_on >= $1) AND ($2::date IS NULL OR reported_on <= $2)
 GROUP BY 1, 2
"""


async def naloxone(conn: Connection, scope: Scope) -> ReportTable:
    """Kits and doses are counts of supplies, not of people: they are never suppressed."""
    period = (scope.period.start, scope.period.end, LA_50K_SINCE)
    distributed = await conn.fetch(_DISTRIBUTED, *period)
    used = await conn.fetch(_USES, *period)
    years = sorted({row["year"] for row in distributed})
    table = ReportTable("naloxone", suppressible=False)
    for measure in ("kits", "doses"):
        sums: dict[tuple[str, str], int] = {}
        for row in distributed:
            for period_name in _periods(row["year"], row["la50k"]):
                for channel in (row["channel"], TOTAL):
                    key = (channel, period_name)
                    sums[key] = sums.get(key, 0) + row[measure]
        for period_name in (TOTAL, *map(str, years), LA_50K):
            for channel in (*CHANNELS, TOTAL):
                dims = {"channel": channel, "period": _period_dim(period_name)}
                table.count(dims, sums.get((channel, period_name), 0), measure)
    uses: dict[tuple[str, str], int] = {}
    for row in used:
        for period_name in (TOTAL, LA_50K) if row["la50k"] else (TOTAL,):
            for channel in (row["channel"], TOTAL):
                uses[(channel, period_name)] = uses.get((channel, period_name), 0) + row["uses"]
    for period_name in (TOTAL, LA_50K):
        for channel in (*CHANNELS, TOTAL):
            table.count(
                {"channel": channel, "period": period_name},
                uses.get((channel, period_name), 0),
                "uses",
            )
    return table


def _periods(year: int, la50k: bool) -> tuple[str, ...]:
    return (TOTAL, str(year), LA_50K) if la50k else (TOTAL, str(year))


def _period_dim(name: str) -> str | int:
    return int(name) if name.isdigit() else name
