"""A simulated station's OCPP 2.0.1 face: answers the CSMS's profile calls, reports its sessions."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action
from websockets.exceptions import ConnectionClosed

from fera.ocpp._edge import ask, route_checked, validate_here
from fera.ocpp._meter import MeterReading, write_meter_value
from fera.ocpp._payloads import QuickPayloads
from fera.ocpp._profiles import composite_to_v201
from fera.ocpp._routing import after, is_call, on
from fera.ocpp._time import to_wire
from fera.ocpp.simulator.station import StationModel

__all__ = ["SimStationV201"]


class SimStationV201(QuickPayloads, ChargePoint):  # type: ignore[misc]  # ocpp ships no type hints
    ocpp_version = "2.0.1"

    def __init__(self, model: StationModel, connection: Any, response_timeout: float) -> None:
        super().__init__(model.spec.station_id, connection, response_timeout=response_timeout)
        validate_here(self)  # what it receives is checked on arrival, what it sends by the gateway
        self.model = model
        self._seq_no = 0

    async def route_message(self, raw_msg: str) -> None:
        if self.model.spec.silent and is_call(raw_msg):
            return  # a silent station drops the CSMS's requests, still reads its answers
        await route_checked(self, raw_msg)  # checked as it arrives (`_edge`), not in threads

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        accepted = self.model.set_wire_profile(charging_profile, evse_id)
        return call_result.SetChargingProfile(status="Accepted" if accepted else "Rejected")

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        criteria = charging_profile_criteria or {}
        cleared = self.model.clear_profiles(
            charging_profile_id,
            criteria.get("evse_id"),
            criteria.get("charging_profile_purpose"),
            criteria.get("stack_level"),
        )
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        rate = self.model.composite(evse_id, duration, charging_rate_unit)
        if rate is None:
            return call_result.GetCompositeSchedule(status="Rejected")
        return call_result.GetCompositeSchedule(status="Accepted", schedule=composite_to_v201(rate, evse_id))

    @on(Action.get_base_report)
    def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> call_result.GetBaseReport:
        return call_result.GetBaseReport(status="Accepted")

    @after(Action.get_base_report)
    async def after_get_base_report(self, request_id: int, **_: Any) -> None:
        """The inventory: each EVSE (of one connector) and its connector, available."""
        report = [
            {
                "component": {"name": name, "evse": evse},
                "variable": {"name": "AvailabilityState"},
                "variable_attribute": [{"value": "Available"}],
            }
            for n in self.model.connectors
            for name, evse in (("EVSE", {"id": n}), ("Connector", {"id": n, "connector_id": 1}))
        ]
        request = call.NotifyReport(
            request_id=request_id, generated_at=to_wire(self.model.clock.now()), seq_no=0, report_data=report
        )
        with contextlib.suppress(
            OCPPError, TimeoutError, ConnectionClosed
        ):  # the CSMS went away: no one to tell
            await ask(self, request)

    async def boot(self) -> bool:
        station = {"vendor_name": "FERA", "model": "Simulator"}
        result = await ask(self, call.BootNotification(charging_station=station, reason="PowerUp"))
        return bool(result.status == "Accepted")

    async def status(self, connector_id: int, state: str) -> None:
        if state not in ("available", "plugged"):
            return  # 2.0.1 connectors only know Available and Occupied: still Occupied
        status = "Available" if state == "available" else "Occupied"
        request = call.StatusNotification(
            timestamp=to_wire(self.model.clock.now()),
            connector_status=status,
            evse_id=connector_id,
            connector_id=1,
        )
        await ask(self, request)

    async def authorize(self, id_token: str) -> bool:
        result = await ask(self, call.Authorize(id_token=_token(id_token)))
        return bool(result.id_token_info["status"] == "Accepted")

    async def start_transaction(self, connector_id: int, id_token: str, meter_wh: float, t: datetime) -> str:
        transaction_id = uuid.uuid4().hex
        # The station owns 2.0.1 transaction ids: the model knows it before the CSMS could send a TxProfile.
        self.model.begin(connector_id, transaction_id, t)
        reading = MeterReading(t, meter_wh)
        await self._event("Started", "Authorized", transaction_id, reading, connector_id, _token(id_token))
        return transaction_id

    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None:
        trigger = "ChargingRateChanged" if changed else "MeterValuePeriodic"
        await self._event("Updated", trigger, transaction_id, reading)

    async def stop_transaction(
        self, connector_id: int, transaction_id: str, meter_wh: float, t: datetime
    ) -> None:
        reading = MeterReading(t, meter_wh)
        await self._event("Ended", "EVDeparted", transaction_id, reading, stopped_reason="EVDisconnected")

    async def _event(
        self,
        event_type: str,
        trigger: str,
        transaction_id: str,
        reading: MeterReading,
        evse_id: int | None = None,
        id_token: dict[str, str] | None = None,
        stopped_reason: str | None = None,
    ) -> None:
        self._seq_no += 1
        info = {"transaction_id": transaction_id, "stopped_reason": stopped_reason}
        request = call.TransactionEvent(
            event_type=event_type,
            timestamp=to_wire(reading.timestamp),
            trigger_reason=trigger,
            seq_no=self._seq_no,
            transaction_info={k: v for k, v in info.items() if v is not None},
            meter_value=[write_meter_value(reading, self.ocpp_version)],
            evse=None if evse_id is None else {"id": evse_id, "connector_id": 1},
            id_token=id_token,
        )
        await ask(self, request)


def _token(id_token: str) -> dict[str, str]:
    return {"id_token": id_token, "type": "ISO14443"}
