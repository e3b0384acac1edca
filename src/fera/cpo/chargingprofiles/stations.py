"""Where a session's limits go: its station behind a `StationLink`, or an in-process simulated station.

Sessions started by OCPP stations are bound to their (station, EVSE, transaction) when the gateway reports
them; sessions created through the domain API (tests, demos without OCPP) use the in-process station.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from fera.charging import Electrical, OcppChargingProfile, ProfileStack, composite_schedule
from fera.cpo.chargingprofiles.ocpp import composite_as_periods
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationLink

__all__ = [
    "InProcessStations",
    "StationBehaviour",
    "StationBinding",
    "StationRouter",
    "commands_due",
    "command_deadline",
]

# By when a command must have reached its station (a job's deadline): a link that hands the command to
# another process passes it on, so that process never sends it later (the job's caller stopped waiting).
_DEADLINE: ContextVar[datetime | None] = ContextVar("station_command_deadline", default=None)


@contextmanager
def commands_due(deadline: datetime) -> Iterator[None]:
    """Station commands issued inside this block must reach their station before `deadline`."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def command_deadline() -> datetime | None:
    return _DEADLINE.get()


@dataclass(frozen=True)
class StationBinding:
    link: StationLink
    station_id: str
    evse_id: int
    transaction_id: str


class StationBehaviour(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    SILENT = "SILENT"  # never answers; the link gives up after its call timeout, as a real one does


class InProcessStations:
    """A `StationLink` to simulated stations living in this process: each keeps a real OCPP profile stack."""

    def __init__(self, electrical: dict[str, Electrical] | None = None, call_timeout: float = 5.0) -> None:
        self.behaviour: dict[str, StationBehaviour] = {}
        self.electrical = electrical or {}
        self.call_timeout = call_timeout
        self._stacks: dict[str, ProfileStack] = {}
        self._started: dict[tuple[str, str], datetime] = {}

    def stack(self, station_id: str) -> ProfileStack:
        return self._stacks.setdefault(station_id, ProfileStack())

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        if not await self._answers(station_id):
            return ProfileResult.REJECTED
        self._started.setdefault((station_id, transaction_id), datetime.now(UTC))
        self.stack(station_id).install(profile)
        return ProfileResult.ACCEPTED

    async def set_default_profile(self, station_id: str, profile: OcppChargingProfile) -> ProfileResult:
        if not await self._answers(station_id):
            return ProfileResult.REJECTED
        self.stack(station_id).install(profile)
        return ProfileResult.ACCEPTED

    async def clear_tx_profile(self, station_id: str, evse_id: int, transaction_id: str) -> ProfileResult:
        if not await self._answers(station_id):
            return ProfileResult.REJECTED
        removed = self.stack(station_id).clear(connector_id=evse_id)
        return ProfileResult.ACCEPTED if removed else ProfileResult.UNKNOWN

    async def get_composite_schedule(
        self, station_id: str, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None:
        if not await self._answers(station_id):
            return None
        electrical = self.electrical.get(station_id, Electrical("AC_3_PHASE", 230, 32, None))
        start = datetime.now(UTC)
        schedule = composite_schedule(
            list(self.stack(station_id)), evse_id, start, duration_s, electrical, start
        )
        return composite_as_periods(schedule, electrical, start, duration_s)

    def is_connected(self, station_id: str) -> bool:
        return True

    async def _answers(self, station_id: str) -> bool:
        behaviour = self.behaviour.get(station_id, StationBehaviour.ACCEPT)
        if behaviour is StationBehaviour.SILENT:
            await asyncio.sleep(self.call_timeout)  # the simulated station keeps us waiting like a real one
            return False
        return behaviour is StationBehaviour.ACCEPT


BindingLookup = Callable[[str], Awaitable[StationBinding | None]]


class StationRouter:
    """Session -> station binding; unbound sessions go to the in-process station named after their EVSE.

    With gateways in other processes (PostgreSQL), a binding another process made is looked up in the
    store (`lookup`) the first time this process needs it."""

    def __init__(self, in_process: InProcessStations) -> None:
        self.in_process = in_process
        self.lookup: BindingLookup | None = None
        self._bindings: dict[str, StationBinding] = {}

    def bind(self, session_id: str, binding: StationBinding) -> None:
        self._bindings[session_id.upper()] = binding

    def unbind(self, session_id: str) -> None:
        self._bindings.pop(session_id.upper(), None)

    async def binding(self, session_id: str, evse_uid: str) -> StationBinding:
        found = self._bindings.get(session_id.upper())
        if found is None and self.lookup is not None and (found := await self.lookup(session_id)):
            self.bind(session_id, found)  # a session stays on its transaction: kept until it is unbound
        return found or StationBinding(self.in_process, evse_uid, 1, session_id)
