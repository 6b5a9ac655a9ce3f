"""Referrals by site, by pathway, and demographics (the published page's first tables)."""

from __future__ import annotations

from collections import Counter

from events.categories import Ethnicity, Gender, Pathway
from services.platform.db import Connection
from services.reporting.tables.base import ALL, TOTAL, ReportTable, Scope, ordered_sites, with_all
from services.reporting.tables.known import REFERRALS, parameters

STATUSES = ("active", "inactive")
PATHWAYS = tuple(p.value for p in Pathway)
GENDERS = tuple(g.value for g in Gender)
ETHNICITIES = tuple(e.value for e in Ethnicity)


async def _counts(conn: Connection, scope: Scope, *columns: str) -> Counter[tuple[str, ...]]:
    """Referral counts grouped by site and ``columns``, with every 'all sites' sum added."""
    group = ", ".join(("site", *columns))
    rows = await conn.fetch(
        f"{REFERRALS} SELECT {group}, count(*) AS n FROM known GROUP BY {group}",
        *parameters(scope),
    )
    counts: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        values = tuple(str(row[c]) for c in ("site", *columns))
        counts[values] += row["n"]
        counts[(ALL, *values[1:])] += row["n"]
    return counts


def _sites(scope: Scope, counts: Counter[tuple[str, ...]]) -> list[str]:
    return with_all(ordered_sites(scope.sites, (k[0] for k in counts if k[0] != ALL)))


async def referrals_by_site(conn: Connection, scope: Scope) -> ReportTable:
    counts = await _counts(conn, scope, "status")
    table = ReportTable("referrals-by-site", grain="referrals", weight=3)
    sites = _sites(scope, counts)
    for site in sites:
        whole = sum(counts[(site, s)] for s in STATUSES)
        for status in STATUSES:
            table.share({"site": site, "status": status}, counts[(site, status)], whole)
        table.share({"site": site, "status": TOTAL}, whole, whole)
        table.sums({"site": site, "status": TOTAL}, [{"site": site, "status": s} for s in STATUSES])
    for status in (*STATUSES, TOTAL):
        table.sums(
            {"site": ALL, "status": status},
            [{"site": s, "status": status} for s in sites if s != ALL],
        )
    return table


async def referrals_by_pathway(conn: Connection, scope: Scope) -> ReportTable:
    """Per site: active and total referrals by pathway, % within the row."""
    counts = await _counts(conn, scope, "status", "pathway")
    table = ReportTable("referrals-by-pathway", grain="referrals", weight=2)
    sites = _sites(scope, counts)
    for site in sites:
        active = {p: counts[(site, "active", p)] for p in PATHWAYS}
        total = {p: sum(counts[(site, s, p)] for s in STATUSES) for p in PATHWAYS}
        for status, row in (("active", active), (TOTAL, total)):
            whole = sum(row.values())
            for pathway in PATHWAYS:
                table.share(
                    {"site": site, "status": status, "pathway": pathway}, row[pathway], whole
                )
            table.share({"site": site, "status": status, "pathway": TOTAL}, whole, whole)
        _bind_statuses(table, site, "pathway", PATHWAYS, active, total)
    _bind_sites(table, sites, "pathway", PATHWAYS)
    return table


async def demographics(conn: Connection, scope: Scope) -> ReportTable:
    """Per site: active and total referrals by gender and by ethnicity, % within the status."""
    table = ReportTable("demographics", grain="referrals")
    for dimension, categories in (("gender", GENDERS), ("ethnicity", ETHNICITIES)):
        counts = await _counts(conn, scope, "status", dimension)
        sites = _sites(scope, counts)
        for site in sites:
            active = {c: counts[(site, "active", c)] for c in categories}
            total = {c: sum(counts[(site, s, c)] for s in STATUSES) for c in categories}
            for status, row in (("active", active), (TOTAL, total)):
                whole = sum(row.values())
                for category in categories:
                    dims = {"site": site, "status": status, dimension: category}
                    table.share(dims, row[category], whole)
                table.share({"site": site, "status": status, dimension: TOTAL}, whole, whole)
            _bind_statuses(table, site, dimension, categories, active, total)
        _bind_sites(table, sites, dimension, categories)
    return table


def _bind_statuses(
    table: ReportTable,
    site: str,
    dimension: str,
    categories: tuple[str, ...],
    active: dict[str, int],
    total: dict[str, int],
) -> None:
    """Rows sum to their totals; total = active + (unpublished) inactive, per category."""
    for status in ("active", TOTAL):
        table.sums(
            {"site": site, "status": status, dimension: TOTAL},
            [{"site": site, "status": status, dimension: c} for c in categories],
        )
    for category in (*categories, TOTAL):
        inactive = {"site": site, "status": "inactive", dimension: category}
        whole = sum(total.values()) if category == TOTAL else total[category]
        part = sum(active.values()) if category == TOTAL else active[category]
        table.hidden(inactive, whole - part)
        table.sums(
            {"site": site, "status": TOTAL, dimension: category},
            [{"site": site, "status": "active", dimension: category}, inactive],
        )
    table.sums(
        {"site": site, "status": "inactive", dimension: TOTAL},
        [{"site": site, "status": "inactive", dimension: c} for c in categories],
    )


def _bind_sites(
    table: ReportTable, sites: list[str], dimension: str, categories: tuple[str, ...]
) -> None:
    """Each figure of 'all sites' is the sum of the sites' figures."""
    for status in ("active", "inactive", TOTAL):
        for category in (*categories, TOTAL):
            table.sums(
                {"site": ALL, "status": status, dimension: category},
                [{"site": s, "status": status, dimension: category} for s in sites if s != ALL],
            )
