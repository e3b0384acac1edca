"""One-decimal rounding that never rounds up (OCPP/OCPI limits carry one decimal)."""

from __future__ import annotations

import math


def floor_one_decimal(value: float) -> float:
    """The largest float n/10 (n an integer) that does not exceed `value`.

    Exact, not epsilon-based: 0.3 stays 0.3 although 0.3 * 10 == 2.9999999999999996, and the result is never
    above `value`, so a written limit can't exceed its source.
    """
    n = math.floor(value * 10)
    while n / 10 > value:  # the multiplication rounded up
        n -= 1
    while (n + 1) / 10 <= value:  # the multiplication rounded down
        n += 1
    return n / 10
