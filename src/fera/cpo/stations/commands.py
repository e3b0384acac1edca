"""The `StationLink` calls as data: what a process writes for the gateway that holds the station, and how
that gateway runs it and writes the station's answer back (`routing.py`, `relay.py`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from fera.charging import OcppChargingProfile
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationLink

__all__ = [
    "ClearTxProfile",
    "Command",
    "GetCompositeSchedule",
    "SetDefaultProfile",
    "SetTxProfile",
    "execute",
    "read_command",
    "read_result",
    "read_schedule",
]


class SetTxProfile(BaseModel):
    action: Literal["set_tx_profile"] = "set_tx_profile"
    evse_id: int
    transaction_id: str
    profile: OcppChargingProfile


class ClearTxProfile(BaseModel):
    action: Literal["clear_tx_profile"] = "clear_tx_profile"
    evse_id: int
    transaction_id: str


class SetDefaultProfile(BaseModel):
    action: Literal["set_default_profile"] = "set_default_profile"
    profile: OcppChargingProfile


class GetCompositeSchedule(BaseModel):
    action: Literal["get_composite_schedule"] = "get_composite_schedule"
    evse_id: int
    duration_s: int
    unit: str


Command = Annotated[
    SetTxProfile | ClearTxProfile | SetDefaultProfile | GetCompositeSchedule, Field(discriminator="action")
]


class _CommandData(RootModel[Command]):
    pass


class _ScheduleData(RootModel[CompositeSchedule | None]):
    pass


def read_command(data: dict[str, Any]) -> Command:
    return _CommandData.model_validate(data).root


async def execute(link: StationLink, station_id: str, command: Command) -> dict[str, Any]:
    """Run the command on the link that holds the station; its answer, as data."""
    match command:
        case SetTxProfile():
            result = await link.set_tx_profile(
                station_id, command.evse_id, command.transaction_id, command.profile
            )
        case ClearTxProfile():
            result = await link.clear_tx_profile(station_id, command.evse_id, command.transaction_id)
        case SetDefaultProfile():
            result = await link.set_default_profile(station_id, command.profile)
        case GetCompositeSchedule():
            schedule = await link.get_composite_schedule(
                station_id, command.evse_id, command.duration_s, command.unit
            )
            return {"schedule": _ScheduleData(schedule).model_dump(mode="json")}
    return {"result": result.value}


def read_result(answer: dict[str, Any] | None) -> ProfileResult:
    """A set or clear answer; no answer (the station is connected nowhere, or silent) is REJECTED."""
    return ProfileResult.REJECTED if answer is None else ProfileResult(answer["result"])


def read_schedule(answer: dict[str, Any] | None) -> CompositeSchedule | None:
    return None if answer is None else _ScheduleData.model_validate(answer["schedule"]).root
