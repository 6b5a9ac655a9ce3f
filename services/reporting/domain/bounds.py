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


FloatEquation = tuple[tuple[tuple[K, float], ...], float]
_EPSILON = 1e-9


def _as_floats(eqs: Sequence[Equation[K]]) -> list[FloatEquation[K]]:
    """Narrowing in floats: the exact work (elimination) is done; ranges are rounded inwards
    to integers with a tolerance, so float error cannot pin a count the fractions would not."""
    return [(tuple((k, float(c)) for k, c in coefs.items()), float(rhs)) for coefs, rhs in eqs]


def _spread(
    terms: Sequence[tuple[K, float]], bounds: Mapping[K, Bounds]
) -> tuple[list[float], list[float]]:
    lows, highs = [], []
    for key, coef in terms:
        lo, hi = bounds[key]
        a, b = coef * lo, coef * hi
        lows.append(min(a, b))
        highs.append(max(a, b))
    return lows, highs


def _without(total: float, infinite: int, own: float) -> float:
    """The sum of the other terms' ends, given the sum of finite ends and the infinite count."""
    if math.isinf(own):
        infinite -= 1
        own = 0.0
    if infinite > 0:
        return math.inf
    return total - own


def _narrow(equation: FloatEquation[K], bounds: dict[K, Bounds]) -> bool:
    """Narrow the unknowns of one equation in place (linear time); True if any range changed."""
    terms, rhs = equation
    lows, highs = _spread(terms, bounds)
    low_sum = sum(x for x in lows if math.isfinite(x))
    high_sum = sum(x for x in highs if math.isfinite(x))
    low_inf = sum(1 for x in lows if not math.isfinite(x))
    high_inf = sum(1 for x in highs if not math.isfinite(x))
    changed = False
    for (key, coef), own_low, own_high in zip(terms, lows, highs, strict=True):
        others_low = -_without(-low_sum, low_inf, -own_low)
        others_high = _without(high_sum, high_inf, own_high)
        ends = ((rhs - others_high) / coef, (rhs - others_low) / coef)
        new_lo, new_hi = min(ends), max(ends)
        lo, hi = bounds[key]
        if math.isfinite(new_lo):
            lo = max(lo, math.ceil(new_lo - _EPSILON))
        if math.isfinite(new_hi):
            hi = min(hi, math.floor(new_hi + _EPSILON))
        if (lo, hi) != bounds[key]:
            bounds[key] = (lo, hi)
            changed = True
    return changed


def propagate(eqs: Sequence[Equation[K]], start: Mapping[K, Bounds]) -> dict[K, Bounds]:
    """Ranges of the hidden counts (the keys of ``start``) implied by the equations.

    An empty range (low > high) means the starting ranges are inconsistent with the equations.
    """
    return _propagate(_as_floats(eqs), start)


def _propagate(floats: Sequence[FloatEquation[K]], start: Mapping[K, Bounds]) -> dict[K, Bounds]:
    bounds = dict(start)
    for _ in range(_MAX_PASSES):
        changed = False
        for equation in floats:
            changed |= _narrow(equation, bounds)
        if not changed or any(lo > hi for lo, hi in bounds.values()):
            break
    return bounds


def pinned(bounds: Mapping[K, Bounds], protected: Set[K]) -> list[K]:
    """The protected counts whose range is a single value."""
    return [k for k in protected if bounds[k][0] >= bounds[k][1]]
