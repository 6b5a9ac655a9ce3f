"""Whole-number percentages, rounded half up, as the published tables print them."""

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> int | None:
    """``part`` as a whole-number percentage of ``whole``, rounded half up.

    ``None`` when there is no denominator (``whole == 0``): the percentage is undefined, not 0.
    153/329 -> 47 (46.50...), 1/8 -> 13 (12.5), 2/3 -> 67.
    """
    if part < 0 or whole < 0:
        raise ValueError(f"percent of negative counts: {part}/{whole}")
    if whole == 0:
        return None
    # Both operands are integers, so the quotient is an exact Decimal whenever it terminates (any
    # exact ".5" does); otherwise it is at least 1/(2*whole) away from a half, far beyond the
    # 28 significant digits of the default context, so half-up rounding is exact either way.
    exact = Decimal(part * 100) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
