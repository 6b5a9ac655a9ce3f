"""Additive relations between the counts of a table: ``total == sum(parts)``."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Constraint(Generic[K]):
    """``values[total] == sum(values[p] for p in parts)``: a row, a column or a nested margin."""

    total: K
    parts: tuple[K, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("a constraint needs at least one part")
        if self.total in self.parts or len(set(self.parts)) != len(self.parts):
            raise ValueError(f"repeated member in constraint {self}")

    @property
    def members(self) -> tuple[K, ...]:
        return (self.total, *self.parts)

    def holds(self, values: Mapping[K, int]) -> bool:
        return values[self.total] == sum(values[p] for p in self.parts)


def two_way(
    rows: Sequence[R],
    columns: Sequence[C],
    key: Callable[[R, C], K],
    row_total: R,
    column_total: C,
) -> list[Constraint[K]]:
    """Constraints of a cross table with margins, the grand total included.

    ``rows``/``columns`` are the inner categories (without the total); ``key(row, column)`` names
    a cell. Each row (the margin row too) sums to its ``column_total`` cell and each column (the
    margin column too) to its ``row_total`` cell. Example: referrals by site is
    ``two_way(["active", "inactive"], sites, key, "total", "all")``.
    """
    out: list[Constraint[K]] = []
    for row in [*rows, row_total]:
        out.append(Constraint(key(row, column_total), tuple(key(row, c) for c in columns)))
    for column in [*columns, column_total]:
        out.append(Constraint(key(row_total, column), tuple(key(r, column) for r in rows)))
    return out
