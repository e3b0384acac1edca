"""The gateway's side of an OCPP 2.0.1 connection: station messages in, profile commands out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action, AuthorizationStatusEnumType, RegistrationStatusEnumType

from fera.charging import OcppChargingProfile
from fera.ocpp._edge import ask, validate_here
from fera.ocpp._frames import route_frame
from fera.ocpp._inventory import (
    INVENTORY_FAILURES,
    INVENTORY_REQUEST_ID,
    LOGGER,
    availability,
    inventory,
    spawn,
)
from fera.ocpp._meter import MeterReading, read_meter_values
from fera.ocpp._payloads import QuickPayloads
from fera.ocpp._profiles import composite_from_wire, profile_to_wire, tx_profile
from fera.ocpp._routing import after, on
from fera.ocpp._status import ocpi_status_v201
from fera.ocpp._time import from_wire, to_wire
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationEvents

__all__ = ["StationV201"]

HEARTBEAT_S = 300


def _id_token_info(accepted: bool) -> dict[str, str]:
    status = AuthorizationStatusEnumType.accepted if accepted else AuthorizationStatusEnumType.invalid
    return {"status": status}


@dataclass
class _Transaction:
    evse_id: int
    connector_id: int
    started_at: datetime
    meter_start_wh: float
    energy_wh: float
    reported: bool = False  # transaction_started sent (waits for the id token, which may come later)
    resumed: bool = False  # begun before this connection (reported on an earlier one)


class StationV201(QuickPayloads, ChargePoint):  # type: ignore[misc]  # ocpp ships no type hints
    ocpp_version = "2.0.1"

    def __init__(self, station_id: str, connection: Any, events: StationEvents, call_timeout: float) -> None:
        super().__init__(station_id, connection, response_timeout=call_timeout)
        validate_here(self)
        self._events = events
        self._transactions: dict[str, _Transaction] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.booted = False

    async def route_message(self, raw: str) -> None:
        await route_frame(self, raw)  # the library's routing, with malformed frames answered (see _frames)

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charging_station: dict[str, Any], **_: Any
    ) -> call_result.BootNotification:
        vendor, model = charging_station["vendor_name"], charging_station["model"]
        await self._events.station_connected(self.id, self.ocpp_version, vendor, model)
        self.booted = True
        return call_result.BootNotification(
            current_time=to_wire(datetime.now(UTC)),
            interval=HEARTBEAT_S,
            status=RegistrationStatusEnumType.accepted,
        )

    @after(Action.boot_notification)
    def after_boot_notification(self, **_: Any) -> None:
        spawn(self._tasks, self._request_inventory())

    async def _request_inventory(self) -> None:
        """Ask for the station's EVSEs and connectors; they come back in NotifyReport."""
        request = call.GetBaseReport(request_id=INVENTORY_REQUEST_ID, report_base="FullInventory")
        try:
            await ask(self, request)
        except INVENTORY_FAILURES as exc:
            LOGGER.info("station %s: no inventory report: %r", self.id, exc)

    @on(Action.notify_report)
    async def on_notify_report(
        self, report_data: list[dict[str, Any]] | None = None, **_: Any
    ) -> call_result.NotifyReport:
        evses = inventory(report_data or [])
        if evses:
            await self._events.evses_reported(self.id, evses)
        # The report's AvailabilityState is the EVSE's status, as 1.6's StatusNotification after a boot is.
        for evse_id, (connector_id, state) in availability(report_data or []).items():
            await self._events.connector_status(self.id, evse_id, connector_id, ocpi_status_v201(state))
        return call_result.NotifyReport()

    @on(Action.heartbeat)
    def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=to_wire(datetime.now(UTC)))

    @on(Action.status_notification)
    async def on_status_notification(
        self, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> call_result.StatusNotification:
        await self._events.connector_status(
            self.id, evse_id, connector_id, ocpi_status_v201(connector_status)
        )
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> call_result.Authorize:
        accepted = await self._events.authorize(self.id, id_token["id_token"])
        return call_result.Authorize(id_token_info=_id_token_info(accepted))

    @on(Action.notify_charging_limit)
    def on_notify_charging_limit(self, **_: Any) -> call_result.NotifyChargingLimit:
        # Acknowledged only: the CPO re-reads limits through get_composite_schedule when it needs them.
        return call_result.NotifyChargingLimit()

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        # Outside transactions (inside them meter values come with TransactionEvent): nothing to report.
        return call_result.MeterValues()

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        transaction_info: dict[str, Any],
        meter_value: list[dict[str, Any]] | None = None,
        evse: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.TransactionEvent:
        tx_id = transaction_info["transaction_id"]
        readings = read_meter_values(meter_value or [])
        tx = self._transaction(tx_id, timestamp, evse, readings, event_type)
        token = None if id_token is None else str(id_token["id_token"])
        response = call_result.TransactionEvent()
        if token is not None:
            response.id_token_info = _id_token_info(await self._events.authorize(self.id, token))
        if not tx.reported and (token is not None or event_type == "Ended"):
            await self._report_start(tx_id, tx, token or "")
        if event_type == "Ended":
            await self._report_stop(tx_id, tx, timestamp, readings, transaction_info.get("stopped_reason"))
        elif event_type == "Updated":
            await self._report_meter(tx_id, tx, readings)
        return response

    def _transaction(
        self,
        tx_id: str,
        timestamp: str,
        evse: dict[str, Any] | None,
        readings: list[MeterReading],
        event_type: str,
    ) -> _Transaction:
        if (tx := self._transactions.get(tx_id)) is None:
            evse = evse or {"id": 0}  # the first event names the EVSE; 0 if we missed it
            energy = readings[0].energy_wh if readings else 0.0
            tx = _Transaction(evse["id"], evse.get("connector_id", 1), from_wire(timestamp), energy, energy)
            # Not started on this connection: the station reconnected mid-transaction (to this gateway, or
            # from another one) and its start was reported then: its meter values are reported at once.
            tx.resumed = event_type != "Started"
            self._transactions[tx_id] = tx
        return tx

    async def _report_start(self, tx_id: str, tx: _Transaction, id_token: str) -> None:
        tx.reported = True
        await self._events.transaction_started(
            self.id, tx.evse_id, tx.connector_id, tx_id, id_token, tx.meter_start_wh, tx.started_at
        )

    async def _report_meter(self, tx_id: str, tx: _Transaction, readings: list[MeterReading]) -> None:
        for r in readings:
            tx.energy_wh = r.energy_wh
            if not tx.reported and not tx.resumed:  # the CPO doesn't know this transaction yet
                continue
            await self._events.meter_values(
                self.id, tx.evse_id, tx_id, r.timestamp, r.energy_wh, r.power_w, r.current_a
            )

    async def _report_stop(
        self, tx_id: str, tx: _Transaction, timestamp: str, readings: list[MeterReading], reason: str | None
    ) -> None:
        del self._transactions[tx_id]
        meter_stop = readings[-1].energy_wh if readings else tx.energy_wh
        await self._events.transaction_stopped(
            self.id, tx.evse_id, tx_id, from_wire(timestamp), meter_stop, reason
        )

    async def set_tx_profile(
        self, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        wire = profile_to_wire(tx_profile(profile, evse_id, transaction_id), self.ocpp_version)
        result = await ask(self, call.SetChargingProfile(evse_id=evse_id, charging_profile=wire))
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.REJECTED

    async def set_default_profile(self, profile: OcppChargingProfile) -> ProfileResult:
        """A TxDefaultProfile for every EVSE (EVSE 0)."""
        wire = profile_to_wire(profile, self.ocpp_version)
        result = await ask(self, call.SetChargingProfile(evse_id=0, charging_profile=wire))
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.REJECTED

    async def clear_tx_profile(self, evse_id: int, transaction_id: str) -> ProfileResult:
        criteria = {"evse_id": evse_id, "charging_profile_purpose": "TxProfile"}
        result = await ask(self, call.ClearChargingProfile(charging_profile_criteria=criteria))
        return ProfileResult.ACCEPTED if result.status == "Accepted" else ProfileResult.UNKNOWN

    async def get_composite_schedule(
        self, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None:
        request = call.GetCompositeSchedule(duration=duration_s, evse_id=evse_id, charging_rate_unit=unit)
        result = await ask(self, request)
        if result.status != "Accepted" or result.schedule is None:
            return None
        return composite_from_wire(result.schedule, None)
