"""The two Protocols that join the OCPP gateway and the CPO service, one per direction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fera.charging import OcppChargingProfile, SchedulePeriod

__all__ = ["CompositeSchedule", "ProfileResult", "StationEvents", "StationLink"]


class ProfileResult(StrEnum):
    """Outcome of a profile command, in OCPI's ChargingProfileResultType words."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class CompositeSchedule:
    """What a station reports it will apply: periods start `start_period` seconds after `start`."""

    start: datetime
    unit: str
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None


class StationLink(Protocol):
    """Commands the CPO sends to a station.

    Never hangs and never raises on the station's behalf: a station that is disconnected, answers with a
    CallError or stays silent past the call timeout yields REJECTED (set/clear) or None (composite).
    `evse_id` is the OCPP 2.0.1 EVSE id, or the OCPP 1.6 connector id.
    """

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult: ...

    async def clear_tx_profile(self, station_id: str, evse_id: int, transaction_id: str) -> ProfileResult: ...

    async def set_default_profile(self, station_id: str, profile: OcppChargingProfile) -> ProfileResult:
        """A TxDefaultProfile for the whole station (what a transaction gets before its TxProfile)."""
        ...

    async def get_composite_schedule(
        self, station_id: str, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None: ...

    def is_connected(self, station_id: str) -> bool: ...


class StationEvents(Protocol):
    """What stations report, as the CPO service receives it.

    The station waits for each of these to return before its next message is handled, so keep them short
    and start follow-up commands (e.g. a TxProfile after `transaction_started`) in a task of their own: an
    OCPP 1.6 station only learns its transaction id once `transaction_started` has returned.
    OCPP 1.6 connectors are reported as EVSEs of one connector: evse_id = connectorId, connector_id = 1.
    """

    async def station_connected(
        self, station_id: str, ocpp_version: str, vendor: str, model: str
    ) -> None: ...

    async def station_disconnected(self, station_id: str) -> None: ...

    async def connector_status(self, station_id: str, evse_id: int, connector_id: int, status: str) -> None:
        """`status` is already an OCPI EVSE status (AVAILABLE, CHARGING, BLOCKED, ...)."""

    async def evses_reported(self, station_id: str, evses: Sequence[tuple[int, int]]) -> None:
        """The station's inventory, as (evse_id, connector_id) pairs, asked for after its boot: OCPP 1.6
        GetConfiguration NumberOfConnectors, OCPP 2.0.1 GetBaseReport FullInventory (then NotifyReport)."""

    async def authorize(self, station_id: str, id_token: str) -> bool: ...

    async def transaction_started(
        self,
        station_id: str,
        evse_id: int,
        connector_id: int,
        transaction_id: str,
        id_token: str,
        meter_start_wh: float,
        timestamp: datetime,
    ) -> None: ...

    async def meter_values(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        energy_wh: float,
        power_w: float | None,
        current_a: float | None,
    ) -> None: ...

    async def transaction_stopped(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        meter_stop_wh: float,
        reason: str | None,
    ) -> None: ...
