"""The configured stations: who may connect, and which OCPI EVSE each OCPP EVSE/connector stands for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fera.config import StationConfig

__all__ = ["EvseRef", "StationDirectory"]


@dataclass(frozen=True)
class EvseRef:
    location_id: str
    evse_uid: str
    connector_id: str


class StationDirectory:
    def __init__(self, stations: Sequence[StationConfig]) -> None:
        self._stations = {s.id: s for s in stations}
        if len(self._stations) < len(stations):
            raise ValueError("station ids must be unique")
        self._evses = {
            (s.id, e.ocpp_id): EvseRef(s.location, e.evse_uid, e.connector_id)
            for s in stations
            for e in s.evses
        }

    def admitted(self) -> dict[str, str | None]:
        """The gateway's `stations`: each id with its Basic-auth password (None: admitted by id alone)."""
        return {station_id: s.password for station_id, s in self._stations.items()}

    def station(self, station_id: str) -> StationConfig | None:
        return self._stations.get(station_id)

    def evse(self, station_id: str, ocpp_evse_id: int) -> EvseRef | None:
        """The OCPI EVSE behind an OCPP 2.0.1 EVSE id or OCPP 1.6 connector id; None when not configured."""
        return self._evses.get((station_id, ocpp_evse_id))

    def evses(self, station_id: str) -> list[EvseRef]:
        return [ref for (sid, _), ref in self._evses.items() if sid == station_id]
