"""Work over a list, started on a second thread while the caller is busy elsewhere.

`_columns` knows the first pricing round's prices (what the blocks' allotted shares are worth) before the
master's first LP, whose primal simplex runs on one thread: the blocks are re-solved at those prices on the
second core meanwhile. When the master is done, the caller joins in on the blocks left (`results`), or,
when that LP already proved the gap, drops them (`cancel`: the blocks in progress finish, ~3 ms each).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")


class Ahead(Generic[Item, Result]):
    """`work` over `items` on a thread of its own, each item taken once by whichever thread is free."""

    def __init__(self, work: Callable[[Item], Result], items: Sequence[Item]) -> None:
        self._work, self._items = work, items
        self._out: list[Result | None] = [None] * len(items)
        self._lock = threading.Lock()
        self._next = 0
        self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="fera-planning-ahead", daemon=True)
        self._thread.start()

    def results(self) -> list[Result]:
        """Every item's result, in order, the calling thread working on the items left; a failure of
        either thread is raised here."""
        self._drain()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return cast(list[Result], self._out)

    def stop(self) -> None:
        """Take no more items (the ones in progress go on)."""
        with self._lock:
            self._stop = True

    def cancel(self) -> None:
        """Take no more items and wait for the ones in progress."""
        self.stop()
        self._thread.join()

    def _take(self) -> int | None:
        with self._lock:
            if self._stop or self._next >= len(self._items):
                return None
            self._next += 1
            return self._next - 1

    def _drain(self) -> None:
        try:
            while (k := self._take()) is not None:
                self._out[k] = self._work(self._items[k])
        except BaseException as error:  # re-raised by `results` in the caller's thread
            with self._lock:
                self._stop = True
                self._error = self._error or error
