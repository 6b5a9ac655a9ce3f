"""The small-cell rule: the one place that says which counts the public may not see.

Public report cells with counts from 1 to 10 are suppressed (California CalHHS de-identification
guidelines, CMS cell-size policy; ``domain.md``, "Privacy constraints"). Everything else that
depends on the threshold (the ``"<11"`` label, the fewest subjects for which an odds ratio is
shown, the words on the report page) is derived from :data:`SMALL_CELLS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmallCellRule:
    """Counts from 1 to ``largest_small`` are small: the public sees them only as a label."""

    largest_small: int = 10

    def is_small(self, count: int) -> bool:
        """1 to ``largest_small``; zero is not small (it is shown)."""
        return 1 <= count <= self.largest_small

    @property
    def smallest_shown(self) -> int:
        """The smallest count the public may see (11): also the fewest subjects per cohort."""
        return self.largest_small + 1

    @property
    def label(self) -> str:
        """What the public sees instead of a small count: ``"<11"``."""
        return f"<{self.smallest_shown}"

    @property
    def in_words(self) -> str:
        """``"a count from 1 to 10"``, for notes and the report page."""
        return f"a count from 1 to {self.largest_small}"


SMALL_CELLS = SmallCellRule()
"""The program's small-cell rule."""
