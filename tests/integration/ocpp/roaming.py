"""A simulated station driven step by step, which keeps its running transaction when it reconnects to
another gateway (the simulator's own stations end with their connection), as a real station behind a load
balancer does when its gateway dies."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator import SimClock, StationSpec
from fera.ocpp.simulator.station import StationModel
from fera.ocpp.simulator.v16 import SimStationV16
from fera.ocpp.simulator.v201 import SimStationV201

__all__ = ["RoamingStation"]

ANSWER_S = 30.0  # how long the station waits for each answer of the gateway (a loaded machine: generous)


@dataclass
class _Line:
    client: SimStationV16 | SimStationV201
    connection: ClientConnection
    reader: asyncio.Task[None]


class RoamingStation:
    """One connector; its profiles, transaction and meter live in the station, not in the connection."""

    def __init__(self, spec: StationSpec) -> None:
        now = datetime.now(UTC)
        self.spec = spec
        self.model = StationModel(spec, SimClock(now, 1.0, anchor=now))
        self.transaction_id = ""
        self.energy_wh = 0.0
        self._line: _Line | None = None

    @property
    def client(self) -> SimStationV16 | SimStationV201:
        assert self._line is not None, "connect first"
        return self._line.client

    async def connect(self, url: str) -> None:
        """To a gateway (`ws://…/ocpp`): boots there, and says what its connector does."""
        await self.close()
        connection = await connect(
            f"{url}/{self.spec.station_id}",
            subprotocols=[Subprotocol(f"ocpp{self.spec.ocpp_version}")],
            open_timeout=ANSWER_S,
        )
        kind = SimStationV16 if self.spec.ocpp_version == "1.6" else SimStationV201
        client = kind(self.model, connection, ANSWER_S)
        self._line = _Line(client, connection, asyncio.create_task(client.start()))
        assert await client.boot()
        await client.status(1, "charging" if self.transaction_id else "available")

    async def start(self, id_token: str) -> None:
        await self.client.status(1, "plugged")
        assert await self.client.authorize(id_token)
        now = self.model.clock.now()
        self.transaction_id = await self.client.start_transaction(1, id_token, self.energy_wh, now)
        self.model.begin(1, self.transaction_id, now)
        await self.client.status(1, "charging")

    async def meter(self, power_w: float) -> None:
        self.energy_wh += 100.0
        reading = MeterReading(self.model.clock.now(), self.energy_wh, power_w)
        await self.client.meter(1, self.transaction_id, reading, False)

    async def close(self) -> None:
        if self._line is not None:
            await self._line.connection.close()
            self._line.reader.cancel()
            await asyncio.gather(self._line.reader, return_exceptions=True)
            self._line = None
