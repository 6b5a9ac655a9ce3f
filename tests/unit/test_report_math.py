"""Report arithmetic: half-up whole percentages and the tidy cell's JSON and CSV shapes."""

import csv
import io
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.domain import (
    DIMENSIONS,
    MEASURES,
    SUPPRESSED,
    Cell,
    cell_key,
    csv_header,
    csv_rows,
    percent,
    to_csv,
)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (153, 329, 47),  # 46.504... -> 47 (published "47%")
        (176, 329, 53),
        (38, 68, 56),
        (30, 68, 44),
        (202, 408, 50),
        (1, 8, 13),  # exactly 12.5: half up, not banker's 12
        (3, 8, 38),  # 37.5
        (5, 8, 63),  # 62.5
        (1, 200, 1),  # 0.5
        (1, 201, 0),  # 0.497...
        (2, 3, 67),
        (1, 3, 33),
        (0, 11, 0),
        (11, 11, 100),
        (12, 11, 109),
    ],
)
def test_percent_rounds_half_up(part: int, whole: int, expected: int) -> None:
    assert percent(part, whole) == expected


def test_percent_of_nothing_is_undefined() -> None:
    assert percent(0, 0) is None
    assert percent(5, 0) is None


def test_percent_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        percent(-1, 10)
    with pytest.raises(ValueError):
        percent(1, -10)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percent_matches_exact_rational_half_up(part: int, whole: int) -> None:
    exact = Fraction(100 * part, whole)
    expected = int(exact + Fraction(1, 2))  # floor(x + 1/2) for x >= 0
    assert percent(part, whole) == expected


def test_cell_json_shape_is_the_tidy_cell_of_reports_md() -> None:
    cell = Cell({"site": "hollywood", "status": "active"}, "n", 38)
    assert cell.to_json() == {"site": "hollywood", "status": "active", "measure": "n", "value": 38}
    assert json.dumps(cell.to_json()) == (
        '{"site": "hollywood", "status": "active", "measure": "n", "value": 38}'
    )
    pct = Cell({"site": "hollywood", "status": "active"}, "pct", 56)
    assert pct.to_json()["value"] == 56


def test_cell_json_with_suppressed_and_hidden_values() -> None:
    small = Cell({"site": "east_la", "status": "inactive"}, "n", SUPPRESSED)
    assert small.to_json()["value"] == "<11"
    assert "note" not in small.to_json()
    hidden = Cell({"site": "east_la", "status": "inactive"}, "pct", None, "suppressed")
    assert hidden.to_json() == {
        "site": "east_la",
        "status": "inactive",
        "measure": "pct",
        "value": None,
        "note": "suppressed",
    }


@pytest.mark.parametrize(
    "cell",
    [
        Cell({"site": "all", "status": "total"}, "n", 408),
        Cell({"outcome": "felony_arrest", "window": 12}, "aor", 0.19),
        Cell({"channel": "total", "period": "la_50k"}, "kits", 11186),
        Cell({"site": "x", "status": "active"}, "pct", None, "suppressed"),
        Cell({"site": "x"}, "median_days_to_decline", 12.5),
    ],
)
def test_cell_json_round_trips(cell: Cell) -> None:
    again = Cell.from_json(json.loads(json.dumps(cell.to_json())))
    assert again == cell
    assert again.key == cell.key


def test_cell_rejects_reserved_dimension_names_and_unknown_measures() -> None:
    with pytest.raises(ValueError):
        Cell({"measure": "x"}, "n", 1)
    with pytest.raises(ValueError):
        Cell({"site": "x"}, "count", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Cell.from_json({"site": "x", "measure": "count", "value": 1})
    with pytest.raises(TypeError):
        Cell.from_json({"site": ["x"], "measure": "n", "value": 1})


def test_cell_is_immutable_and_hashable_and_copies_its_dimensions() -> None:
    dims: dict[str, str | int] = {"site": "hollywood", "status": "active"}
    cell = Cell(dims, "n", 38)
    dims["site"] = "changed"
    assert cell.dims["site"] == "hollywood"
    assert len({cell, Cell({"status": "active", "site": "hollywood"}, "n", 38)}) == 1
    assert cell.with_value(SUPPRESSED) == Cell(cell.dims, "n", "<11")


def test_key_ignores_dimension_order_and_includes_the_measure() -> None:
    a = Cell({"site": "hollywood", "status": "active"}, "n", 38)
    b = Cell({"status": "active", "site": "hollywood"}, "n", 38)
    assert a.key == b.key == cell_key("n", {"site": "hollywood", "status": "active"})
    assert a.key == (("measure", "n"), ("site", "hollywood"), ("status", "active"))
    assert cell_key("kits", {"channel": "total"}) != cell_key("doses", {"channel": "total"})


def test_measures_are_those_of_reports_md() -> None:
    assert set(MEASURES) >= {"n", "pct", "aor", "ci_low", "ci_high", "median_days_to_decline"}
    assert len(MEASURES) == 17


def test_csv_columns_are_dimensions_in_stable_order_then_measure_value_note() -> None:
    cells = [
        Cell({"status": "active", "site": "hollywood"}, "n", 38),
        Cell({"site": "hollywood", "status": "active"}, "pct", 56),
        Cell({"site": "east_la", "status": "inactive"}, "n", SUPPRESSED),
        Cell({"site": "east_la", "status": "inactive"}, "pct", None, "suppressed"),
    ]
    assert csv_header(cells) == ["site", "status", "measure", "value", "note"]
    assert csv_rows(cells) == [
        ["site", "status", "measure", "value", "note"],
        ["hollywood", "active", "n", "38", ""],
        ["hollywood", "active", "pct", "56", ""],
        ["east_la", "inactive", "n", "<11", ""],
        ["east_la", "inactive", "pct", "", "suppressed"],
    ]
    text = to_csv(cells)
    assert text.splitlines()[0] == "site,status,measure,value,note"
    assert list(csv.reader(io.StringIO(text))) == csv_rows(cells)


def test_csv_header_order_does_not_depend_on_cell_order() -> None:
    a = Cell({"window": 6, "outcome": "probation"}, "aor", 0.24)
    b = Cell({"zone": "z", "site": "all"}, "n", 5)
    assert csv_header([a, b]) == csv_header([b, a])
    assert csv_header([a, b]) == ["site", "outcome", "window", "zone", "measure", "value", "note"]
    assert DIMENSIONS.index("outcome") < DIMENSIONS.index("window")
    rows = csv_rows([a, b])
    assert rows[1] == ["", "probation", "6", "", "aor", "0.24", ""]
    assert rows[2] == ["all", "", "", "z", "n", "5", ""]
