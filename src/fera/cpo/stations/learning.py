"""EVSEs and connectors the configuration leaves out, learnt from what stations report.

A station in `[[stations]]` may list fewer `evses` than it has (or none): an OCPP EVSE (2.0.1) or connector
(1.6) it reports that the configuration doesn't map becomes the OCPI EVSE `{station_id}-{ocpp_id}` of the
station's location, with the reported status, CHARGING_PROFILE_CAPABLE and a default AC connector (edit it
later with `fera locations import`). A configured EVSE missing from the location is added the same way.
Each addition is pushed to partners by the CPO's Locations domain API. What a station reports at a location
that doesn't exist yet waits (its latest status kept) until the location is imported.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pydantic import ValidationError

from fera.cpo.locations import CpoLocations
from fera.cpo.stations.directory import EvseRef, StationDirectory
from fera.exchange._objects import find_connector, find_evse
from fera.ocpi.errors import OcpiError
from fera.ocpi.locations.models import EVSE, Capability, Connector, Status
from fera.sessions_events import LocationChanged

__all__ = ["EvseLearner", "default_connector"]

log = logging.getLogger(__name__)


def default_connector(connector_id: str, at: datetime) -> Connector:
    """What most AC stations have: a Type 2 socket, three phases, 32 A (22 kW)."""
    return Connector.model_validate(
        {
            "id": connector_id,
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "max_voltage": 230,
            "max_amperage": 32,
            "max_electric_power": 22_000,
            "last_updated": at,
        }
    )


class EvseLearner:
    def __init__(self, locations: CpoLocations, directory: StationDirectory) -> None:
        self._locations, self._directory = locations, directory
        self._present: set[EvseRef] = set()  # known to be in their location (saves a read per report)
        self._learnt: dict[str, set[EvseRef]] = {}  # station id -> EVSEs not in its configuration
        # What stations reported at a location not imported yet: learnt once it is (location id upper-cased).
        self._waiting: dict[str, dict[tuple[str, int, int], Status]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def evses(self, station_id: str) -> list[EvseRef]:
        """Every EVSE of the station: configured and learnt."""
        return [*self._directory.evses(station_id), *sorted(self._learnt.get(station_id, ()), key=str)]

    def waiting(self, location_id: str) -> list[tuple[str, int, int]]:
        """(station id, evse id, connector id) reported at a location that isn't there yet."""
        return sorted(self._waiting.get(location_id.upper(), {}))

    async def ref(
        self, station_id: str, evse_id: int, connector_id: int, status: Status, at: datetime
    ) -> tuple[EvseRef, bool] | None:
        """The OCPI EVSE behind a reported OCPP EVSE/connector, added to the location if missing (and
        whether it was added just now, with `status`); None for a station or location we don't know."""
        station = self._directory.station(station_id)
        if station is None:
            return None
        configured = self._directory.evse(station_id, evse_id)
        ref = configured or EvseRef(station.location, f"{station_id}-{evse_id}", str(connector_id))
        if ref in self._present:
            return ref, False
        try:
            added = await self._add(ref, status, at)
        except (OcpiError, ValidationError) as exc:  # no such location (yet); a station id too long for a uid
            log.warning("station %s: EVSE %s not added to %s: %s", station_id, evse_id, ref.location_id, exc)
            if isinstance(exc, OcpiError):
                self._wait(ref.location_id, (station_id, evse_id, connector_id), status)
            return None
        self._present.add(ref)
        if configured is None:
            self._learnt.setdefault(station_id, set()).add(ref)
        return ref, added

    def _wait(self, location_id: str, report: tuple[str, int, int], status: Status) -> None:
        """Keep the latest status; an inventory's UNKNOWN doesn't hide one the station reported."""
        waiting = self._waiting.setdefault(location_id.upper(), {})
        if status is not Status.UNKNOWN or report not in waiting:
            waiting[report] = status

    async def location_changed(self, event: LocationChanged) -> None:
        """One of our locations changed (e.g. imported): learn what its stations reported before it existed.

        In a task of its own: learning changes the location again, which must not happen inside the
        publication of this change."""
        waiting = None if event.source_partner_id else self._waiting.pop(event.location.id.upper(), None)
        if waiting:
            task = asyncio.get_running_loop().create_task(self._learn(waiting, event.location.last_updated))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _learn(self, waiting: dict[tuple[str, int, int], Status], at: datetime) -> None:
        for (station_id, evse_id, connector_id), status in waiting.items():
            await self.ref(station_id, evse_id, connector_id, status, at)

    async def _add(self, ref: EvseRef, status: Status, at: datetime) -> bool:
        location = await self._locations.location(ref.location_id)
        evse = None if location is None else find_evse(location, ref.evse_uid)
        connector = default_connector(ref.connector_id, at)
        if evse is None:
            capabilities = [Capability.CHARGING_PROFILE_CAPABLE, Capability.RFID_READER]
            new = EVSE(
                uid=ref.evse_uid,
                status=status,
                capabilities=capabilities,
                connectors=[connector],
                last_updated=at,
            )
            await self._locations.add_evse(ref.location_id, new)
            log.info("learnt EVSE %s at %s from its station", ref.evse_uid, ref.location_id)
            return True
        if find_connector(evse, ref.connector_id) is None:
            await self._locations.add_connector(ref.location_id, ref.evse_uid, connector)
            log.info("learnt connector %s of EVSE %s from its station", ref.connector_id, ref.evse_uid)
        return False
