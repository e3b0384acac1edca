"""The gateway's side of an OCPP 1.6 connection: station messages in, profile commands out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

from fera.charging import OcppChargingProfile
from fera.ocpp._edge import ask, validate_here
from fera.ocpp._frames import route_frame
from fera.ocpp._inventory import INVENTORY_FAILURES, LOGGER, spawn
from fera.ocpp._meter import read_meter_values
from fera.ocpp._payloads import QuickPayloads
from fera.ocpp._profiles import composite_from_wire, profile_to_wire, tx_profile
from fera.ocpp._routing import after, on
from fera.ocpp._status import ocpi_status_v16
from fera.ocpp._time import from_wire, to_wire
from fera.ocpp.ids import TransactionIdFactory
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationEvents

__all__ = ["StationV16"]

HEARTBEAT_S = 300


def _id_tag_info(accepted: bool) -> dict[str, str]:
    return {"status": AuthorizationStatus.accepted if accepted else AuthorizationStatus.invalid}


class StationV16(QuickPayloads, ChargePoint):  # type: ignore[misc]  # ocpp ships no type hints
    ocpp_version = "1.6"

    def __init__(
        self,
        station_id: str,
        connection: Any,
        events: StationEvents,
        new_transaction_id: TransactionIdFactory,
        call_timeout: float,
    ) -> None:
        super().__init__(station_id, connection, response_timeout=call_timeout)
        validate_here(self)
        self._events = events
        self._new_transaction_id = new_transaction_id
        self._connector_of: dict[int, int] = {}  # running transaction id -> connector id
        self._tasks: set[asyncio.Task[None]] = set()
        self.booted = False

    async def route_message(self, raw: str) -> None:
        await route_frame(self, raw)  # the library's routing, with malformed frames answered (see _frames)

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **_: Any
    ) -> call_result.BootNotification:
        await self._events.station_connected(
            self.id, self.ocpp_version, charge_point_vendor, charge_point_model
        )
        self.booted = True
        return call_result.BootNotification(
            current_time=to_wire(datetime.now(UTC)), interval=HEARTBEAT_S, status=RegistrationStatus.accepted
        )

    @after(Action.boot_notification)
    def after_boot_notification(self, **_: Any) -> None:
        spawn(self._tasks, self._report_connectors())

    async def _report_connectors(self) -> None:
        """How many connectors the station has (GetConfiguration NumberOfConnectors), so the CPO learns
        those its configuration leaves out even before they send a StatusNotification."""
        try:
            result = await ask(self, call.GetConfiguration(key=["NumberOfConnectors"]))
            keys = result.configuration_key or []
            count = int(next(k["value"] for k in keys if k["key"] == "NumberOfConnectors"))
        except INVENTORY_FAILURES as exc:
            LOGGER.info("station %s: no NumberOfConnectors: %r", self.id, exc)
            return
        await self._events.evses_reported(self.id, [(c, 1) for c in range(1, count + 1)])

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=to_wire(datetime.now(UTC)))

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id: int, status: str, **_: Any) -> Any:
        if connector_id > 0:  # connector 0 is the controller, which no OCPI EVSE stands for
            await self._events.connector_status(self.id, connector_id, 1, ocpi_status_v16(status))
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> call_result.Authorize:
        accepted = await self._events.authorize(self.id, id_tag)
        return call_result.Authorize(id_tag_info=_id_tag_info(accepted))

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        # The station runs the transaction even when the tag is refused (it may stop it), so report it anyway.
        accepted = await self._events.authorize(self.id, id_tag)
        transaction_id = self._new_transaction_id()
        self._connector_of[transaction_id] = connector_id
        await self._events.transaction_started(
            self.id, connector_id, 1, str(transaction_id), id_tag, float(meter_start), from_wire(timestamp)
        )
        return call_result.StartTransaction(transaction_id=transaction_id, id_tag_info=_id_tag_info(accepted))

    @on(Action.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], transaction_id: int | None = None
    ) -> call_result.MeterValues:
        if transaction_id is None:  # optional in 1.6: the connector's running transaction, if any
            running = [tx for tx, connector in self._connector_of.items() if connector == connector_id]
            transaction_id = running[-1] if running else None
        if transaction_id is not None:
            for r in read_meter_values(meter_value):
                await self._events.meter_values(
                    self.id,
                    connector_id,
                    str(transaction_id),
                    r.timestamp,
                    r.energy_wh,
                    r.power_w,
                    r.current_a,
                )
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, reason: str | None = None, **_: Any
    ) -> call_result.StopTransaction:
        # StopTransaction names no connector; 0 when the transaction began before this connection.
        connector_id = self._connector_of.pop(transaction_id, 0)
        await self._events.transaction_stopped(
            self.id, connector_id, str(transaction_id), from_wire(timestamp), float(meter_stop), reason
        )
        return call_result.StopTransaction()

    async def set_tx_profile(
        self, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        if not transaction_id.isdigit():  # 1.6 transaction ids are the integers this gateway hands out
            return ProfileResult.UNKNOWN
        wire = profile_to_wire(tx_profile(profile, evse_id, transaction_id), self.ocpp_version)
        request = call.SetChargingProfile(connector_id=evse_id, cs_charging_profiles=wire)
        result = await ask(self, request)
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.REJECTED

    async def set_default_profile(self, profile: OcppChargingProfile) -> ProfileResult:
        """A TxDefaultProfile for every connector (connector 0)."""
        wire = profile_to_wire(profile, self.ocpp_version)
        request = call.SetChargingProfile(connector_id=0, cs_charging_profiles=wire)
        result = await ask(self, request)
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.REJECTED

    async def clear_tx_profile(self, evse_id: int, transaction_id: str) -> ProfileResult:
        # 1.6 can't select by transaction; TxProfiles of the connector belong to its one transaction.
        request = call.ClearChargingProfile(connector_id=evse_id, charging_profile_purpose="TxProfile")
        result = await ask(self, request)
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.UNKNOWN

    async def get_composite_schedule(
        self, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None:
        request = call.GetCompositeSchedule(
            connector_id=evse_id, duration=duration_s, charging_rate_unit=unit
        )
        result = await ask(self, request)
        if result.status != "Accepted" or result.charging_schedule is None:
            return None
        return composite_from_wire(result.charging_schedule, result.schedule_start)
