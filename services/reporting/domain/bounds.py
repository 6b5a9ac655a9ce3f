"""What a reader can infer about hidden counts: linear algebra plus interval propagation.

The constraints, with the shown counts substituted, are linear equations over the hidden counts.
They are put in reduced row echelon form (exact, with fractions), which exposes every
combination the equations determine (e.g. "x == 3" obtained by subtracting one row from
another). Each hidden count starts in the range the report admits for it; every equation, the
original and the reduced ones, then narrows each of its unknowns to what the other unknowns'
ranges allow, rounded inwards to integers, until nothing changes. A hidden count whose range
shrinks to a single value is recoverable ("pinned"). This is not a complete LP, but it finds
every count fixed by the equations alone and the usual interval attacks quickly; ``attacker``
then asks linear programming about the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from services.reporting.domain.constraints import Constraint

K = TypeVar("K", bound=Hashable)
Bound = int | float  # float only for +-inf
Bounds = tuple[Bound, Bound]
Equation = tuple[dict[K, Fraction], Fraction]  # sum(coef * x) == rhs
_MAX_PASSES = 1000


def equations(
    values: Mapping[K, int], constraints: Sequence[Constraint[K]], hidden: Set[K]
) -> list[Equation[K]]:
    """``total - sum(parts) == 0`` with the shown counts moved to the right-hand side."""
    out: list[Equation[K]] = []
    for constraint in constraints:
        coefs: dict[K, Fraction] = {}
        rhs = Fraction(0)
        for key, sign in [(constraint.total, 1), *[(p, -1) for p in constraint.parts]]:
            if key in hidden:
                coefs[key] = Fraction(sign)
            else:
                rhs -= sign * values[key]
        if coefs:
            out.append((coefs, rhs))
    return out


def reduce(eqs: Sequence[Equation[K]], order: Callable[[K], Any]) -> list[Equation[K]]:
    """Reduced row echelon form of the equations (Gauss-Jordan over the rationals)."""
    variables = sorted({k for coefs, _ in eqs for k in coefs}, key=order)
    rows = [(dict(coefs), rhs) for coefs, rhs in eqs]
    done: list[Equation[K]] = []
    for var in variables:
        pivot = next((r for r in rows if r[0].get(var)), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        scale = pivot[0][var]
        pivot = ({k: c / scale for k, c in pivot[0].items()}, pivot[1] / scale)
        rows = [_eliminate(r, pivot, var) for r in rows]
        done = [_eliminate(r, pivot, var) for r in done]
        done.append(pivot)
    return [r for r in done if r[0]]


def _eliminate(row: Equation[K], pivot: Equation[K], var: K) -> Equation[K]:
    factor = row[0].get(var)
    if not factor:
        return row
    coefs = dict(row[0])
    for k, c in pivot[0].items():
        coefs[k] = coefs.get(k, Fraction(0)) - factor * c
    return ({k: c for k, c in coefs.items() if c}, row[1] - factor * pivot[1])


_EPSILON = 1e-9


def propagate(eqs: Sequence[Equation[K]], start: Mapping[K, Bounds]) -> dict[K, Bounds]:
    """Ranges of the hidden counts (the keys of ``start``) implied by the equations.

    Every pass narrows every unknown of every equation at once (numpy) to what the others'
    ranges allow, rounded inwards to integers with a tolerance (float error cannot pin a count
    the exact equations would not), until nothing changes. An empty range (low > high) means
    the starting ranges are inconsistent with the equations.
    """
    keys = list(start)
    if not eqs:
        return dict(start)
    system = _System.of(eqs, {k: i for i, k in enumerate(keys)})
    low = np.array([float(start[k][0]) for k in keys])
    high = np.array([float(start[k][1]) for k in keys])
    for _ in range(_MAX_PASSES):
        new_low, new_high = system.narrowed(low, high)
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            break
        low, high = new_low, new_high
        if np.any(low > high):
            break
    return {k: (_bound(lo), _bound(hi)) for k, lo, hi in zip(keys, low, high, strict=True)}


def _bound(value: float) -> Bound:
    return value if math.isinf(value) else int(value)


@dataclass(frozen=True)
class _System:
    """The equations as arrays: one entry per (equation, unknown) with its coefficient."""

    row: NDArray[np.intp]
    column: NDArray[np.intp]
    coefficient: NDArray[np.float64]
    rhs: NDArray[np.float64]

    @classmethod
    def of(cls, eqs: Sequence[Equation[K]], index: Mapping[K, int]) -> _System:
        rows, columns, coefficients = [], [], []
        for r, (coefs, _) in enumerate(eqs):
            for key, coef in coefs.items():
                rows.append(r)
                columns.append(index[key])
                coefficients.append(float(coef))
        rhs = np.array([float(value) for _, value in eqs])
        return cls(np.array(rows), np.array(columns), np.array(coefficients), rhs)

    def narrowed(
        self, low: NDArray[np.float64], high: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        a, row, column = self.coefficient, self.row, self.column
        term_low = np.where(a > 0, a * low[column], a * high[column])
        term_high = np.where(a > 0, a * high[column], a * low[column])
        others_low = _others(term_low, row, len(self.rhs), -np.inf)
        others_high = _others(term_high, row, len(self.rhs), np.inf)
        with np.errstate(invalid="ignore"):
            ends = ((self.rhs[row] - others_high) / a, (self.rhs[row] - others_low) / a)
        lowest, highest = np.minimum(*ends), np.maximum(*ends)
        new_low, new_high = low.copy(), high.copy()
        np.maximum.at(
            new_low, column, np.where(np.isfinite(lowest), np.ceil(lowest - _EPSILON), -np.inf)
        )
        np.minimum.at(
            new_high, column, np.where(np.isfinite(highest), np.floor(highest + _EPSILON), np.inf)
        )
        return new_low, new_high


def _others(
    terms: NDArray[np.float64], row: NDArray[np.intp], rows: int, infinite: float
) -> NDArray[np.float64]:
    """Per term, the sum of the other terms of its equation (``infinite`` if one of them is)."""
    finite = np.isfinite(terms)
    sums = np.bincount(row, weights=np.where(finite, terms, 0.0), minlength=rows)
    unbounded = np.bincount(row, weights=(~finite).astype(float), minlength=rows)
    own = np.where(finite, terms, 0.0)
    others_unbounded = unbounded[row] - (~finite)
    return np.where(others_unbounded > 0, infinite, sums[row] - own)


def pinned(bounds: Mapping[K, Bounds], protected: Set[K]) -> list[K]:
    """The protected counts whose range is a single value."""
    return [k for k in protected if bounds[k][0] >= bounds[k][1]]
