"""What a site is made of, for `site` and `site_turns` (pure): its levels and the sessions behind them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fera.charging.schedule import Schedule

__all__ = ["CONNECTION", "PHASES", "SiteDemand", "SiteLevel"]

CONNECTION = ""  # the level id of the site's grid connection; every session is under it
PHASES = ("L1", "L2", "L3")


@dataclass(frozen=True)
class SiteLevel:
    """The connection or a sub-board: per-phase fuse (A) by phase name, total limit (W); absent = none."""

    id: str = CONNECTION
    phase_a: Mapping[str, Schedule] = field(default_factory=dict)
    total_w: Schedule | None = None


@dataclass(frozen=True)
class SiteDemand:
    """One session. `limit` (W) is what it may take on its own (senders' profiles, hardware).

    `watts_per_amp` converts its limits between W and A as its TxProfile will (V x the EVSE's phases);
    `draw_w_per_amp` is what one amp per phase really draws in total (V x the phases the car uses).
    """

    session_id: str
    limit: Schedule
    arrived: datetime  # who waits first when minimum rates don't fit
    min_rate_w: float = 0.0
    phases: tuple[str, ...] = PHASES
    boards: tuple[str, ...] = ()  # the sub-boards it is under, innermost first
    watts_per_amp: float = 690.0
    draw_w_per_amp: float = 690.0
    departure: datetime | None = None  # stated by the driver (with `need_wh`)
    need_wh: float = 0.0  # the stated energy still needed, as of the computation's start
    # The most the car is known to take (A per phase, as `watts_per_amp` counts; `car_amps`); None before
    # any reading: a stated need then comes first only at its on-time rate (a car put first with more than
    # it takes would hold the others at 0 while it draws a fraction).
    car_a: float | None = math.inf
    # Its own maximum (A, as `car_a`), once a reading showed it drawing clearly below what it was allowed
    # (`car_max_amps`): no session is given more, whether its driver stated anything or not; what it could
    # not take goes to the others.
    car_max_a: float | None = None
    taken_wh: float = 0.0  # what it has taken so far, as of the computation's start: whose turn it is

    def under(self, level: str) -> bool:
        return level == CONNECTION or level in self.boards
