"""The node's domain clock: session times, plans and profile starts. Real time unless configured faster.

Several processes (a demo's nodes and its simulated stations) agree on simulated time because each computes
it from the same two instants: simulated `start` corresponds to wall-clock `real_start`, then it runs
`speed` times faster. OCPI timeouts and network waits stay in real seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Clock"]


@dataclass(frozen=True)
class Clock:
    start: datetime | None = None  # simulated time at `real_start`; None: real time
    real_start: datetime | None = None
    speed: float = 1.0
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)

    def now(self) -> datetime:
        return self.of_wall(self.wall())

    def of_wall(self, real: datetime) -> datetime:
        """The domain time at a wall-clock instant (to show an OCPI request's real time beside sessions)."""
        if self.start is None:
            return real
        origin = self.real_start or real
        return self.start + timedelta(seconds=(real - origin).total_seconds() * self.speed)

    def label(self) -> str:
        """How an operator is told which clock the times are on."""
        return "UTC" if self.start is None else f"simulated clock (×{self.speed:g}), UTC"

    def real_seconds(self, simulated: timedelta) -> float:
        """How long a simulated span lasts on the wall clock."""
        return simulated.total_seconds() / self.speed
