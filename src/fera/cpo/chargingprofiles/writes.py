"""Which sessions' inputs this process wrote after a moment: a snapshot read before is current without them.

A count of writes per session kept one entry for every session a process had ever steered: a long-running
CPO's memory grew with its history. Here one count runs over every write; each session remembers the count
at its last write, and only the `keep` sessions written last are remembered: a session forgotten counts as
written at the newest forgotten count, so a snapshot older than that is read again (never wrongly kept).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

__all__ = ["Writes"]

# Sessions remembered: a snapshot lives from a request's accept to its job's start (seconds), while this many
# other sessions' inputs would be written only at hundreds of writes a second for minutes.
KEEP = 50_000


class Writes:
    def __init__(self, keep: int = KEEP) -> None:
        self._count = 0  # every session's writes so far
        self._last: OrderedDict[str, int] = OrderedDict()  # upper-cased id -> the count at its last write
        self._floor = 0  # the sessions forgotten were last written at or before this count
        self._keep = keep

    def now(self) -> int:
        """The moment to give `since` later: taken before the transaction that reads a snapshot begins."""
        return self._count

    def wrote(self, session_ids: Iterable[str]) -> None:
        """These sessions' inputs were just committed (a kept profile, a push)."""
        for session_id in session_ids:
            self._count += 1
            key = session_id.upper()
            self._last[key] = self._count
            self._last.move_to_end(key)
        while len(self._last) > self._keep:
            self._floor = self._last.popitem(last=False)[1]

    def since(self, session_id: str, moment: int) -> bool:
        """Whether the session's inputs may have been written after `moment` (a value of `now`)."""
        return self._last.get(session_id.upper(), self._floor) > moment

    def __len__(self) -> int:
        return len(self._last)
