"""Simulated OCPP 1.6 / 2.0.1 stations and EVs, in accelerated time, against a real gateway."""

from fera.ocpp.simulator.clock import SimClock
from fera.ocpp.simulator.config import SimulationConfig, StationSpec, gateway_stations, station_specs
from fera.ocpp.simulator.evs import EvArrival, generate_evs, read_evs_csv
from fera.ocpp.simulator.run import SimulationError, SimulationReport, StationRefused, run_simulation
from fera.ocpp.simulator.session import PowerTracker, SessionReport

__all__ = [
    "EvArrival",
    "PowerTracker",
    "SessionReport",
    "SimClock",
    "SimulationConfig",
    "SimulationError",
    "SimulationReport",
    "StationRefused",
    "StationSpec",
    "gateway_stations",
    "generate_evs",
    "read_evs_csv",
    "run_simulation",
    "station_specs",
]
