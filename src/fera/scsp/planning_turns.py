"""Whose turn it is at a limit shared below the minimum rate, kept from one re-plan to the next (pure).

A session planned at its minimum rate or more at the first step of a plan holds its turn for `TURN` from
when it began (going on after it, it starts another); one that stops waits from then. The planner is given
each holder's turn end and each session's last turn end (`PlannedSession.holding_until`, `waiting_since`):
it plans every hand-over of its horizon at its step (`fera.planning._turns`), the same one at every re-plan
until it comes, so both cars' profiles carry it ahead and the stations make it on their own clocks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Generic, TypeVar

from fera.planning import Plan, Session
from fera.planning.profile import TURN

__all__ = ["TurnBook"]

Key = TypeVar("Key", bound=Hashable)


class TurnBook(Generic[Key]):
    def __init__(self) -> None:
        self.since: dict[Key, datetime] = {}  # since when each session charges in the plan, in a row
        self.waited: dict[Key, datetime] = {}  # when each session's last turn ended

    def keep(self, plan: Plan, sessions: Iterable[tuple[Key, Session]], now: datetime) -> None:
        """What the plan made at `now` (`plan.start`) says of each session's turn."""
        for key, session in sessions:
            power = plan.schedule(session.id)[0]
            since = self.since.get(key)
            if power > 0 and power >= session.min_rate_w - 1e-6:
                if since is None or now - since >= TURN:
                    self.since[key] = now
            elif since is not None:
                self.waited[key] = now
                del self.since[key]

    def holding(self, now: datetime) -> dict[Key, datetime]:
        """The sessions charging in their turn, and when it ends."""
        return {key: since + TURN for key, since in self.since.items() if now - since < TURN}

    def waiting(self, now: datetime) -> dict[Key, datetime]:
        """When each session's last turn ended: a turn that has run out ended then, even if the session goes
        on charging until the plan hands over (else it would count as waiting since it arrived: first)."""
        ended = {key: since + TURN for key, since in self.since.items() if now - since >= TURN}
        return self.waited | ended

    def forget(self, key: Key) -> None:
        self.since.pop(key, None)
        self.waited.pop(key, None)
