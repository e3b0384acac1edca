"""What the gateway saw of each station, for the operator: online or not, since when, the last heartbeat and
message, refused connection attempts, and the recent frames both ways (in a `TrafficLog`). In memory only."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fera.traffic import Direction, TrafficLog

__all__ = ["Refusal", "StationMonitor", "StationState"]

_HEARTBEAT = re.compile(r'^\s*\[\s*2\s*,\s*"[^"]*"\s*,\s*"Heartbeat"')
KEEP_REFUSALS = 50


@dataclass(frozen=True)
class StationState:
    station_id: str
    online: bool = False
    protocol: str | None = None  # "ocpp1.6" / "ocpp2.0.1" of the current or last connection
    connected_at: datetime | None = None
    last_seen: datetime | None = None  # the last frame the station sent
    last_heartbeat: datetime | None = None


@dataclass(frozen=True)
class Refusal:
    at: datetime
    station_id: str  # as the station named itself in its URL (or the path, when it named none)
    reason: str


class StationMonitor:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self.frames = TrafficLog(now)
        self._states: dict[str, StationState] = {}
        self._refusals: deque[Refusal] = deque(maxlen=KEEP_REFUSALS)

    def connected(self, station_id: str, protocol: str | None) -> None:
        now = self._now()
        self._states[station_id] = replace(
            self._state(station_id), online=True, protocol=protocol, connected_at=now, last_seen=now
        )

    def disconnected(self, station_id: str) -> None:
        self._states[station_id] = replace(self._state(station_id), online=False)

    def refused(self, station_id: str, reason: str) -> None:
        self._refusals.appendleft(Refusal(self._now(), station_id, reason))

    def received(self, station_id: str, frame: str) -> None:
        now, state = self._now(), self._state(station_id)
        beat = now if _HEARTBEAT.match(frame) else state.last_heartbeat
        self._states[station_id] = replace(state, last_seen=now, last_heartbeat=beat)
        self.frames.record(station_id, Direction.IN, frame)

    def sent(self, station_id: str, frame: str) -> None:
        self.frames.record(station_id, Direction.OUT, frame)

    def state(self, station_id: str) -> StationState | None:
        return self._states.get(station_id)

    def refusals(self) -> list[Refusal]:
        """Newest first."""
        return list(self._refusals)

    def recording(self, station_id: str, connection: Any) -> _RecordingConnection:
        """The connection as the station's protocol handler sees it: what it sends is recorded first."""
        return _RecordingConnection(connection, lambda frame: self.sent(station_id, frame))

    def _state(self, station_id: str) -> StationState:
        return self._states.get(station_id) or StationState(station_id)


class _RecordingConnection:
    """Passes everything through to the websocket; `send` also records the frame."""

    def __init__(self, connection: Any, record: Callable[[str], None]) -> None:
        self._connection, self._record = connection, record

    async def send(self, message: str) -> None:
        self._record(message)
        await self._connection.send(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)
