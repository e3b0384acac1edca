"""A simulated station's OCPP 1.6 face: answers the CSMS's profile calls, reports its sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from fera.ocpp._edge import ask, route_checked, validate_here
from fera.ocpp._meter import MeterReading, write_meter_value
from fera.ocpp._payloads import QuickPayloads
from fera.ocpp._profiles import composite_to_v16
from fera.ocpp._routing import is_call, on
from fera.ocpp._time import to_wire
from fera.ocpp.simulator.station import StationModel

__all__ = ["SimStationV16"]

_STATUS = {"available": "Available", "plugged": "Preparing", "charging": "Charging", "finishing": "Finishing"}


class SimStationV16(QuickPayloads, ChargePoint):  # type: ignore[misc]  # ocpp ships no type hints
    ocpp_version = "1.6"

    def __init__(self, model: StationModel, connection: Any, response_timeout: float) -> None:
        super().__init__(model.spec.station_id, connection, response_timeout=response_timeout)
        validate_here(self)  # what it receives is checked on arrival, what it sends by the gateway
        self.model = model

    async def route_message(self, raw_msg: str) -> None:
        if self.model.spec.silent and is_call(raw_msg):
            return  # a silent station drops the CSMS's requests, still reads its answers
        await route_checked(self, raw_msg)  # checked as it arrives (`_edge`), not in threads

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any]
    ) -> call_result.SetChargingProfile:
        accepted = self.model.set_wire_profile(cs_charging_profiles, connector_id)
        return call_result.SetChargingProfile(status="Accepted" if accepted else "Rejected")

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
    ) -> call_result.ClearChargingProfile:
        cleared = self.model.clear_profiles(id, connector_id, charging_profile_purpose, stack_level)
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None
    ) -> call_result.GetCompositeSchedule:
        rate = self.model.composite(connector_id, duration, charging_rate_unit)
        if rate is None:
            return call_result.GetCompositeSchedule(status="Rejected")
        assert rate.start_date_time is not None  # profile_from_schedule sets it
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=to_wire(rate.start_date_time),
            charging_schedule=composite_to_v16(rate),
        )

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None) -> call_result.GetConfiguration:
        known = {"NumberOfConnectors": str(len(self.model.connectors))}
        wanted = known if key is None else {k: known[k] for k in key if k in known}
        unknown = [k for k in key or [] if k not in known]
        keys = [{"key": k, "readonly": True, "value": v} for k, v in wanted.items()]
        return call_result.GetConfiguration(configuration_key=keys, unknown_key=unknown or None)

    async def boot(self) -> bool:
        request = call.BootNotification(charge_point_model="Simulator", charge_point_vendor="FERA")
        result = await ask(self, request)
        return bool(result.status == "Accepted")

    async def status(self, connector_id: int, state: str) -> None:
        request = call.StatusNotification(
            connector_id=connector_id, error_code="NoError", status=_STATUS[state], timestamp=self._now()
        )
        await ask(self, request)

    async def authorize(self, id_token: str) -> bool:
        result = await ask(self, call.Authorize(id_tag=id_token))
        return bool(result.id_tag_info["status"] == "Accepted")

    async def start_transaction(self, connector_id: int, id_token: str, meter_wh: float, t: datetime) -> str:
        request = call.StartTransaction(
            connector_id=connector_id, id_tag=id_token, meter_start=int(meter_wh), timestamp=to_wire(t)
        )
        result = await ask(self, request)
        return str(result.transaction_id)

    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None:
        meter_value = [write_meter_value(reading, self.ocpp_version)]
        request = call.MeterValues(
            connector_id=connector_id, meter_value=meter_value, transaction_id=int(transaction_id)
        )
        await ask(self, request)

    async def stop_transaction(
        self, connector_id: int, transaction_id: str, meter_wh: float, t: datetime
    ) -> None:
        request = call.StopTransaction(
            meter_stop=int(meter_wh),
            timestamp=to_wire(t),
            transaction_id=int(transaction_id),
            reason="EVDisconnected",
        )
        await ask(self, request)

    def _now(self) -> str:
        return to_wire(self.model.clock.now())
