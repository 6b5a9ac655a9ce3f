"""Small-cell suppression with complementary suppression (reports.md, ``audience=public``).

A small count (``SMALL_CELLS``) is hidden (primary suppression). Further counts are then hidden
(complementary suppression) until no hidden count can be recovered from the shown counts and the
table's additive constraints:

1. no constraint may have exactly one hidden member (it would be its total minus the rest): add
   the smallest non-zero shown part of that constraint (ties by key), else its total;
2. no hidden count may be pinned by bounds (e.g. two primary cells known to sum to 2 are both 1):
   the attacker is assumed to know which hidden counts are primary (in [1, 10]) and which are
   complementary (so >= 11, since zeros are never chosen as complements); see ``bounds``. The
   next complement is taken from the constraints nearest the pinned count.

Zeros are shown and never chosen as complements. Deterministic: constraints are visited in the
given order and candidates ordered by (value, key).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from services.reporting.domain.bounds import Bounds, equations, pinned, reduce, shave
from services.reporting.domain.cells import COUNT_MEASURES, SUPPRESSED, Cell, Key, cell_key
from services.reporting.domain.constraints import Constraint
from services.reporting.domain.small_cells import SMALL_CELLS

K = TypeVar("K", bound=Hashable)
THRESHOLD = SMALL_CELLS.largest_small
PCT_NOTE = "suppressed"
COMPLEMENT_NOTE = "suppressed (complementary)"


def _order(obj: object) -> tuple[Any, ...]:
    """A total, deterministic order over keys mixing str and int parts."""
    if isinstance(obj, tuple):
        return (2, tuple(_order(x) for x in obj))
    if isinstance(obj, int | float):
        return (0, obj)
    if isinstance(obj, str):
        return (1, obj)
    return (3, repr(obj))


def _validate(values: Mapping[K, int], constraints: Sequence[Constraint[K]]) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"a count must be a non-negative int: {key!r}={value!r}")
    for constraint in constraints:
        missing = [k for k in constraint.members if k not in values]
        if missing:
            raise ValueError(f"constraint members without a value: {missing!r}")
        if not constraint.holds(values):
            raise ValueError(f"constraint does not hold: {constraint!r}")


def _complement(constraint: Constraint[K], values: Mapping[K, int], hidden: set[K]) -> K | None:
    """The member to hide next: smallest non-zero shown part, else the total if non-zero."""
    parts = [p for p in constraint.parts if p not in hidden and values[p] > 0]
    if parts:
        return min(parts, key=lambda p: (values[p], _order(p)))
    total = constraint.total
    return total if total not in hidden and values[total] > 0 else None


class _Suppressor(Generic[K]):
    def __init__(
        self,
        values: Mapping[K, int],
        constraints: Sequence[Constraint[K]],
        unpublished: Collection[K],
        threshold: int,
    ) -> None:
        self.values = values
        self.constraints = constraints
        self.unpublished = frozenset(unpublished)
        self.threshold = threshold
        self.small = frozenset(k for k, v in values.items() if 1 <= v <= threshold)
        self.hidden: set[K] = set(self.small | self.unpublished)

    def protected(self, key: K) -> bool:
        """Hidden and must stay unrecoverable: published hidden counts, small unpublished ones."""
        return key in self.hidden and (key not in self.unpublished or key in self.small)

    def close_singletons(self) -> None:
        """Rule 1, to a fixpoint."""
        changed = True
        while changed:
            changed = False
            for constraint in self.constraints:
                unknown = [k for k in constraint.members if k in self.hidden]
                if len(unknown) != 1 or not self.protected(unknown[0]):
                    continue
                extra = _complement(constraint, self.values, self.hidden)
                if extra is not None:
                    self.hidden.add(extra)
                    changed = True

    def start_bounds(self) -> dict[K, Bounds]:
        inf = float("inf")
        bounds: dict[K, Bounds] = {}
        for key in self.hidden:
            if key in self.unpublished:
                bounds[key] = (0, inf)
            elif key in self.small:
                bounds[key] = (1, self.threshold)
            else:
                bounds[key] = (self.threshold + 1 if self.values[key] > self.threshold else 0, inf)
        return bounds

    def unpin(self) -> bool:
        """Rule 2: hide one more count near the first pinned one; False if none is left."""
        eqs = equations(self.values, self.constraints, self.hidden)
        bounds = shave([*eqs, *reduce(eqs, _order)], self.start_bounds())
        protected = {k for k in self.hidden if self.protected(k)}
        for key in sorted(pinned(bounds, protected), key=_order):
            extra = self.nearest_complement(key)
            if extra is not None:
                self.hidden.add(extra)
                return True
        return False

    def nearest_complement(self, key: K) -> K | None:
        """A complement from the constraints around ``key``, breadth first: those containing it,
        then those sharing a hidden member with them, and so on (constraints in given order)."""
        reached = {key}
        visited: set[int] = set()
        while True:
            layer = [
                i
                for i, c in enumerate(self.constraints)
                if i not in visited and reached.intersection(c.members)
            ]
            if not layer:
                return None
            for i in layer:
                extra = _complement(self.constraints[i], self.values, self.hidden)
                if extra is not None:
                    return extra
            visited.update(layer)
            for i in layer:
                reached.update(k for k in self.constraints[i].members if k in self.hidden)

    def run(self) -> frozenset[K]:
        self.close_singletons()
        while self.unpin():
            self.close_singletons()
        return frozenset(self.hidden - self.unpublished)


def suppress(
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    *,
    unpublished: Collection[K] = frozenset(),
    threshold: int = THRESHOLD,
) -> frozenset[K]:
    """The published counts to hide, primary (1..threshold) and complementary.

    ``values`` holds every count of the table, including ``unpublished`` ones: counts that take
    part in a constraint but are never printed (e.g. inactive when only active and total are
    published). Those are unknown to a reader; a small one is protected like a suppressed count.
    Raises ``ValueError`` if a constraint member has no value or a constraint does not add up.
    """
    _validate(values, constraints)
    hidden: set[K] = set()
    for part in _components(constraints):
        members = {k for c in part for k in c.members}
        local = {k: v for k, v in values.items() if k in members}
        hidden |= _Suppressor(
            local, part, [k for k in unpublished if k in members], threshold
        ).run()
    linked = {k for c in constraints for k in c.members}
    hidden |= {  # counts outside every constraint: primary suppression only
        k
        for k, v in values.items()
        if k not in linked and k not in unpublished and 1 <= v <= threshold
    }
    return frozenset(hidden)


def _components(constraints: Sequence[Constraint[K]]) -> list[list[Constraint[K]]]:
    """Constraints that share no count are independent tables: suppress each on its own
    (the inference work grows fast with the size of a system)."""
    parent: dict[K, K] = {}

    def root(key: K) -> K:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for constraint in constraints:
        first = root(constraint.total)
        for member in constraint.parts:
            parent[root(member)] = first
    groups: dict[K, list[Constraint[K]]] = {}
    for constraint in constraints:
        groups.setdefault(root(constraint.total), []).append(constraint)
    return list(groups.values())


def apply_suppression(
    cells: Sequence[Cell],
    constraints: Sequence[Constraint[Key]],
    *,
    unpublished: Mapping[Key, int] | None = None,
    threshold: int = THRESHOLD,
    linked: Sequence[Collection[str]] = (),
) -> list[Cell]:
    """The public version of a report's cells, in the same order.

    ``linked`` groups measures that reveal one another (doses are usually two per kit): where
    one of a group is hidden, the others with the same dimensions are hidden too. Hiding more
    never helps a reader recover a hidden value.

    Primary-suppressed counts become the small-count label; complementary ones ``None`` with a
    note (they are not small, so the label would be false). A ``pct`` cell is hidden (``None``, note
    "suppressed") when its count is hidden or when its count is a part of a constraint whose
    total is hidden (the percentage would reveal that denominator). Other cells are unchanged.
    """
    extra = dict(unpublished or {})
    values: dict[Key, int] = dict(extra)
    for cell in cells:
        if cell.measure in COUNT_MEASURES and isinstance(cell.value, int):
            values[cell.key] = cell.value
    hidden = _with_linked(
        suppress(values, constraints, unpublished=extra.keys(), threshold=threshold), linked
    )
    # A shown percentage of a part reveals its denominator, so hidden totals hide their parts' pct.
    no_pct = hidden | {p for c in constraints if c.total in hidden for p in c.parts}
    out: list[Cell] = []
    for cell in cells:
        if cell.key in hidden:
            small = 1 <= values[cell.key] <= threshold
            out.append(
                cell.with_value(SUPPRESSED) if small else cell.with_value(None, COMPLEMENT_NOTE)
            )
        elif cell.measure == "pct" and cell_key("n", cell.dims) in no_pct:
            out.append(cell.with_value(None, PCT_NOTE))
        else:
            out.append(cell)
    return out


def _with_linked(hidden: frozenset[Key], linked: Sequence[Collection[str]]) -> frozenset[Key]:
    """``hidden`` and, for each hidden key, the keys of its linked measures (same dimensions)."""
    more: set[Key] = set()
    for key in hidden:
        dims = dict(key)
        measure = dims.pop("measure")
        for group in linked:
            if measure in group:
                more |= {cell_key(m, dims) for m in group}
    return hidden | more
