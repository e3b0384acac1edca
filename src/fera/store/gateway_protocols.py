"""What OCPP gateways in several processes share through the database: which gateway holds each station
(with a liveness stamp), and the commands other processes hand to that gateway, with their answers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "STATION_ANSWERS_CHANNEL",
    "STATION_COMMANDS_CHANNEL",
    "StationCommand",
    "StationCommandStore",
    "StationPresenceStore",
]

STATION_COMMANDS_CHANNEL = "fera_station_commands"  # notified with the station id when a command is queued
STATION_ANSWERS_CHANNEL = "fera_station_answers"  # notified with the command id when it has its answer


@dataclass(frozen=True)
class StationCommand:
    """One command for a station, queued by any process for the gateway that holds the station."""

    id: str
    station_id: str
    command: dict[str, Any]  # what to send: `fera.cpo.stations.commands` writes and reads it
    expires_at: datetime  # not sent to the station from then on: the caller no longer waits


class StationPresenceStore(Protocol):
    async def hold(self, station_id: str, gateway_id: str, at: datetime) -> None:
        """The station is connected to this gateway now (it may have left another one)."""
        ...

    async def release(self, station_id: str, gateway_id: str) -> bool:
        """The station left this gateway; False when it had already moved on to another gateway (whose
        newer connection is kept)."""
        ...

    async def stamp(self, gateway_id: str, at: datetime) -> None:
        """The gateway is alive: every station it holds is stamped `at`."""
        ...

    async def holder(self, station_id: str, alive_since: datetime) -> str | None:
        """The gateway holding the station, if its stamp is not older than `alive_since`."""
        ...

    async def held(self, alive_since: datetime) -> dict[str, str]:
        """Every station a live gateway holds: station id -> gateway id."""
        ...


class StationCommandStore(Protocol):
    async def queue(self, command: StationCommand) -> None:
        """Queued; the gateways are notified (with the station id) when this commits."""
        ...

    async def take(self, station_ids: Collection[str], now: datetime) -> list[StationCommand]:
        """The queued, unexpired commands for these stations, taken: no other gateway gets them."""
        ...

    async def answer(self, command_id: str, answer: dict[str, Any]) -> None:
        """The station's answer; the caller is notified (with the command id) when this commits."""
        ...

    async def answer_of(self, command_id: str) -> dict[str, Any] | None: ...

    async def forget(self, command_id: str) -> None:
        """The caller is done with it (answered, or given up on: then it is never sent)."""
        ...

    async def purge(self, expired_before: datetime) -> None:
        """Commands whose caller died before forgetting them."""
        ...
