"""What a reader can infer about hidden counts: linear algebra plus interval propagation.

The constraints, with the shown counts substituted, are linear equations over the hidden counts.
They are put in reduced row echelon form (exact, with fractions), which exposes every
combination the equations determine (e.g. "x == 3" obtained by subtracting one row from
another). Each hidden count starts in the range the report admits for it; every equation, the
original and the reduced ones, then narrows each of its unknowns to what the other unknowns'
ranges allow, rounded inwards to integers, until nothing changes. A hidden count whose range
shrinks to a single value is recoverable ("pinned"). This is not a complete LP, but it finds
every count fixed by the equations alone and the usual interval attacks; probing (``shave``)
cuts off end values that make the system inconsistent, which catches most of the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence, Set
from fractions import Fraction
from typing import Any, TypeVar

from services.reporting.domain.constraints import Constraint

K = TypeVar("K", bound=Hashable)
Bound = int | float  # float only for +-inf
Bounds = tuple[Bound, Bound]
Equation = tuple[dict[K, Fraction], Fraction]  # sum(coef * x) == rhs
_MAX_PASSES = 200


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


def _narrow(equation: Equation[K], bounds: dict[K, Bounds]) -> bool:
    """Narrow the unknowns of one equation in place; True if any range changed."""
    coefs, rhs = equation
    terms = list(coefs.items())
    changed = False
    for i, (key, coef) in enumerate(terms):
        low: Fraction | float = Fraction(0)
        high: Fraction | float = Fraction(0)
        for j, (other, c) in enumerate(terms):
            if i != j:
                lo, hi = bounds[other]
                low += c * lo if c > 0 else c * hi
                high += c * hi if c > 0 else c * lo
        ends = ((rhs - high) / coef, (rhs - low) / coef)
        new_lo, new_hi = min(ends), max(ends)
        lo, hi = bounds[key]
        if math.isfinite(new_lo):
            lo = max(lo, math.ceil(new_lo))
        if math.isfinite(new_hi):
            hi = min(hi, math.floor(new_hi))
        if (lo, hi) != bounds[key]:
            bounds[key] = (lo, hi)
            changed = True
    return changed


def propagate(eqs: Sequence[Equation[K]], start: Mapping[K, Bounds]) -> dict[K, Bounds]:
    """Ranges of the hidden counts (the keys of ``start``) implied by the equations.

    An empty range (low > high) means the starting ranges are inconsistent with the equations.
    """
    bounds = dict(start)
    for _ in range(_MAX_PASSES):
        changed = False
        for equation in eqs:
            changed |= _narrow(equation, bounds)
        if not changed or any(lo > hi for lo, hi in bounds.values()):
            break
    return bounds


def shave(eqs: Sequence[Equation[K]], start: Mapping[K, Bounds]) -> dict[K, Bounds]:
    """:func:`propagate`, then probing: an end value of a finite range that makes the equations
    inconsistent is impossible, so it is cut off; repeated until nothing changes."""
    bounds = propagate(eqs, start)
    changed = True
    while changed:
        changed = False
        for key in list(bounds):
            lo, hi = bounds[key]
            if lo >= hi:
                continue
            for end in (lo, hi) if math.isfinite(hi) else (lo,):
                probe = propagate(eqs, {**bounds, key: (end, end)})
                if any(a > b for a, b in probe.values()):
                    lo, hi = (lo + 1, hi) if end == lo else (lo, hi - 1)
            if (lo, hi) != bounds[key]:
                bounds = propagate(eqs, {**bounds, key: (lo, hi)})
                changed = True
    return bounds


def pinned(bounds: Mapping[K, Bounds], protected: Set[K]) -> list[K]:
    """The protected counts whose range is a single value."""
    return [k for k in protected if bounds[k][0] >= bounds[k][1]]
