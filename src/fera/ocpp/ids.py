"""OCPP 1.6 transaction ids, which the central system hands out as integers."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["ClockTransactionIds", "TransactionIdFactory"]

TransactionIdFactory = Callable[[], int]
"""Returns a new, never reused OCPP 1.6 transactionId."""

_EPOCH = datetime(2025, 1, 1, tzinfo=UTC).timestamp()


class ClockTransactionIds:
    """A counter that never runs behind the clock, so ids stay unique across restarts without storage.

    The id is at least the number of `tick`s since 2025-01-01; with the default 0.1 s tick a restart can only
    reuse an id if more than 10 transactions per second were started on average since the process began, and
    ids fit the int32 many stations use until late 2031. A CPO with its own durable sequence injects that.
    """

    def __init__(self, clock: Callable[[], float] = time.time, tick: float = 0.1) -> None:
        self._clock = clock
        self._tick = tick
        self._last = 0

    def __call__(self) -> int:
        self._last = max(self._last + 1, int((self._clock() - _EPOCH) / self._tick))
        return self._last
