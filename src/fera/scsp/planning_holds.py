"""The CPO's holds on the sessions a steering party steers: planned with only once they last (pure).

A CPO holds a session when its ActiveChargingProfile is below the profile we sent (its site limit, another
sender's profile). Planning with a hold gives what the car can't take to the others, for one step; then the
plan is tried again, so a hold never becomes a permanent 0.

Most holds don't last: a CPO's site manager lowers the others before it raises a car (the raised share waits
meanwhile), and a new session shares the site until its sender's profile arrives. Planned with at once, such
a hold held site B's one charging car at its 6 A minimum for a whole step (and a hold of 0 read during a
raise stopped a car), while the rest of the site's 8 kW was too little for another car. So a hold is planned
with only once it has lasted `step` (the CPO showing no change of it meanwhile), and ends as soon as the CPO
shows the car no longer held.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fera.scsp.planning_inputs import SessionKey

__all__ = ["Holds"]


class Holds:
    def __init__(self, step: timedelta) -> None:
        self.step = step
        self._since: dict[SessionKey, datetime] = {}  # held since (the first push showing it)
        self._level: dict[SessionKey, float] = {}  # the CPO's limit (W), as its last push showed it
        self._until: dict[SessionKey, datetime] = {}  # planned with until then

    def seen(self, key: SessionKey, held_w: float | None, now: datetime) -> bool:
        """A push from the CPO: held at `held_w`, or not held (None). True if a hold planned with ended."""
        if held_w is None:
            return self.forget(key)
        self._since.setdefault(key, now)
        self._level[key] = held_w
        return False

    def level(self, key: SessionKey) -> float | None:
        """The CPO's limit on a held session (planned with or not yet)."""
        return self._level.get(key)

    def in_force(self, now: datetime) -> dict[SessionKey, float]:
        """The holds to plan with now: those that lasted a step, each for one step; then tried again (the
        hold has to last a step anew)."""
        for key, until in list(self._until.items()):
            if now >= until:
                del self._until[key]
                self._since[key] = now
        for key, since in self._since.items():
            if now - since >= self.step and key not in self._until:
                self._until[key] = now + self.step
        return {key: self._level[key] for key in self._until if key in self._level}

    def forget(self, key: SessionKey) -> bool:
        """No hold (any more); True if one was planned with."""
        self._since.pop(key, None)
        self._level.pop(key, None)
        return self._until.pop(key, None) is not None
