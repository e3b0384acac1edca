"""Turns at a site whose minimum rates don't all fit: least taken first, handed over ahead (pure).

When the sessions' minimum charging rates don't all fit (a cut, more cars than the connection can run at
6 A), some must wait at 0. Who waits was "the latest to arrive", for as long as the others stayed: a car that
came after the cut sat at 0 for an hour beside cars that had each taken 30 kWh, and left with a sixth of what
it could have had. Nobody knows when a car whose driver stated nothing leaves, and a short stay is what is
lost: so the sessions that have taken least so far charge first (a newcomer at once), as the SCSP's turns do
(`fera.scsp.planning_turns`).

A session holding its minimum keeps it until it has taken `TURN_WH` more than the least-served one waiting,
so turns last (each hand-over is a TxProfile to two stations) and don't swap at every computation. The share
schedule carries each hand-over of the next `TURNS_AHEAD`, at the instant the holder's projected energy (what
its share lets its car take) gets there: the stations make it on their own clocks (the holder's step down
comes `DROP_LEAD` earlier), no round trip needed. Stated needs keep their own order (least laxity) first.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from fera.charging.site_model import SiteDemand

__all__ = ["TURNS_AHEAD", "TURN_WH", "next_hand_over", "projected", "turn_order"]

# What a holder takes beyond the least-served waiting session before it hands over: at a three-phase 6 A
# minimum (4.1 kW) about 22 minutes, at a single-phase one (1.4 kW) about an hour.
TURN_WH = 1500.0
# How far ahead hand-overs are planned: each is an instant at which every share is computed again (a site of
# 100 sessions planned 48 h ahead took seconds); the site is computed again when this has passed.
TURNS_AHEAD = timedelta(hours=1)
_EPS = 1e-9


def turn_order(
    demands: Sequence[SiteDemand], urgent: Sequence[int], taken_wh: Sequence[float], holding: Collection[int]
) -> list[int]:
    """Who keeps a minimum rate when not all fit (first = last to wait): stated needs in their order, then
    the others least taken first, a holder counted `TURN_WH` lower (it keeps its turn until then)."""
    rest = set(range(len(demands))) - set(urgent)

    def key(i: int) -> tuple[float, datetime, str]:
        lead = TURN_WH if i in holding else 0.0
        return taken_wh[i] - lead, demands[i].arrived, demands[i].session_id

    return [*urgent, *sorted(rest, key=key)]


def _rate_w(demand: SiteDemand, amps: float) -> float:
    """What a share of `amps` lets the car take (W): no more than it is known to take."""
    car = math.inf if demand.car_a is None else demand.car_a
    return min(amps, car) * demand.draw_w_per_amp


def projected(
    demands: Sequence[SiteDemand], taken_wh: Sequence[float], amps: Sequence[float], span: timedelta
) -> list[float]:
    """Each session's energy after `span` at `amps`."""
    hours = span.total_seconds() / 3600
    return [taken_wh[i] + _rate_w(d, amps[i]) * hours for i, d in enumerate(demands)]


def next_hand_over(
    demands: Sequence[SiteDemand],
    taken_wh: Sequence[float],
    amps: Sequence[float],
    holders: Collection[int],
    waiting: Collection[int],
    t: datetime,
) -> datetime | None:
    """When a holder will have taken `TURN_WH` more than the least-served waiting session, at `amps`."""
    if not holders or not waiting:
        return None
    least = min(taken_wh[i] for i in waiting)
    times = []
    for i in holders:
        rate, left_wh = _rate_w(demands[i], amps[i]), least + TURN_WH - taken_wh[i]
        if rate > _EPS and left_wh > 0:  # one past its line still holds: its minimum alone freed too little
            times.append(t + timedelta(seconds=math.ceil(left_wh / rate * 3600) + 1))  # past the line
    return min(times, default=None)
