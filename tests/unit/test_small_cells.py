"""The small-cell rule, stated once: which counts the public sees only as a label."""

from services.reporting.domain import SUPPRESSED
from services.reporting.domain.evaluation import MIN_SUBJECTS
from services.reporting.domain.small_cells import SMALL_CELLS, SmallCellRule


def test_counts_from_one_to_ten_are_small_zero_and_eleven_are_not() -> None:
    assert [n for n in range(0, 13) if SMALL_CELLS.is_small(n)] == list(range(1, 11))


def test_the_label_and_the_fewest_subjects_follow_from_the_threshold() -> None:
    assert SMALL_CELLS.label == SUPPRESSED == "<11"
    assert SMALL_CELLS.smallest_shown == MIN_SUBJECTS == 11
    stricter = SmallCellRule(largest_small=15)
    assert stricter.label == "<16" and stricter.in_words == "a count from 1 to 15"
