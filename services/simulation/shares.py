"""Whole numbers in proportion: how the simulation scales and splits the published counts."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence


def scaled(n: int, scale: float) -> int:
    """``n`` times ``scale``, rounded half up."""
    return math.floor(n * scale + 0.5)


def apportion(counts: Mapping[str, int], total: int) -> dict[str, int]:
    """``total`` split in proportion to ``counts`` (largest remainders, ties by key order)."""
    whole = sum(counts.values())
    if whole == 0:
        return dict.fromkeys(counts, 0)
    shares = {k: v * total / whole for k, v in counts.items()}
    result = {k: math.floor(s) for k, s in shares.items()}
    order = sorted(counts, key=lambda k: (-(shares[k] - result[k]), list(counts).index(k)))
    for key in order[: total - sum(result.values())]:
        result[key] += 1
    return result


def weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    """One of the names, drawn with the given weights."""
    names = [name for name, _ in options]
    return rng.choices(names, weights=[w for _, w in options])[0]
