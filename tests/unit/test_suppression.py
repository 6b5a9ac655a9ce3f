"""Small-cell suppression: hand cases, and an attacker who solves the published table as an LP."""

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog  # type: ignore[import-untyped]

from services.reporting.domain import (
    SUPPRESSED,
    Cell,
    Constraint,
    Key,
    apply_suppression,
    cell_key,
    percent,
    suppress,
    two_way,
)

TOTAL = "total"
Grid = tuple[str | int, str | int]
K = TypeVar("K", bound=Hashable)


def grid(table: Sequence[Sequence[int]]) -> tuple[dict[Grid, int], list[Constraint[Grid]]]:
    """Inner cells ``table[r][c]`` plus row totals, column totals and the grand total."""
    rows, cols = range(len(table)), range(len(table[0]))
    values: dict[Grid, int] = {(r, c): table[r][c] for r in rows for c in cols}
    for r in rows:
        values[(r, TOTAL)] = sum(table[r])
    for c in cols:
        values[(TOTAL, c)] = sum(table[r][c] for r in rows)
    values[(TOTAL, TOTAL)] = sum(map(sum, table))
    row_keys: list[str | int] = list(rows)
    col_keys: list[str | int] = list(cols)

    def key(r: str | int, c: str | int) -> Grid:
        return (r, c)

    return values, two_way(row_keys, col_keys, key, TOTAL, TOTAL)


# --- the attacker -----------------------------------------------------------------------------


def single_unknown(constraints: Sequence[Constraint[Grid]], hidden: frozenset[Grid]) -> list[Grid]:
    out = []
    for c in constraints:
        unknown = [k for k in c.members if k in hidden]
        if len(unknown) == 1:
            out.append(unknown[0])
    return out


def lp_ranges(
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    hidden: frozenset[K],
    complement_low: int,
    known_bounds: Mapping[K, tuple[float, float | None]] | None = None,
) -> dict[K, tuple[float, float]]:
    """Range of each hidden count given everything shown, the constraints and the bounds:
    primary (1..10) in [1, 10], other hidden counts >= ``complement_low`` (or as
    ``known_bounds`` says, for counts a reader knows other bounds of)."""
    unknowns = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(unknowns)}
    a_eq, b_eq = [], []
    for c in constraints:
        row = [0.0] * len(unknowns)
        rhs = 0.0
        for k, coef in [(c.total, 1), *[(p, -1) for p in c.parts]]:
            if k in index:
                row[index[k]] += coef
            else:
                rhs -= coef * values[k]
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [
        (known_bounds or {}).get(k) or ((1, 10) if 1 <= values[k] <= 10 else (complement_low, None))
        for k in unknowns
    ]
    out = {}
    for k, i in index.items():
        ends = []
        for sign in (1, -1):
            objective = [0.0] * len(unknowns)
            objective[i] = sign
            res = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded: the count can be arbitrarily large
                ends.append(math.inf)
                continue
            assert res.status == 0, res.message  # the true table is always feasible
            ends.append(sign * res.fun)
        out[k] = (ends[0], ends[1])
    return out


def assert_unrecoverable(
    values: dict[Grid, int], constraints: Sequence[Constraint[Grid]], hidden: frozenset[Grid]
) -> None:
    assert {k for k, v in values.items() if 1 <= v <= 10} <= hidden  # every small count
    assert all(values[k] > 0 for k in hidden)  # zeros are shown
    assert single_unknown(constraints, hidden) == []
    # complement_low=0 is the attacker of the brief; 11 also knows complements are not small
    # (they are not labelled "<11") nor zero (never chosen). Its feasible set is a subset, so
    # passing it implies passing the weaker one; both are checked for clarity.
    for complement_low in (0, 11):
        for key, (low, high) in lp_ranges(values, constraints, hidden, complement_low).items():
            # at least two integers remain possible
            top = high if math.isinf(high) else math.floor(high + 1e-6)
            assert top > math.ceil(low - 1e-6), (key, low, high)


# --- hand cases -------------------------------------------------------------------------------

SITES = ["hollywood", "south_la", "east_la"]
PUBLISHED = {  # Summary of LEAD Referrals by Site
    "hollywood": (38, 30),
    "south_la": (153, 176),
    "east_la": (11, 0),
}


def by_site(counts: dict[str, tuple[int, int]]) -> tuple[list[Cell], list[Constraint[Key]]]:
    cells = []
    for site in [*SITES, "all"]:
        if site == "all":
            active = sum(a for a, _ in counts.values())
            inactive = sum(i for _, i in counts.values())
        else:
            active, inactive = counts[site]
        total = active + inactive
        for status, n in (("active", active), ("inactive", inactive), ("total", total)):
            dims: dict[str, str | int] = {"site": site, "status": status}
            cells.append(Cell(dims, "n", n))
            cells.append(Cell(dims, "pct", percent(n, total)))
    constraints = two_way(
        ["active", "inactive"],
        SITES,
        lambda status, site: cell_key("n", {"site": site, "status": status}),
        "total",
        "all",
    )
    return cells, constraints


def n_values(cells: list[Cell]) -> dict[Key, int]:
    return {c.key: c.value for c in cells if c.measure == "n" and isinstance(c.value, int)}


def test_published_referrals_by_site_need_no_suppression() -> None:
    cells, constraints = by_site(PUBLISHED)
    values = n_values(cells)
    assert values[cell_key("n", {"site": "all", "status": "total"})] == 408
    assert suppress(values, constraints) == frozenset()
    public = apply_suppression(cells, constraints)
    assert public == cells
    shown = {(c.dims["site"], c.dims["status"], c.measure): c.value for c in public}
    assert shown["south_la", "active", "pct"] == 47
    assert shown["east_la", "inactive", "n"] == 0  # zero is shown
    assert shown["east_la", "inactive", "pct"] == 0


def test_a_small_count_forces_a_complement_in_its_row_and_its_column() -> None:
    values, constraints = grid([[3, 40, 25], [30, 50, 60], [20, 35, 45]])
    hidden = suppress(values, constraints)
    assert (0, 0) in hidden
    assert (0, 2) in hidden  # smallest non-zero part of row 0 (25 < 40)
    assert (2, 0) in hidden  # smallest non-zero part of column 0 (20 < 30)
    assert (2, 2) in hidden  # closes row 2 and column 2
    assert hidden == {(0, 0), (0, 2), (2, 0), (2, 2)}
    assert_unrecoverable(values, constraints, hidden)


def test_zeros_are_never_complements() -> None:
    values, constraints = grid([[3, 0, 50], [0, 0, 40], [20, 0, 30]])
    hidden = suppress(values, constraints)
    assert all(values[k] != 0 for k in hidden)
    assert {(0, 0), (0, 2), (2, 0), (2, 2)} <= hidden
    assert_unrecoverable(values, constraints, hidden)


def test_a_small_count_among_zeros_takes_its_total_with_it() -> None:
    values, constraints = grid([[4, 0, 0], [30, 12, 50], [20, 15, 30]])
    hidden = suppress(values, constraints)
    assert {(0, 0), (0, TOTAL)} <= hidden  # the row total is 4 itself: small
    assert_unrecoverable(values, constraints, hidden)


def test_totals_of_ten_or_less_are_suppressed() -> None:
    values, constraints = grid([[2, 3], [1, 1]])
    hidden = suppress(values, constraints)
    assert hidden == set(values)  # everything from 1 to 10, grand total 7 included
    assert_unrecoverable(values, constraints, hidden)


def test_two_ones_summing_to_a_known_two_are_protected_by_one_more_cell() -> None:
    values = {"total": 52, "a": 1, "b": 1, "c": 50}
    constraints = [Constraint("total", ("a", "b", "c"))]
    # a + b == 2 with a, b >= 1 would give both away
    assert suppress(values, constraints) == {"a", "b", "c"}


def test_interval_attack_with_ten_and_ten() -> None:
    values = {"total": 70, "a": 10, "b": 10, "c": 50}
    # a + b == 20 with a, b <= 10 pins both at 10
    assert suppress(values, [Constraint("total", ("a", "b", "c"))]) == {"a", "b", "c"}


def test_unpublished_counts_are_unknown_to_the_reader_but_protected_when_small() -> None:
    # Demographics print active and total, not inactive (= total - active).
    values = {"total": 30, "active": 27, "inactive": 3}
    constraint = Constraint("total", ("active", "inactive"))
    hidden = suppress(values, [constraint], unpublished={"inactive"})
    assert hidden == {"active"}  # else inactive = 30 - 27 = 3 would be derivable
    values = {"total": 30, "active": 12, "inactive": 18}
    assert suppress(values, [constraint], unpublished={"inactive"}) == frozenset()
    values = {"total": 30, "active": 4, "inactive": 26}
    assert suppress(values, [constraint], unpublished={"inactive"}) == {"active"}


def test_nested_margins_site_by_status_with_a_small_site() -> None:
    cells, constraints = by_site({"hollywood": (38, 30), "south_la": (153, 176), "east_la": (9, 3)})
    public = apply_suppression(cells, constraints)
    shown = {(c.dims["site"], c.dims["status"], c.measure): (c.value, c.note) for c in public}
    # East LA: 9, 3 and its total 12 -> 9 and 3 primary; 12 is not small but a complement
    # would be needed in each status row: the smallest other site (Hollywood) follows.
    assert shown["east_la", "active", "n"] == (SUPPRESSED, None)
    assert shown["east_la", "inactive", "n"] == (SUPPRESSED, None)
    assert shown["east_la", "active", "pct"] == (None, "suppressed")
    assert shown["hollywood", "active", "n"] == (None, "suppressed (complementary)")
    assert shown["hollywood", "inactive", "n"] == (None, "suppressed (complementary)")
    assert shown["south_la", "active", "n"] == (153, None)
    assert shown["all", "total", "n"] == (409, None)
    values = n_values(cells)
    hidden = suppress(values, constraints)
    assert all(cell.value in (SUPPRESSED, None) for cell in public if cell.key in hidden)
    # no hidden count is the lone unknown of a row or column
    for constraint in constraints:
        assert sum(k in hidden for k in constraint.members) != 1


def test_percentages_of_parts_are_hidden_when_their_denominator_is() -> None:
    def k(name: str) -> Key:
        return cell_key("n", {"k": name})

    # t = a + b + c and y = t + x; a (5) takes b (25 < 30) with it, x (7) takes t (60); then
    # b is shown again: t = a + 55 and t + x = 67 leave a + x = 12, each of them 2 to 10.
    counts = {"a": 5, "b": 25, "c": 30, "t": 60, "x": 7, "y": 67}
    constraints = [
        Constraint(k("t"), (k("a"), k("b"), k("c"))),
        Constraint(k("y"), (k("t"), k("x"))),
    ]
    cells = []
    for name, n in counts.items():
        cells.append(Cell({"k": name}, "n", n))
        cells.append(Cell({"k": name}, "pct", percent(n, 60 if name in "abct" else 67)))
    hidden = suppress({k(name): n for name, n in counts.items()}, constraints)
    assert hidden == {k("a"), k("x"), k("t")}
    public = {(c.dims["k"], c.measure): c.value for c in apply_suppression(cells, constraints)}
    assert public["a", "n"] == public["x", "n"] == SUPPRESSED
    assert public["t", "n"] is None  # complementary
    assert public["b", "n"] == 25 and public["c", "n"] == 30
    assert public["b", "pct"] is None and public["c", "pct"] is None  # would give 60 away
    assert public["y", "n"] == 67 and public["y", "pct"] == 100


def test_suppression_is_deterministic() -> None:
    values, constraints = grid([[3, 40, 40], [40, 5, 40], [40, 40, 40]])
    first = suppress(values, constraints)
    assert suppress(dict(reversed(list(values.items()))), constraints) == first
    assert_unrecoverable(values, constraints, first)


def test_inconsistent_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="does not hold"):
        suppress({"t": 5, "a": 1, "b": 1}, [Constraint("t", ("a", "b"))])
    with pytest.raises(ValueError, match="without a value"):
        suppress({"t": 5, "a": 5}, [Constraint("t", ("a", "b"))])
    with pytest.raises(ValueError, match="non-negative"):
        suppress({"t": -1}, [])
    with pytest.raises(ValueError):
        Constraint("t", ("a", "a"))


def test_cells_outside_any_constraint_still_get_primary_suppression() -> None:
    cells = [Cell({"site": "x"}, "kits", 4), Cell({"site": "x"}, "aor", 0.5)]
    assert [c.value for c in apply_suppression(cells, [])] == [SUPPRESSED, 0.5]


# --- random tables ----------------------------------------------------------------------------

count = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 80))


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(2, 4))
    return [[draw(count) for _ in range(n_cols)] for _ in range(n_rows)]


@settings(max_examples=40, deadline=None)
@given(tables())
def test_no_suppressed_count_can_be_recovered(table: list[list[int]]) -> None:
    values, constraints = grid(table)
    hidden = suppress(values, constraints)
    assert_unrecoverable(values, constraints, hidden)
