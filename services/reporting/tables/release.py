"""The public page and the public reports as one release (ADR 0031).

Several tables print the same number: Hollywood's total referrals is in the site summary, in
the pathway table (all pathways), in both demographics tables (all categories), at the end of
the last month, and its pre-booking referrals are the abeyance table's. Each such number is one
**quantity** of the release: it is shown everywhere or withheld everywhere, and the relations
of every table bind the quantities together, so that small counts and the complements that
protect them are chosen once, jointly, against a reader of the whole page.

Quantities: the referral tables declare the ``referrals`` grain (a cell is the number of
referrals with its dimensions, ``all`` and ``total`` meaning any); other cells can say which
referral count they equal (``aliases``), taken as the same quantity when their values agree
(assuming a reader knows more only makes the protection stronger); every other cell is a
quantity of its own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from services.reporting.domain import COUNT_MEASURES, Constraint, Key, suppress
from services.reporting.domain.small_cells import SMALL_CELLS, SmallCellRule
from services.reporting.domain.suppression import withhold
from services.reporting.tables.base import ALL, TOTAL, ReportTable

REFERRALS = "referrals"


def _in_grain(grain: str, key: Key) -> Key:
    return (("grain", grain), *((d, v) for d, v in key if v not in (ALL, TOTAL)))


@dataclass
class _Quantities:
    """The release's quantities, their values, relations and whether they are ever shown."""

    values: dict[Key, int]
    published: set[Key]
    free: set[Key]
    constraints: dict[tuple[Key, frozenset[Key]], Constraint[Key]]
    names: dict[str, dict[Key, Key]]
    """Per table, its cell keys' quantities."""
    weights: dict[Key, int]
    """Per quantity, the weight of the heaviest table that prints it."""


def quantity(table: ReportTable, key: Key, values: Mapping[Key, int]) -> Key:
    """The quantity a table's count is (``values``: the quantities known so far)."""
    own = (("grain", f"table:{table.name}"), *key)
    alias = table.aliases.get(key)
    if alias is not None:
        target = _in_grain(REFERRALS, alias)
        mine = _count(table, key)
        return target if mine is not None and values.get(target) == mine else own
    return _in_grain(table.grain, key) if table.grain else own


def _count(table: ReportTable, key: Key) -> int | None:
    for cell in table.cells:
        if cell.key == key and isinstance(cell.value, int):
            return cell.value
    return table.unpublished.get(key, table.free.get(key))


def _gather(tables: Mapping[str, ReportTable]) -> _Quantities:
    q = _Quantities({}, set(), set(), {}, {}, {})
    ordered = sorted(tables.values(), key=lambda t: bool(t.aliases))  # aliases last
    for table in ordered:
        names = q.names.setdefault(table.name, {})
        counts = {c.key: c.value for c in table.cells if c.measure in COUNT_MEASURES}
        for key, value in [*counts.items(), *table.unpublished.items(), *table.free.items()]:
            if not isinstance(value, int):
                continue
            name = names[key] = quantity(table, key, q.values)
            if q.values.setdefault(name, value) != value:
                raise ValueError(f"{table.name}: {key} is {value}, elsewhere {q.values[name]}")
            if key in counts:
                q.published.add(name)
                q.weights[name] = max(q.weights.get(name, 0), table.weight)
            elif key in table.free:
                q.free.add(name)
        for constraint in table.constraints:
            mapped = Constraint(names[constraint.total], tuple(names[p] for p in constraint.parts))
            q.constraints.setdefault((mapped.total, frozenset(mapped.parts)), mapped)
    q.free -= q.published
    return q


def public_release(
    tables: Mapping[str, ReportTable], rule: SmallCellRule = SMALL_CELLS
) -> dict[str, ReportTable]:
    """The tables as the public sees them: one joint suppression over all of them."""
    q = _gather(tables)
    unpublished = set(q.values) - q.published - q.free
    hidden = suppress(
        q.values,
        list(q.constraints.values()),
        unpublished=unpublished,
        free=q.free,
        rule=rule,
        weight=lambda name: q.weights.get(name, 0),
    )
    public = {}
    for name, table in tables.items():
        local = {k for k, quantity_ in q.names[name].items() if quantity_ in hidden}
        cells = withhold(table.cells, table.constraints, local, rule, table.linked)
        public[name] = replace(table, cells=cells)
    return public


@dataclass(frozen=True)
class Withheld:
    """How much a release withholds: counts (small ones and complements) and percentages."""

    small: int
    complements: int
    percentages: int

    @property
    def counts(self) -> int:
        return self.small + self.complements


def withheld(
    internal: Mapping[str, ReportTable], public: Mapping[str, ReportTable]
) -> dict[str, Withheld]:
    """Per table, the cells the public version withholds."""
    out = {}
    for name, table in internal.items():
        small = complements = percentages = 0
        for before, after in zip(table.cells, public[name].cells, strict=True):
            if before.value == after.value or before.value is None:
                continue
            if before.measure == "pct":
                percentages += 1
            elif after.value == SMALL_CELLS.label:
                small += 1
            else:
                complements += 1
        out[name] = Withheld(small, complements, percentages)
    return out
