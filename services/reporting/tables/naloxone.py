"""Naloxone kits, doses and reported uses by channel: total, per year and LA 50K."""

from __future__ import annotations

from datetime import date

from events.categories import NaloxoneChannel
from services.platform.db import Connection
from services.reporting.tables.base import TOTAL, ReportTable, Scope
from services.reporting.tables.known import IN_CUT, IN_PERIOD, parameters

CHANNELS = tuple(c.value for c in NaloxoneChannel)
LA_50K = "la_50k"
LA_50K_SINCE = date(2021, 7, 1)
"""The LA 50K initiative counts distribution and uses from this day."""

_DISTRIBUTED = f"""
SELECT channel, extract(year FROM distributed_on)::int AS year, distributed_on >= $5 AS la50k,
       sum(kits)::bigint AS kits, sum(doses)::bigint AS doses
  FROM naloxone_distributions n
 WHERE isfinite(distributed_on) AND {IN_PERIOD.format(c="distributed_on")}
   AND {IN_CUT.format(t="n")}
 GROUP BY 1, 2, 3
"""
_USES = f"""
SELECT channel, reported_on >= $5 AS la50k, sum(uses)::bigint AS uses
  FROM naloxone_uses n
 WHERE {IN_PERIOD.format(c="reported_on")} AND {IN_CUT.format(t="n")}
 GROUP BY 1, 2
"""


async def naloxone(conn: Connection, scope: Scope) -> ReportTable:
    """Kits, doses and reported uses are counts like any other: small ones are suppressed,
    with complementary suppression over channels, years and LA 50K (reports.md). Doses, usually
    two per kit, are hidden wherever the kits are, and the other way round."""
    period = (*parameters(scope), LA_50K_SINCE)
    distributed = await conn.fetch(_DISTRIBUTED, *period)
    used = await conn.fetch(_USES, *period)
    table = ReportTable("naloxone", linked=(frozenset({"kits", "doses"}),))
    for measure in ("kits", "doses"):
        rows = [(r["channel"], r["year"], r["la50k"], r[measure]) for r in distributed]
        _distributed(table, measure, rows)
    _uses(table, [(r["channel"], r["la50k"], r["uses"]) for r in used])
    return table


def _distributed(table: ReportTable, measure: str, rows: list[tuple[str, int, bool, int]]) -> None:
    """Per channel and total: total, each year, LA 50K; every year split (unpublished) at the
    start of LA 50K, so that the constraints tie LA 50K to the years exactly."""
    years = sorted({year for _, year, _, _ in rows})
    halves = sorted({(year, la50k) for _, year, la50k, _ in rows})
    sums: dict[tuple[str, str], int] = {}
    for channel, year, la50k, value in rows:
        for name in (TOTAL, str(year), LA_50K if la50k else None, _half(year, la50k)):
            if name is not None:
                for key in ((channel, name), (TOTAL, name)):
                    sums[key] = sums.get(key, 0) + value
    channels = (*CHANNELS, TOTAL)
    for name in (TOTAL, *map(str, years), LA_50K):
        for channel in channels:
            table.count(_dims(channel, name), sums.get((channel, name), 0), measure)
    for half in (_half(year, la50k) for year, la50k in halves):
        for channel in channels:
            table.hidden(_dims(channel, half), sums.get((channel, half), 0), measure)
    for channel in channels:
        if years:
            table.sums(_dims(channel, TOTAL), [_dims(channel, str(y)) for y in years], measure)
        for year in years:
            parts = [_half(y, f) for y, f in halves if y == year]
            table.sums(_dims(channel, str(year)), [_dims(channel, h) for h in parts], measure)
        since = [_half(y, f) for y, f in halves if f]
        if since:
            table.sums(_dims(channel, LA_50K), [_dims(channel, h) for h in since], measure)
    halves_names = [_half(y, f) for y, f in halves]
    for name in (TOTAL, *map(str, years), LA_50K, *halves_names):
        table.sums(_dims(TOTAL, name), [_dims(c, name) for c in CHANNELS], measure)


def _uses(table: ReportTable, rows: list[tuple[str, bool, int]]) -> None:
    """Per channel and total: total and LA 50K, tied by the uses before LA 50K (unpublished)."""
    before = "before_la_50k"
    sums: dict[tuple[str, str], int] = {}
    for channel, la50k, value in rows:
        for name in (TOTAL, LA_50K if la50k else before):
            for key in ((channel, name), (TOTAL, name)):
                sums[key] = sums.get(key, 0) + value
    channels = (*CHANNELS, TOTAL)
    for name in (TOTAL, LA_50K):
        for channel in channels:
            table.count({"channel": channel, "period": name}, sums.get((channel, name), 0), "uses")
    for channel in channels:
        table.hidden({"channel": channel, "period": before}, sums.get((channel, before), 0), "uses")
        parts = [{"channel": channel, "period": p} for p in (before, LA_50K)]
        table.sums({"channel": channel, "period": TOTAL}, parts, "uses")
    for name in (TOTAL, LA_50K, before):
        parts = [{"channel": c, "period": name} for c in CHANNELS]
        table.sums({"channel": TOTAL, "period": name}, parts, "uses")


def _half(year: int, la50k: bool) -> str:
    """The part of ``year`` before or since the start of LA 50K (never published)."""
    return f"{year}-{'la_50k' if la50k else 'before_la_50k'}"


def _dims(channel: str, period: str) -> dict[str, str | int]:
    return {"channel": channel, "period": int(period) if period.isdigit() else period}
