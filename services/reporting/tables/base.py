"""What every report table is made of: cells, the sums that bind them, and its scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.reporting.domain import Cell, Constraint, Key, percent
from services.reporting.domain.as_of import AsOf
from services.reporting.domain.cells import cell_key

ALL = "all"
TOTAL = "total"


@dataclass(frozen=True)
class Period:
    """The time range a report covers (inclusive dates; None is open)."""

    start: date | None = None
    end: date | None = None


NO_DENOMINATOR = "no cases to take a percentage of"


@dataclass(frozen=True)
class Scope:
    """What a report is computed over: the period, the program's site codes in order, whether it
    is for the public (``audience=public``) or shows everything (``internal``), and what it is
    as of (a day, a position, or everything applied so far)."""

    period: Period
    sites: tuple[str, ...]
    public: bool = True
    as_of: AsOf = field(default_factory=AsOf)


@dataclass
class ReportTable:
    """A report's cells with the additive constraints that suppression must respect.

    ``unpublished`` holds counts that are implied but not printed (e.g. inactive where only
    active and total are shown), so that suppression protects them too.
    """

    name: str
    cells: list[Cell] = field(default_factory=list)
    constraints: list[Constraint[Key]] = field(default_factory=list)
    unpublished: dict[Key, int] = field(default_factory=dict)
    free: dict[Key, int] = field(default_factory=dict)
    """Counts implied but never shown and not sensitive themselves (a month's new referrals,
    the difference of two published stocks): unknown to a reader, never protected."""
    note: str | None = None
    linked: tuple[frozenset[str], ...] = ()
    """Measures that reveal one another (doses, usually two per kit): hidden together."""
    grain: str | None = None
    """``"referrals"`` for tables whose counts are numbers of referrals with their dimensions
    (``all`` and ``total`` meaning any): the same number in two of them is one quantity."""
    aliases: dict[Key, Key] = field(default_factory=dict)
    """Counts of this table that are a referral count (by that count's dimensions)."""
    weight: int = 1
    """How much withholding one of its counts costs the public (the site summary, which the
    program publishes first, weighs most): complements are taken from the lightest tables."""

    def count(self, dims: Mapping[str, str | int], n: int, measure: str = "n") -> None:
        self.cells.append(Cell(dict(dims), measure, n))  # type: ignore[arg-type]

    def share(self, dims: Mapping[str, str | int], n: int, whole: int) -> None:
        """The count and its whole-number percentage of ``whole`` (half up)."""
        self.count(dims, n)
        pct = percent(n, whole)
        note = None if pct is not None else NO_DENOMINATOR
        self.cells.append(Cell(dict(dims), "pct", pct, note))

    def hidden(self, dims: Mapping[str, str | int], n: int, measure: str = "n") -> None:
        self.unpublished[cell_key(measure, dims)] = n

    def sums(
        self,
        total: Mapping[str, str | int],
        parts: Iterable[Mapping[str, str | int]],
        measure: str = "n",
    ) -> None:
        self.constraints.append(
            Constraint(cell_key(measure, total), tuple(cell_key(measure, p) for p in parts))
        )


def with_all(sites: Sequence[str]) -> list[str]:
    return [*sites, ALL]


def ordered_sites(configured: Sequence[str], found: Iterable[str]) -> tuple[str, ...]:
    """The configured sites in order, then any other site the data names."""
    extra = sorted(set(found) - set(configured))
    return (*configured, *extra)
