"""One public release: a number printed in two tables is one number, shown or withheld in both."""

from __future__ import annotations

from services.reporting.domain import SUPPRESSED, Cell
from services.reporting.tables.base import ReportTable
from services.reporting.tables.release import public_release

SITES = ("hollywood", "east-la")


def summary(active: dict[str, int], inactive: dict[str, int]) -> ReportTable:
    table = ReportTable("referrals-by-site", grain="referrals", weight=3)
    for site in (*SITES, "all"):
        a = sum(active.values()) if site == "all" else active[site]
        i = sum(inactive.values()) if site == "all" else inactive[site]
        for status, n in (("active", a), ("inactive", i), ("total", a + i)):
            table.count({"site": site, "status": status}, n)
        table.sums(
            {"site": site, "status": "total"},
            [{"site": site, "status": s} for s in ("active", "inactive")],
        )
    for status in ("active", "inactive", "total"):
        table.sums(
            {"site": "all", "status": status}, [{"site": s, "status": status} for s in SITES]
        )
    return table


def pathways(counts: dict[str, dict[str, int]]) -> ReportTable:
    """Total referrals per site and pathway (every status)."""
    table = ReportTable("referrals-by-pathway", grain="referrals", weight=2)
    columns = {site: {**row, "total": sum(row.values())} for site, row in counts.items()}
    columns["all"] = {p: sum(c[p] for c in columns.values()) for p in columns["hollywood"]}
    for site, row in columns.items():
        for pathway, n in row.items():
            table.count({"site": site, "status": "total", "pathway": pathway}, n)
        parts = [{"site": site, "status": "total", "pathway": p} for p in row if p != "total"]
        table.sums({"site": site, "status": "total", "pathway": "total"}, parts)
    for pathway in columns["all"]:
        table.sums(
            {"site": "all", "status": "total", "pathway": pathway},
            [{"site": s, "status": "total", "pathway": pathway} for s in SITES],
        )
    return table


def shown(table: ReportTable, **dims: str) -> object:
    [cell] = [c for c in table.cells if dict(c.dims) == dims and c.measure == "n"]
    return cell.value


def test_a_total_printed_in_the_site_summary_is_not_withheld_in_the_pathway_table() -> None:
    """Hollywood's 68 referrals are in both tables; its one pre-booking referral is small, and
    its complements come from the pathway table's own cells, not from a number shown above."""
    tables = {
        "referrals-by-site": summary(
            {"hollywood": 38, "east-la": 11}, {"hollywood": 30, "east-la": 0}
        ),
        "referrals-by-pathway": pathways(
            {
                "hollywood": {"prebooking": 1, "social": 62, "community": 5},
                "east-la": {"prebooking": 0, "social": 11, "community": 0},
            }
        ),
    }
    public = public_release(tables)
    by_pathway = public["referrals-by-pathway"]
    assert shown(by_pathway, site="hollywood", status="total", pathway="total") == 68
    assert shown(public["referrals-by-site"], site="hollywood", status="total") == 68
    assert shown(by_pathway, site="hollywood", status="total", pathway="prebooking") == SUPPRESSED
    assert shown(by_pathway, site="hollywood", status="total", pathway="community") == SUPPRESSED
    assert all(
        c.value == tables["referrals-by-site"].cells[i].value
        for i, c in enumerate(public["referrals-by-site"].cells)
    )


def test_a_count_aliased_to_a_referral_count_follows_it() -> None:
    """The abeyance table's pre-booking referrals are the pathway table's: one number."""
    tables = {
        "referrals-by-pathway": pathways(
            {
                "hollywood": {"prebooking": 3, "social": 62, "community": 15},
                "east-la": {"prebooking": 0, "social": 11, "community": 0},
            }
        ),
    }
    abeyance = ReportTable("abeyance")
    abeyance.cells.append(Cell({"site": "hollywood"}, "prebooking_referrals", 3))
    abeyance.aliases[abeyance.cells[0].key] = Cell(
        {"site": "hollywood", "pathway": "prebooking", "status": "total"}, "n", 3
    ).key
    tables["abeyance"] = abeyance
    public = public_release(tables)
    assert public["abeyance"].cells[0].value == SUPPRESSED
    prebooking = {"site": "hollywood", "status": "total", "pathway": "prebooking"}
    assert shown(public["referrals-by-pathway"], **prebooking) == SUPPRESSED
