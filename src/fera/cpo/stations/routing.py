"""A `StationLink` for a node whose gateways are processes of their own (PostgreSQL).

A station connected to this process's own gateway is commanded directly. Any other station is looked up in
the store: the gateway holding it (with a fresh liveness stamp) gets the command through the store (a row
and NOTIFY `fera_station_commands`), runs it (`relay.py`) and writes the answer back (NOTIFY
`fera_station_answers`), which wakes the caller here. A station connected nowhere is answered at once, as a
disconnected station always is: REJECTED, or no schedule.

The command carries its deadline: the job's (`commands_due`), else this node's call timeout. The gateway
never sends it to the station after that; the caller stops waiting a moment later (the gateway's answer
still has to travel back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.charging import OcppChargingProfile
from fera.cpo.chargingprofiles.stations import command_deadline
from fera.cpo.stations.commands import (
    ClearTxProfile,
    Command,
    GetCompositeSchedule,
    SetDefaultProfile,
    SetTxProfile,
    read_result,
    read_schedule,
)
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationLink
from fera.store.gateway_protocols import STATION_ANSWERS_CHANNEL, StationCommand
from fera.store.protocols import Store

__all__ = ["ALIVE_S", "ANSWER_GRACE_S", "RoutedStations"]

log = logging.getLogger(__name__)
# A gateway stamps its stations every HEARTBEAT_S (relay.py); one not heard of for ALIVE_S is taken as dead
# (killed without closing its stations' rows): its stations count as connected nowhere until they reconnect.
ALIVE_S = 10.0
ANSWER_GRACE_S = 1.0  # past the command's deadline, how long its answer may still take to come back


class RoutedStations:
    """Implements `StationLink`: the local gateway for its own stations, the store for the others."""

    def __init__(
        self,
        local: StationLink,
        store: Store,
        call_timeout: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        own_gateway: str | None = None,
    ) -> None:
        self._local, self._store, self._call_timeout, self._now = local, store, call_timeout, now
        self._own_gateway = own_gateway  # `local`'s id in the store: a station it no longer has is gone
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._listening: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopped = asyncio.Event()

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        if self._local.is_connected(station_id):
            return await self._local.set_tx_profile(station_id, evse_id, transaction_id, profile)
        command = SetTxProfile(evse_id=evse_id, transaction_id=transaction_id, profile=profile)
        return read_result(await self._remote(station_id, command))

    async def clear_tx_profile(self, station_id: str, evse_id: int, transaction_id: str) -> ProfileResult:
        if self._local.is_connected(station_id):
            return await self._local.clear_tx_profile(station_id, evse_id, transaction_id)
        command = ClearTxProfile(evse_id=evse_id, transaction_id=transaction_id)
        return read_result(await self._remote(station_id, command))

    async def set_default_profile(self, station_id: str, profile: OcppChargingProfile) -> ProfileResult:
        if self._local.is_connected(station_id):
            return await self._local.set_default_profile(station_id, profile)
        return read_result(await self._remote(station_id, SetDefaultProfile(profile=profile)))

    async def get_composite_schedule(
        self, station_id: str, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None:
        if self._local.is_connected(station_id):
            return await self._local.get_composite_schedule(station_id, evse_id, duration_s, unit)
        command = GetCompositeSchedule(evse_id=evse_id, duration_s=duration_s, unit=unit)
        return read_schedule(await self._remote(station_id, command))

    def is_connected(self, station_id: str) -> bool:
        """Connected to this process's gateway (the others are known to the store only)."""
        return self._local.is_connected(station_id)

    async def stop(self) -> None:
        self._stopped.set()
        if self._listening is not None:
            await asyncio.gather(self._listening, return_exceptions=True)
            self._listening = None

    async def _remote(self, station_id: str, command: Command) -> dict[str, Any] | None:
        """The answer of the gateway that holds the station; None when none does or it did not answer."""
        now = self._now()
        async with self._store.unit_of_work() as uow:
            holder = await uow.station_presence.holder(station_id, now - timedelta(seconds=ALIVE_S))
        if holder is None or holder == self._own_gateway:  # nowhere, or it just left our own gateway
            return None
        expires = now + timedelta(seconds=self._call_timeout)
        due = command_deadline()
        expires = expires if due is None else min(due, expires)
        queued = StationCommand(str(uuid.uuid4()), station_id, command.model_dump(mode="json"), expires)
        await self._listen()
        answered = asyncio.get_running_loop().create_future()
        self._waiting[queued.id] = answered
        try:
            async with self._store.unit_of_work() as uow:
                await uow.station_commands.queue(queued)
            wait_s = (expires - self._now()).total_seconds() + ANSWER_GRACE_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered, max(wait_s, 0.0))
        except BaseException:
            # The caller gave up (cancelled at its deadline): a command not sent yet is never sent.
            await asyncio.shield(self._forget(queued.id))
            raise
        finally:
            del self._waiting[queued.id]
        return await self._answer(queued.id)

    async def _answer(self, command_id: str) -> dict[str, Any] | None:
        """The gateway's answer, if it came, and the command forgotten (one transaction)."""
        async with self._store.unit_of_work() as uow:
            answer = await uow.station_commands.answer_of(command_id)
            await uow.station_commands.forget(command_id)
        if answer is None:
            log.warning("station command %s: no answer from the gateway in time", command_id)
        return answer

    async def _forget(self, command_id: str) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.station_commands.forget(command_id)

    async def _listen(self) -> None:
        """Listening for answers before the first command is queued (one connection for all of them)."""
        if self._listening is None or self._listening.done():  # first time, or its connection failed
            self._ready.clear()
            self._listening = asyncio.get_running_loop().create_task(self._listen_until_stopped())
        ready = asyncio.ensure_future(self._ready.wait())
        await asyncio.wait((ready, self._listening), return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not self._ready.is_set():
            self._listening.result()  # raises what kept it from listening (the database is gone)

    async def _listen_until_stopped(self) -> None:
        async with self._store.messages(STATION_ANSWERS_CHANNEL, self._answered):
            self._ready.set()
            await self._stopped.wait()

    def _answered(self, command_id: str) -> None:
        waiting = self._waiting.get(command_id)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)
