"""What a reader can work out about withheld counts from everything a release shows.

The reader knows every shown count, every additive relation between counts (``Constraint``),
that a count labelled small lies from 1 to the threshold, that any other withheld count is
larger (zeros are shown and never withheld), and that counts never shown at all (unpublished)
are not negative. A withheld count is **recovered** when that knowledge leaves it fewer than two
possible values. Protected are the withheld published counts and the small unpublished ones;
``free`` unpublished counts (a month's new referrals) may be worked out.

How, cheaply enough for a whole page (a :class:`Reading` of one withheld set):
1. a relation with a single unknown gives it away: unknowns are determined one by one, and a
   protected one so determined is recovered;
2. the other unknowns fall into independent groups (relations tie unknowns of one group only);
   each group is attacked on its own, first by interval narrowing (and, when small, exact
   elimination; ``bounds``), then, if that recovers nothing, by linear programming
   (maximise and minimise each protected count: the attacker of the tests). A group's answer
   depends only on which counts it holds, so it is kept and reused.
Showing one more count changes a reading only around it (:meth:`Attacker.show`).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.reporting.domain.bounds import Bounds, equations, pinned, propagate, reduce
from services.reporting.domain.constraints import Constraint
from services.reporting.domain.small_cells import SMALL_CELLS, SmallCellRule

K = TypeVar("K", bound=Hashable)
_EPSILON = 1e-6
_ELIMINATE_UP_TO = 12
"""Groups up to this many unknowns are also put in reduced row echelon form (exact, cheap)."""
_CAP = 1e9
_BATCHES = 6
LARGE_GROUP = 1000
"""Showing a count again is not tried where it would change a group larger than this (its
linear programs would be too slow to repeat for every candidate): the count stays withheld.
The whole LA County page, month table included, has groups of about 500."""


@dataclass
class Reading(Generic[K]):
    """What a reader knows for one withheld set: the unknowns not yet determined, per relation
    how many of them it holds, and the protected counts recovered by elimination alone."""

    unknown: set[K]
    left: list[int]
    recovered: set[K]


class Attacker(Generic[K]):
    """A reader of one release: ``values`` of every count, ``published`` the ones that may be
    shown; the others are never shown, and ``free`` ones among them are not protected."""

    def __init__(
        self,
        values: Mapping[K, int],
        constraints: Sequence[Constraint[K]],
        published: Set[K],
        free: Set[K] = frozenset(),
        rule: SmallCellRule = SMALL_CELLS,
        order: Callable[[K], Any] = repr,
        weight: Callable[[K], int] = lambda key: 0,
    ) -> None:
        self.weight = weight
        self.heaviest = max((weight(k) for k in published), default=0)
        self.values, self.constraints, self.rule, self.order = values, constraints, rule, order
        self.published, self.free = frozenset(published), frozenset(free)
        self.never_shown = frozenset(k for k in values if k not in self.published)
        self.rank = {k: i for i, k in enumerate(sorted(values, key=order))}
        self.members: dict[K, list[int]] = defaultdict(list)
        for index, constraint in enumerate(constraints):
            for key in constraint.members:
                self.members[key].append(index)
        self._groups: dict[frozenset[K], frozenset[K]] = {}

    def protected(self, key: K) -> bool:
        """Withheld and to be kept unknown (for a count that is not shown)."""
        if key in self.published:
            return True
        return key not in self.free and self.rule.is_small(self.values[key])

    def read(self, hidden: Set[K]) -> Reading[K]:
        """Determine the unknowns alone in a relation, repeatedly."""
        unknown = set(self.never_shown) | set(hidden)
        left = [sum(k in unknown for k in c.members) for c in self.constraints]
        reading = Reading(unknown, left, set())
        self._determine(reading, [i for i, n in enumerate(left) if n == 1])
        return reading

    def recovered(self, hidden: Set[K]) -> list[K]:
        """The protected counts a reader can recover when ``hidden`` are withheld."""
        reading = self.read(hidden)
        return self.ranked(reading.recovered or self.pinned(reading))

    def pinned(self, reading: Reading[K]) -> set[K]:
        """The protected counts of a reading's groups that the reader can pin."""
        found: set[K] = set()
        for group in self._groups_around(reading, reading.unknown):
            found |= self._attack(group)
        return found

    def ranked(self, keys: Iterable[K]) -> list[K]:
        return sorted(keys, key=self.rank.__getitem__)

    def show(self, reading: Reading[K], key: K) -> Reading[K] | None:
        """The reading once ``key`` is shown too, or None if the reader then recovers a count
        (or if finding out would change a group larger than ``LARGE_GROUP``)."""
        after = Reading(set(reading.unknown), list(reading.left), set(reading.recovered))
        after.unknown.discard(key)
        touched = set(self.members[key])
        for index in self.members[key]:
            after.left[index] -= 1
        determined = self._determine(after, [i for i in touched if after.left[i] == 1])
        if after.recovered:
            return None
        near = {m for i in self.members[key] for m in self.constraints[i].members}
        near |= {
            m for k in determined for i in self.members[k] for m in self.constraints[i].members
        }
        groups = self._groups_around(after, near & after.unknown)
        if any(len(g) > LARGE_GROUP for g in groups):
            return None
        if any(self._attack(g) for g in groups):
            return None
        return after

    def _determine(self, reading: Reading[K], queue: list[int]) -> set[K]:
        determined: set[K] = set()
        while queue:
            index = queue.pop()
            if reading.left[index] != 1:
                continue
            key = next(k for k in self.constraints[index].members if k in reading.unknown)
            reading.unknown.discard(key)
            determined.add(key)
            if self.protected(key):
                reading.recovered.add(key)
            for other in self.members[key]:
                reading.left[other] -= 1
                if reading.left[other] == 1:
                    queue.append(other)
        return determined

    def _groups_around(self, reading: Reading[K], start: Iterable[K]) -> list[frozenset[K]]:
        """The groups of undetermined unknowns holding the ``start`` ones."""
        seen: set[K] = set()
        groups = []
        for first in self.ranked(start):
            if first in seen:
                continue
            group, stack = {first}, [first]
            while stack:
                key = stack.pop()
                for index in self.members[key]:
                    if reading.left[index] < 2:
                        continue
                    for member in self.constraints[index].members:
                        if member in reading.unknown and member not in group:
                            group.add(member)
                            stack.append(member)
            seen |= group
            if any(self.protected(k) for k in group):
                groups.append(frozenset(group))
        return groups

    def bounds(self, key: K) -> Bounds:
        """What the reader knows of one withheld count before any relation."""
        value = self.values[key]
        if key not in self.published:
            return (0, math.inf)
        if self.rule.is_small(value):
            return (1, self.rule.largest_small)
        return (self.rule.smallest_shown, math.inf)

    def _attack(self, group: frozenset[K]) -> frozenset[K]:
        if group not in self._groups:
            self._groups[group] = frozenset(self._pinned(group))
        return self._groups[group]

    def _pinned(self, group: frozenset[K]) -> list[K]:
        indexes = {i for key in group for i in self.members[key]}
        relations = [self.constraints[i] for i in sorted(indexes)]
        protected = self.ranked(k for k in group if self.protected(k))
        eqs = equations(self.values, relations, group)
        if len(group) <= _ELIMINATE_UP_TO:  # small: exact elimination too
            eqs = [*eqs, *reduce(eqs, self.rank.__getitem__)]
        narrowed = propagate(eqs, {key: self.bounds(key) for key in group})
        quick = pinned(narrowed, set(protected))
        if quick or not relations:
            return quick
        return _LinearProgram(self, group, relations).pinned(protected)


class _LinearProgram(Generic[K]):
    """The reader's linear relaxation of one group: its relations over the group's unknowns,
    with the shown and determined counts moved to the right-hand side (built once, sparse)."""

    def __init__(
        self, attacker: Attacker[K], group: frozenset[K], relations: Sequence[Constraint[K]]
    ) -> None:
        from scipy.sparse import csr_array  # type: ignore[import-untyped]

        self.values = attacker.values
        self.variables = attacker.ranked(group)
        self.index = {k: i for i, k in enumerate(self.variables)}
        rows, columns, signs, rhs = [], [], [], []
        for row, relation in enumerate(relations):
            total = 0.0
            for key, sign in [(relation.total, 1.0), *[(p, -1.0) for p in relation.parts]]:
                if key in self.index:
                    rows.append(row)
                    columns.append(self.index[key])
                    signs.append(sign)
                else:
                    total -= sign * attacker.values[key]
            rhs.append(total)
        shape = (len(relations), len(self.variables))
        self.matrix = csr_array((signs, (rows, columns)), shape=shape)
        self.rhs = rhs
        # A count without an upper bound is capped far above any count: every solution of the
        # capped program is one of the reader's, and none of them needs such a count.
        self.bounds = [
            (lo, _CAP if math.isinf(hi) else hi) for lo, hi in map(attacker.bounds, self.variables)
        ]

    def solve(self, weights: Mapping[K, float]) -> list[float] | None:
        """A solution minimising the weighted sum; None when it is unbounded."""
        from scipy.optimize import linprog  # type: ignore[import-untyped]  # only when needed

        objective = [weights.get(k, 0.0) for k in self.variables]
        result = linprog(
            objective, A_eq=self.matrix, b_eq=self.rhs, bounds=self.bounds, method="highs"
        )
        assert result.status in (0, 3), result.message  # the true counts are feasible
        return None if result.status == 3 else [float(x) for x in result.x]

    def pinned(self, protected: list[K]) -> list[K]:
        """The protected counts whose range holds fewer than two integers. Each is maximised,
        then minimised if need be; every count a solution moves by 1 or more is safe too (so
        most need no program of their own). Pushing all up, all down, and a few mixed
        directions (fixed, pseudo-random) starts it."""
        left = set(protected)
        directions = random.Random(len(protected))
        for turn in range(_BATCHES):
            if not left:
                break
            signs = {k: (-1.0 if turn == 0 else 1.0) for k in left}
            if turn > 1:
                signs = {k: directions.choice((-1.0, 1.0)) for k in self.ranked_left(left)}
            left -= self._moved(self.solve(signs), left)
        found = []
        for key in protected:
            if key not in left:
                continue
            for sign in (-1.0, 1.0):  # maximise, then minimise
                solution = self.solve({key: sign})
                left -= {key} if solution is None else self._moved(solution, left)
                if key not in left:
                    break
            else:
                found.append(key)
                left.discard(key)
        return found

    def ranked_left(self, left: Set[K]) -> list[K]:
        return [k for k in self.variables if k in left]

    def _moved(self, solution: list[float] | None, keys: Set[K]) -> set[K]:
        """The ``keys`` at least 1 from their value in the solution (all: unbounded)."""
        if solution is None:
            return set()  # unbounded in the sum: each count is tried alone
        return {k for k in keys if abs(solution[self.index[k]] - self.values[k]) >= 1 - _EPSILON}
