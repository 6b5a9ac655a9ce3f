"""The demo's comparison of published and reproduced numbers: a tick only where they are equal."""

from __future__ import annotations

from services.demo import comparison
from services.reporting.domain import Cell, Measure
from services.simulation import published as pub


def published_reports() -> dict[str, list[Cell]]:
    """Cells holding exactly the page's consistent numbers (first snapshot)."""
    by_site = []
    for site, statuses in pub.REFERRALS_BY_SITE_STATUS.items():
        for status, n in (*statuses.items(), ("total", sum(statuses.values()))):
            by_site.append(Cell({"site": site, "status": status}, "n", n))
    for status, n in (("active", 202), ("inactive", 206), ("total", 408)):
        by_site.append(Cell({"site": "all", "status": status}, "n", n))
    by_pathway = [
        Cell({"site": site, "status": "total", "pathway": p}, "n", n)
        for site, pathways in pub.REFERRALS_BY_SITE_PATHWAY.items()
        for p, n in pathways.items()
    ]
    for p, n in (("prebooking", 132), ("social_contact", 271), ("community", 5)):
        by_pathway.append(Cell({"site": "all", "status": "total", "pathway": p}, "n", n))
    demographics = [
        Cell({"site": site, "status": "total", dimension: c}, "n", n)
        for dimension, table in (("gender", pub.GENDER_TOTAL), ("ethnicity", pub.ETHNICITY_TOTAL))
        for site, counts in table.items()
        for c, n in counts.items()
    ]
    kits = pub.PUBLISHED_KITS_BY_YEAR
    naloxone = [
        Cell({"channel": c, "period": "total"}, "kits", n) for c, n in kits["total"].items()
    ]
    for period in (2019, 2020, 2021, "la_50k"):
        n = sum(kits[str(period)].values())
        naloxone.append(Cell({"channel": "total", "period": period}, "kits", n))
    for period in ("total", "la_50k"):
        n = sum(pub.PUBLISHED_USES[period].values())
        naloxone.append(Cell({"channel": "total", "period": period}, "uses", n))
    return {
        "referrals-by-site": by_site,
        "referrals-by-pathway": by_pathway,
        "demographics": demographics,
        "naloxone": naloxone,
    }


def test_the_published_numbers_match_themselves_and_one_difference_is_a_cross() -> None:
    reports = published_reports()
    assert all(row.matches for row in comparison.first_snapshot(reports))
    by_site = reports["referrals-by-site"]
    reports["referrals-by-site"] = [
        c.with_value(215) if dict(c.dims) == {"site": "all", "status": "active"} else c
        for c in by_site
    ]
    failed = [r.figure for r in comparison.first_snapshot(reports) if not r.matches]
    assert failed == ["referrals all sites active / inactive / total"]


def outcome_cells(numbers: dict[tuple[str, int], tuple[float, float, float]]) -> list[Cell]:
    measures: tuple[Measure, ...] = ("aor", "ci_low", "ci_high")
    return [
        Cell({"outcome": o, "window": w}, m, v)
        for (o, w), values in numbers.items()
        for m, v in zip(measures, values, strict=True)
    ]


def test_an_unreachable_row_passes_only_with_the_closest_numbers_and_says_how_far() -> None:
    published = {(a.outcome, a.window_months): a.numbers for a in pub.PUBLISHED_AORS}
    rows = comparison.evaluation(outcome_cells(published))
    [unreachable] = [r for r in rows if r.note]
    assert not unreachable.matches  # the published numbers are not what a Wald fit gives
    closest = dict(published)
    for row in pub.CLOSEST_REACHABLE:
        closest[(row.outcome, row.window_months)] = row.reachable
    rows = comparison.evaluation(outcome_cells(closest))
    assert all(row.matches for row in rows)
    assert [r.note.split(":")[0] for r in rows if r.note] == ["closest reachable, 0.01 off"]
