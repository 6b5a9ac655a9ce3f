"""Referrals by month: at the end of each month, per site and pathway, how many referrals had
been made, and how many of them were active and inactive then (program managers read trends).

Per site only: the all-sites figures are the site summary's. A monthly all-sites row would tie
the sites' small counts together, and withholding them would then take most of the large ones
with them (the chart would be mostly gaps).

A referral's status at a month's end is the one its facts give on that day, as the report's
cut knows them: of the status facts in the cut, the last one (in the order they were recorded)
that had occurred by then. The last month ends at the report's as-of day (else today), or the
period's end when that is earlier, or at the end of the last month in which a status changed
(the months after it would repeat it); the months run from the period's start, or cover the last
three years; so as of a day, the last month's figures are those of the
other referral tables.

Suppression: within a month the figures add up like the other tables (statuses to the total,
sites to all sites, pathways to the total). From one month to the next the number of referrals
made grows by the referrals of the month, a count the reader does not see but knows is not
negative: it is declared as a ``free`` unknown (never shown, not protected itself: it is the
difference of two published stocks, as between two releases; ADR 0031), so that a withheld
month cannot be worked out from its neighbours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from services.platform.db import Connection
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain import CellValue, Key, cell_key
from services.reporting.domain.as_of import end_of_day
from services.reporting.tables.base import TOTAL, ReportTable, Scope, ordered_sites
from services.reporting.tables.known import IN_PERIOD, parameters
from services.reporting.tables.referrals import PATHWAYS, STATUSES

# Each status version of a referral in the cut, valid on the calendar from when its fact occurred
# until the earliest later-recorded fact occurred (empty when a later fact is dated before it);
# grouped by the month it starts in, the month it stops in before the last day's end (NULL: it
# does not), and whether it is valid at the last day's end.
_INTERVALS = f"""
WITH facts AS (
    SELECT r.referral_id, r.site, r.pathway, s.status, s.occurred_at, s.from_position
      FROM referrals r
      JOIN referral_statuses s ON s.referral_id = r.referral_id
     WHERE s.known_from < $3 AND s.from_position <= $4 AND {IN_PERIOD.format(c="r.referred_on")}
), intervals AS (
    SELECT site, pathway, status, occurred_at AS valid_from,
           min(occurred_at) OVER (PARTITION BY referral_id ORDER BY from_position
                                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS valid_until
      FROM facts
)
SELECT site, pathway, status,
       date_trunc('month', valid_from AT TIME ZONE $6)::date AS first_month,
       CASE WHEN valid_until IS NULL OR valid_until >= $5 THEN NULL
            ELSE date_trunc('month', valid_until AT TIME ZONE $6)::date END AS stop_month,
       valid_until IS NULL OR valid_until >= $5 AS at_end,
       count(*) AS n
  FROM intervals
 WHERE valid_from < $5 AND (valid_until IS NULL OR valid_until > valid_from)
 GROUP BY 1, 2, 3, 4, 5, 6
"""
DEFAULT_MONTHS = 36
"""Months shown when the period has no start: the last three years (a trend, not a ledger)."""
FLOW = "referred"
"""The ``status`` of a month's new referrals: a count never shown (a free unknown)."""

Group = tuple[str, str, str]  # site, pathway, status


@dataclass(frozen=True)
class _Span:
    """Status versions valid at the ends of the months from ``first`` to before ``stop`` (but
    the last), and at the last day's end when ``at_end``."""

    group: Group
    first: date
    stop: date | None
    at_end: bool
    n: int


def last_day(scope: Scope, today: date | None = None) -> date:
    """The day the last month ends: the as-of day (else today), or the period's end if earlier."""
    day = scope.as_of.observed_through(today or datetime.now(PROGRAM_ZONE).date())
    end = scope.period.end
    return min(end, day) if end is not None else day


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first``'s to ``last``'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def months_before(day: date, n: int) -> date:
    """The first day of the month ``n`` months before ``day``'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - n, 12)
    return date(year, month + 1, 1)


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def label(month: date) -> str:
    return f"{month:%Y-%m}"


async def referrals_by_month(conn: Connection, scope: Scope) -> ReportTable:
    end = last_day(scope)
    point = end_of_day(end)
    args = (*parameters(scope), point, PROGRAM_ZONE.key)
    spans = [
        _Span(
            (r["site"], r["pathway"], r["status"]),
            r["first_month"],
            r["stop_month"],
            r["at_end"],
            r["n"],
        )
        for r in await conn.fetch(_INTERVALS, *args)
    ]
    table = ReportTable("referrals-by-month", weight=0)
    if not spans:
        return table
    last = min(end, _month_end(max(s.first for s in spans)))  # nothing changes after
    first = min(s.first for s in spans)
    if scope.period.start is None:  # by default the last three years
        first = max(first, months_before(last, DEFAULT_MONTHS - 1))
    months = months_between(first, last)
    if last < end:  # the last month is a whole one
        counts = _stocks(spans, months)
    else:
        counts = _stocks(spans, months[:-1])
        for span in spans:
            if span.at_end:
                counts[(label(months[-1]), *span.group)] += span.n
    sites = list(ordered_sites(scope.sites, {s.group[0] for s in spans}))
    _fill(table, counts, [label(m) for m in months], sites)
    for cell in table.cells:  # the last month's end is the other tables' day
        if cell.dims["month"] == label(months[-1]):
            dims = {k: v for k, v in cell.dims.items() if k != "month"}
            table.aliases[cell.key] = cell_key("n", dims)
    return table


def _stocks(spans: list[_Span], months: list[date]) -> Counter[tuple[str, str, str, str]]:
    """Per complete month and group, the versions valid at its end."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for span in spans:
        for month in months:
            if span.first <= month and (span.stop is None or month < span.stop):
                counts[(label(month), *span.group)] += span.n
    return counts


def _fill(
    table: ReportTable,
    counts: Counter[tuple[str, str, str, str]],
    months: list[str],
    sites: list[str],
) -> None:
    """Cells with every total and the sums binding them; the months' flows as free unknowns."""
    for month in months:
        for site in sites:
            for pathway in (*PATHWAYS, TOTAL):
                for status in (*STATUSES, TOTAL):
                    n = sum(
                        counts[(month, site, p, st)]
                        for p in (PATHWAYS if pathway == TOTAL else [pathway])
                        for st in (STATUSES if status == TOTAL else [status])
                    )
                    table.count(_dims(month, site, pathway, status), n)
        _bind_month(table, month, sites)
    _bind_flows(table, months, sites)


def _dims(month: str, site: str, pathway: str, status: str) -> dict[str, str | int]:
    return {"month": month, "site": site, "pathway": pathway, "status": status}


def _bind_month(table: ReportTable, month: str, sites: list[str]) -> None:
    for site in sites:
        for pathway in (*PATHWAYS, TOTAL):
            parts = [_dims(month, site, pathway, s) for s in STATUSES]
            table.sums(_dims(month, site, pathway, TOTAL), parts)
        for status in (*STATUSES, TOTAL):
            parts = [_dims(month, site, p, status) for p in PATHWAYS]
            table.sums(_dims(month, site, TOTAL, status), parts)


def _bind_flows(table: ReportTable, months: list[str], sites: list[str]) -> None:
    """The referrals made by a month's end are those made by the previous month's end plus the
    month's new ones (unseen, not negative)."""
    values = {c.key: c.value for c in table.cells}
    for before, month in pairwise(months):
        for site in sites:
            for pathway in (*PATHWAYS, TOTAL):
                now, then = _dims(month, site, pathway, TOTAL), _dims(before, site, pathway, TOTAL)
                new = _count(values, now) - _count(values, then)
                flow = _dims(month, site, pathway, FLOW)
                table.free[cell_key("n", flow)] = new
                table.sums(now, [then, flow])


def _count(values: Mapping[Key, CellValue], dims: Mapping[str, str | int]) -> int:
    value = values[cell_key("n", dims)]
    assert isinstance(value, int)
    return value
