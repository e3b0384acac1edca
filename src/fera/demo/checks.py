"""What the stations drew, instant by instant: site power against capacity, and starving sessions (pure).

Every figure is rebuilt from each connector's own power timeline (`SimulationReport.connector_samples`):
the simulator records changes in the order its event loop runs the connectors, and on a loaded machine a
connector that follows its schedule's breakpoint late records it after other connectors' later instants.
A running total in that order would show the site over its capacity at instants where, in simulated
time, it never was.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.demo.scenario import SITES, Scenario, Site
from fera.ocpp.simulator import SessionReport, SimulationReport

__all__ = [
    "HEADROOM_W",
    "STARVED_FOR",
    "STARVED_W",
    "TOLERANCE_W",
    "Overload",
    "Starvation",
    "capacity_w",
    "overloads",
    "site_power",
    "starvations",
]

TOLERANCE_W = 1.0  # limits are written rounded down, so anything above the capacity is a real excess
STARVED_W = 1000.0  # a session held at or below this ...
STARVED_FOR = timedelta(minutes=15)  # ... for this long (simulated) ...
HEADROOM_W = 3000.0  # ... while its site had at least this much room left, and the car wanted energy

Samples = Sequence[tuple[datetime, float]]
Connectors = dict[tuple[str, int], list[tuple[datetime, float]]]


@dataclass(frozen=True)
class Overload:
    site: str
    at: datetime
    power_w: float
    capacity_w: float


@dataclass(frozen=True)
class Starvation:
    turn: int  # the EV's place in the day's arrivals (its token is SIM{turn:06d})
    evse: str
    since: datetime
    duration: timedelta


def capacity_w(site: Site, scenario: Scenario, t: datetime) -> float:
    return (site.cut_kw if t >= scenario.cut_at else site.capacity_kw) * 1000


def _at(samples: Samples, t: datetime) -> float:
    """The power in force at `t`: the last change at or before it (nothing drawn before the first)."""
    i = bisect_right([s for s, _ in samples], t)
    return samples[i - 1][1] if i else 0.0


def _site_connectors(samples: Connectors, site: Site, scenario: Scenario) -> list[Samples]:
    stations = {spec.station_id for spec, at in scenario.station_specs() if at is site}
    return [series for (station, _), series in samples.items() if station in stations]


def site_power(samples: Connectors, site: Site, scenario: Scenario) -> list[tuple[datetime, float]]:
    """The site's power after every change, at each simulated instant where a connector changed."""
    series = _site_connectors(samples, site, scenario)
    instants = sorted({t for one in series for t, _ in one})
    return [(t, sum(_at(one, t) for one in series)) for t in instants]


def overloads(simulation: SimulationReport, scenario: Scenario) -> list[Overload]:
    out = []
    for site in SITES:
        for t, watts in site_power(simulation.connector_samples, site, scenario):
            cap = capacity_w(site, scenario, t)
            if watts > cap + TOLERANCE_W:
                out.append(Overload(site.location_id, t, watts, cap))
    return out


def starvations(simulation: SimulationReport, scenario: Scenario) -> list[Starvation]:
    """Sessions held at <= 1 kW for >= 15 simulated minutes while their site had >= 3 kW of headroom
    and the car still needed energy."""
    sites = {spec.station_id: site for spec, site in scenario.station_specs()}
    out = []
    for turn, session in enumerate(simulation.sessions):
        if session.station_id is None or session.connector_id is None or session.transaction_id is None:
            continue
        site = sites[session.station_id]
        series = _site_connectors(simulation.connector_samples, site, scenario)
        own = simulation.connector_samples.get((session.station_id, session.connector_id), [])
        found = _starved(session, own, series, site, scenario)
        if found is not None:
            evse = f"{session.station_id}-{session.connector_id}"
            out.append(Starvation(turn, evse, found[0], found[1]))
    return out


def _starved(
    session: SessionReport, own: Samples, site: Sequence[Samples], where: Site, scenario: Scenario
) -> tuple[datetime, timedelta] | None:
    """The first stretch of starvation long enough to count, as (since, how long)."""
    end = session.ended or session.ev.departure
    mine = [(t, w) for t, w in own if session.ev.arrival <= t <= end]
    if not mine:
        return None
    instants = sorted({t for one in site for t, _ in one if mine[0][0] <= t < end} | {mine[0][0], end})
    if mine[0][0] < scenario.cut_at < end:
        instants = sorted({*instants, scenario.cut_at})
    need_wh, delivered_wh, since = session.ev.energy_kwh * 1000, 0.0, None
    for t, following in zip(instants, instants[1:], strict=False):
        power = _at(mine, t)
        room = capacity_w(where, scenario, t) - sum(_at(one, t) for one in site)
        starving = power <= STARVED_W and room >= HEADROOM_W and delivered_wh < need_wh - 1.0
        if starving and since is None:
            since = t
        elif not starving and since is not None:
            if t - since >= STARVED_FOR:
                return since, t - since
            since = None
        delivered_wh += power * (following - t).total_seconds() / 3600
    if since is not None and end - since >= STARVED_FOR:
        return since, end - since
    return None
