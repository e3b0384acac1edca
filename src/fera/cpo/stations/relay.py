"""The gateway's side of several gateway processes on one database (PostgreSQL).

It records which stations this gateway holds (a row per station, stamped every HEARTBEAT_S: the liveness
other processes judge it by), and runs the commands other processes queue for those stations: told by
NOTIFY `fera_station_commands` (the station id), it takes them (no other gateway gets them), sends them to
the station unless their deadline passed, and writes each answer back (NOTIFY `fera_station_answers`).
The heartbeat also takes what a notification missed (queued while this gateway was starting).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Protocol

from fera.cpo.stations.commands import execute, read_command
from fera.ocpp.link import StationLink
from fera.store.gateway_protocols import STATION_COMMANDS_CHANNEL, StationCommand
from fera.store.protocols import Store

__all__ = ["HEARTBEAT_S", "GatewayRelay", "HeldStations"]

log = logging.getLogger(__name__)
HEARTBEAT_S = 2.0  # well inside routing.ALIVE_S: a live gateway is never taken for a dead one
PURGE_AFTER = timedelta(minutes=1)  # commands of a caller that died before forgetting them


class HeldStations(StationLink, Protocol):
    """The gateway as the relay uses it: a link to its stations, and which ones are connected."""

    def connected(self) -> list[str]: ...


class GatewayRelay:
    """Implements `fera.ocpp.gateway.Connections`: presence in the store, commands from other processes."""

    def __init__(
        self, gateway: HeldStations, store: Store, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._gateway, self._store, self._now = gateway, store, now
        self.gateway_id = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self._tasks: set[asyncio.Task[None]] = set()
        self._beating: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def joined(self, station_id: str) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.station_presence.hold(station_id, self.gateway_id, self._now())
        self._spawn(self._take([station_id]))  # commands queued while it was on its way here

    async def left(self, station_id: str) -> bool:
        async with self._store.unit_of_work() as uow:
            return await uow.station_presence.release(station_id, self.gateway_id)

    async def start(self) -> None:
        """Listening before the gateway admits its first station."""
        self._beating = asyncio.get_running_loop().create_task(self._listen())
        ready = asyncio.ensure_future(self._ready.wait())
        await asyncio.wait((ready, self._beating), return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not self._ready.is_set():
            self._beating.result()  # raises why it could not listen

    async def stop(self) -> None:
        """After the gateway stopped (its stations left): no more heartbeats, commands in flight dropped."""
        for task in [t for t in (self._beating,) if t is not None] + list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *(t for t in (self._beating,) if t), return_exceptions=True)
        self._beating = None

    async def _listen(self) -> None:
        async with self._store.messages(STATION_COMMANDS_CHANNEL, self._queued):
            self._ready.set()
            while True:
                try:
                    await self._beat()
                except Exception:  # the database may be away for a moment: the next beat tries again
                    log.exception("gateway %s: heartbeat failed", self.gateway_id)
                await asyncio.sleep(HEARTBEAT_S)

    async def _beat(self) -> None:
        now = self._now()
        async with self._store.unit_of_work() as uow:
            await uow.station_presence.stamp(self.gateway_id, now)
            await uow.station_commands.purge(now - PURGE_AFTER)
        if held := self._gateway.connected():
            await self._take(held)

    def _queued(self, station_id: str) -> None:
        if self._gateway.is_connected(station_id):
            self._spawn(self._take([station_id]))

    async def _take(self, station_ids: list[str]) -> None:
        async with self._store.unit_of_work() as uow:
            commands = await uow.station_commands.take(station_ids, self._now())
        for command in commands:
            self._spawn(self._run(command))

    async def _run(self, command: StationCommand) -> None:
        """Sent only before its deadline, and abandoned at it (a station that answers later is not waited
        for: its caller has stopped waiting); the caller reads no answer as the station's silence."""
        left = (command.expires_at - self._now()).total_seconds()
        if left <= 0:
            return
        try:
            async with asyncio.timeout(left):
                answer = await execute(self._gateway, command.station_id, read_command(command.command))
        except TimeoutError:
            log.warning("station %s: no answer before the command's deadline", command.station_id)
            return
        async with self._store.unit_of_work() as uow:
            await uow.station_commands.answer(command.id, answer)

    def _spawn(self, work: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[None, None, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("gateway %s: a station command failed", self.gateway_id)
