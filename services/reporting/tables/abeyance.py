"""Pre-booking abeyances per site: current states, rescissions, median days to decline."""

from __future__ import annotations

from collections import Counter

from services.platform.db import Connection
from services.reporting.domain import Cell, Constraint, Key
from services.reporting.domain.cells import cell_key
from services.reporting.tables.base import (
    ALL,
    TOTAL,
    ReportTable,
    Scope,
    ordered_sites,
    with_all,
)
from services.reporting.tables.known import REFERRALS, VERSION_IN_CUT, parameters

STATES = ("pending", "declined", "expired", "ended")

# A pre-booking referral whose abeyance is not known yet is pending: its clock started with it.
_ABEYANCES = f"""{REFERRALS},
abeyance AS (
    SELECT k.site, k.referred_at, coalesce(a.state, 'pending') AS state,
           coalesce(a.rescinded, false) AS rescinded, a.declined_at
      FROM known k
      LEFT JOIN abeyance_states a
        ON a.referral_id = k.referral_id AND {VERSION_IN_CUT.format(t="a")}
     WHERE k.pathway = 'prebooking'
)
"""
_STATES = (
    f"{_ABEYANCES} SELECT site, state, rescinded, count(*) AS n FROM abeyance GROUP BY 1, 2, 3"
)
_MEDIAN_DAYS = f"""{_ABEYANCES}
SELECT coalesce(site, 'all') AS site,
       percentile_cont(0.5) WITHIN GROUP (
         ORDER BY extract(epoch FROM declined_at - referred_at) / 86400) AS days
  FROM abeyance
 WHERE state = 'declined'
 GROUP BY ROLLUP (site)
"""


async def abeyance(conn: Connection, scope: Scope) -> ReportTable:
    """States add up to the pre-booking referrals; an expiry later rescinded counts declined."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in await conn.fetch(_STATES, *parameters(scope)):
        for site in (row["site"], ALL):
            counts[(site, row["state"])] += row["n"]
            if row["rescinded"]:
                counts[(site, "rescinded")] += row["n"]
    medians = {
        row["site"]: row["days"] for row in await conn.fetch(_MEDIAN_DAYS, *parameters(scope))
    }
    table = ReportTable("abeyance")
    sites = with_all(ordered_sites(scope.sites, (s for s, _ in counts if s != ALL)))
    for site in sites:
        dims = {"site": site}
        started = sum(counts[(site, state)] for state in STATES)
        table.count(dims, started, "prebooking_referrals")
        table.aliases[cell_key("prebooking_referrals", dims)] = cell_key(
            "n", {"site": site, "pathway": "prebooking", "status": TOTAL}
        )
        for measure in (*STATES, "rescinded"):
            table.count(dims, counts[(site, measure)], measure)
        days = medians.get(site)
        table.cells.append(_median(dims, days))
        _bind(table, site)
    for measure in ("prebooking_referrals", *STATES, "rescinded"):
        table.constraints.append(_sum_over_sites(measure, sites))
    return table


def _median(dims: dict[str, str], days: float | None) -> Cell:
    if days is None:
        return Cell(dims, "median_days_to_decline", None, "no declined abeyance")
    return Cell(dims, "median_days_to_decline", round(float(days), 1))


def _bind(table: ReportTable, site: str) -> None:
    """A site's pre-booking referrals are the sum of its abeyances' states."""
    dims = {"site": site}
    table.constraints.append(
        Constraint(cell_key("prebooking_referrals", dims), tuple(cell_key(s, dims) for s in STATES))
    )


def _sum_over_sites(measure: str, sites: list[str]) -> Constraint[Key]:
    return Constraint(
        cell_key(measure, {"site": ALL}),
        tuple(cell_key(measure, {"site": s}) for s in sites if s != ALL),
    )
