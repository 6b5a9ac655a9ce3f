"""The published page's numbers beside the ones the system reproduced (pure: cells in, rows out).

Three snapshots of one history: the first site summary and every table but the later summary as
of ``published.SNAPSHOT``; the later site summary as of ``published.LATER_SNAPSHOT``; the
evaluation's odds ratios for the subjects indexed and observed up to its data cutoff
(``published.EVALUATION_CUTOFF``). Only numbers consistent with the rest of the page are
compared (``published`` says what the page gets wrong and what the simulation does instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.reporting.domain import Cell, CellValue
from services.simulation import published as pub

Reports = Mapping[str, Sequence[Cell]]
SITE_LABELS = {pub.HOLLYWOOD: "Hollywood", pub.SOUTH_LA: "SLA / NLB", pub.EAST_LA: "East LA"}


@dataclass(frozen=True)
class Row:
    """One compared figure: what the page says, what the system computed, and whether it holds."""

    figure: str
    published: str
    reproduced: str
    matches: bool
    note: str = ""


def value(cells: Sequence[Cell], measure: str, **dims: str | int) -> CellValue:
    return next((c.value for c in cells if c.measure == measure and dict(c.dims) == dims), None)


def _numbers(values: Sequence[CellValue]) -> str:
    return " / ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in values)


def _row(figure: str, published: Sequence[CellValue], reproduced: Sequence[CellValue]) -> Row:
    return Row(figure, _numbers(published), _numbers(reproduced), list(published) == reproduced)


def first_snapshot(reports: Reports) -> list[Row]:
    """The first site summary, referrals by pathway, demographics and naloxone."""
    rows = []
    by_site = reports["referrals-by-site"]
    for site, statuses in pub.REFERRALS_BY_SITE_STATUS.items():
        wanted = [*statuses.values(), sum(statuses.values())]
        got = [value(by_site, "n", site=site, status=s) for s in (*statuses, "total")]
        rows.append(_row(f"referrals {SITE_LABELS[site]} active / inactive / total", wanted, got))
    total = [sum(s[k] for s in pub.REFERRALS_BY_SITE_STATUS.values()) for k in pub.STATUSES]
    got = [value(by_site, "n", site="all", status=s) for s in (*pub.STATUSES, "total")]
    rows.append(_row("referrals all sites active / inactive / total", [*total, sum(total)], got))
    rows += _pathways(reports["referrals-by-pathway"], pub.REFERRALS_BY_SITE_PATHWAY)
    rows += _demographics(reports["demographics"])
    rows += _naloxone(reports["naloxone"])
    return rows


def later_snapshot(reports: Reports) -> list[Row]:
    """The later site summary (413 referrals) and the demographics, unchanged but for unknown."""
    by_site = reports["referrals-by-site"]
    rows = []
    for site, pathways in pub.LATER_SUMMARY.items():
        got = value(by_site, "n", site=site, status="total")
        rows.append(_row(f"referrals {SITE_LABELS[site]} total", [sum(pathways.values())], [got]))
    everyone = sum(sum(p.values()) for p in pub.LATER_SUMMARY.values())
    got = value(by_site, "n", site="all", status="total")
    rows.append(_row("referrals all sites total", [everyone], [got]))
    rows += _pathways(reports["referrals-by-pathway"], pub.LATER_SUMMARY)
    rows += _demographics(reports["demographics"])
    return rows


def _pathways(cells: Sequence[Cell], published: Mapping[str, Mapping[str, int]]) -> list[Row]:
    rows = []
    for site, pathways in published.items():
        got = [value(cells, "n", site=site, status="total", pathway=p) for p in pathways]
        label = f"pre-booking / social contact / community, {SITE_LABELS[site]}"
        rows.append(_row(label, list(pathways.values()), got))
    totals = [sum(p[k] for p in published.values()) for k in pub.PATHWAYS]
    got = [value(cells, "n", site="all", status="total", pathway=p) for p in pub.PATHWAYS]
    rows.append(_row("pre-booking / social contact / community, all sites", totals, got))
    return rows


def _demographics(cells: Sequence[Cell]) -> list[Row]:
    """Every published category count (not the referrals whose category is unknown)."""
    rows = []
    for dimension, published in (("gender", pub.GENDER_TOTAL), ("ethnicity", pub.ETHNICITY_TOTAL)):
        for site, counts in published.items():
            categories = [c for c in counts if c != "unknown"]
            wanted = [counts[c] for c in categories]
            got = [
                value(cells, "n", site=site, status="total", **{dimension: c}) for c in categories
            ]
            rows.append(
                _row(f"{dimension} {SITE_LABELS[site]} ({len(wanted)} categories)", wanted, got)
            )
    return rows


def _naloxone(cells: Sequence[Cell]) -> list[Row]:
    kits = pub.PUBLISHED_KITS_BY_YEAR
    channels = list(kits["total"])
    rows = [
        _row(
            "naloxone kits by channel",
            [kits["total"][c] for c in channels],
            [value(cells, "kits", channel=c, period="total") for c in channels],
        )
    ]
    periods = (("2019", 2019), ("2020", 2020), ("2021", 2021), ("la_50k", "la_50k"))
    rows.append(
        _row(
            "naloxone kits 2019 / 2020 / 2021 / LA 50K",
            [sum(kits[name].values()) for name, _ in periods],
            [value(cells, "kits", channel="total", period=p) for _, p in periods],
        )
    )
    uses = [sum(pub.PUBLISHED_USES[p].values()) for p in ("total", "la_50k")]
    got = [value(cells, "uses", channel="total", period=p) for p in ("total", "la_50k")]
    rows.append(_row("naloxone reported uses total / LA 50K", uses, got))
    return rows


def evaluation(outcomes: Sequence[Cell]) -> list[Row]:
    """Every published AOR and 95% CI; a row no cohort can reach must show the closest numbers
    (its note says how far they are from the page)."""
    closest = {(c.outcome, c.window_months): c for c in pub.CLOSEST_REACHABLE}
    rows = []
    for aor in pub.PUBLISHED_AORS:
        dims: dict[str, str | int] = {"outcome": aor.outcome, "window": aor.window_months}
        got = tuple(value(outcomes, m, **dims) for m in ("aor", "ci_low", "ci_high"))
        figure = f"AOR {aor.outcome.replace('_', ' ')} {aor.window_months} mo"
        published = f"{aor.aor:.2f} ({aor.ci_low:.2f}, {aor.ci_high:.2f})"
        reproduced = " ".join(str(v) for v in got)
        if all(isinstance(v, float) for v in got):
            reproduced = f"{got[0]:.2f} ({got[1]:.2f}, {got[2]:.2f})"
        reachable = closest.get((aor.outcome, aor.window_months))
        if reachable is None:
            rows.append(Row(figure, published, reproduced, got == aor.numbers))
            continue
        distance = _distance(got, aor.numbers)
        note = f"closest reachable, {distance} off: {reachable.why}"
        rows.append(Row(figure, published, reproduced, got == reachable.reachable, note))
    return rows


def _distance(got: Sequence[CellValue], published: Sequence[float]) -> str:
    numbers = [g for g in got if isinstance(g, float)]
    if len(numbers) != len(published):
        return "not estimated"
    return f"{max(abs(g - p) for g, p in zip(numbers, published, strict=True)):.2f}"
