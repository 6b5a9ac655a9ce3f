"""What an attacker can infer about hidden counts: interval propagation over the constraints.

Each hidden count starts in the range the published report admits for it; every constraint
``total - sum(parts) == 0`` then narrows each hidden member to what the shown members and the
other hidden members' ranges allow, rounded inwards to integers, until nothing changes. A hidden
count whose range shrinks to a single value is recoverable ("pinned").
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence, Set
from typing import TypeVar

from services.reporting.domain.constraints import Constraint

K = TypeVar("K", bound=Hashable)
Bounds = tuple[float, float]
_MAX_PASSES = 200


def _narrow(constraint: Constraint[K], values: Mapping[K, int], bounds: dict[K, Bounds]) -> bool:
    """Narrow the hidden members of one constraint in place; True if any range changed."""
    signed = [(constraint.total, 1)] + [(p, -1) for p in constraint.parts]
    hidden = [(k, a) for k, a in signed if k in bounds]
    if not hidden:
        return False
    rhs = -sum(a * values[k] for k, a in signed if k not in bounds)  # sum(a*x for hidden) == rhs
    changed = False
    for i, (key, coef) in enumerate(hidden):
        low = high = 0.0
        for j, (other, a) in enumerate(hidden):
            if i == j:
                continue
            lo, hi = bounds[other]
            low += lo if a > 0 else -hi
            high += hi if a > 0 else -lo
        new_lo, new_hi = (rhs - high, rhs - low) if coef > 0 else (low - rhs, high - rhs)
        lo, hi = bounds[key]
        new_lo = max(lo, math.ceil(new_lo) if math.isfinite(new_lo) else lo)
        new_hi = min(hi, math.floor(new_hi) if math.isfinite(new_hi) else hi)
        if (new_lo, new_hi) != (lo, hi):
            bounds[key] = (new_lo, new_hi)
            changed = True
    return changed


def propagate(
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    start: Mapping[K, Bounds],
) -> dict[K, Bounds]:
    """Ranges of the hidden counts (the keys of ``start``) implied by the constraints."""
    bounds = dict(start)
    for _ in range(_MAX_PASSES):
        changed = False
        for constraint in constraints:
            changed |= _narrow(constraint, values, bounds)
        if not changed:
            break
    return bounds


def pinned(bounds: Mapping[K, Bounds], protected: Set[K]) -> list[K]:
    """The protected counts whose range is a single value."""
    return [k for k in protected if bounds[k][0] >= bounds[k][1]]
