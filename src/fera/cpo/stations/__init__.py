"""The CPO's OCPP stations: station events into Locations/Sessions, transaction bindings, the gateway."""

from fera.cpo.stations.authorization import Authorization, StationAuthorizer, cdr_token
from fera.cpo.stations.bindings import StationBindings
from fera.cpo.stations.directory import EvseRef, StationDirectory
from fera.cpo.stations.events import CpoStationEvents, KnownStation
from fera.cpo.stations.service import CpoStations, stations_parts

__all__ = [
    "Authorization",
    "CpoStationEvents",
    "CpoStations",
    "EvseRef",
    "KnownStation",
    "StationBindings",
    "StationAuthorizer",
    "StationDirectory",
    "cdr_token",
    "stations_parts",
]
