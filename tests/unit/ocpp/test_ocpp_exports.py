"""The public surface of fera.ocpp and its simulator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import fera.ocpp
import fera.ocpp.simulator


def test_public_names() -> None:
    assert sorted(fera.ocpp.__all__) == [
        "ClockTransactionIds",
        "CompositeSchedule",
        "OcppGateway",
        "ProfileResult",
        "StationEvents",
        "StationLink",
        "TransactionIdFactory",
    ]
    assert sorted(fera.ocpp.simulator.__all__) == [
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
    for module in (fera.ocpp, fera.ocpp.simulator):
        assert all(hasattr(module, name) for name in module.__all__)


def test_profile_results_are_ocpis() -> None:
    assert [r.value for r in fera.ocpp.ProfileResult] == ["ACCEPTED", "REJECTED", "UNKNOWN"]


def test_the_gateway_is_a_station_link() -> None:
    link: fera.ocpp.StationLink = fera.ocpp.OcppGateway(_NoEvents(), {})  # checked by mypy
    assert not link.is_connected("CS")


class _NoEvents:
    async def station_connected(
        self, station_id: str, ocpp_version: str, vendor: str, model: str
    ) -> None: ...
    async def station_disconnected(self, station_id: str) -> None: ...
    async def connector_status(
        self, station_id: str, evse_id: int, connector_id: int, status: str
    ) -> None: ...
    async def evses_reported(self, station_id: str, evses: Sequence[tuple[int, int]]) -> None: ...
    async def authorize(self, station_id: str, id_token: str) -> bool:
        return False

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
