"""The CPO's OCPP endpoint: stations connect here over websockets; the CPO commands them through it."""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ocpp.exceptions import OCPPError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.headers import build_www_authenticate_basic
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from fera.charging import OcppChargingProfile
from fera.ocpp._handshake import admits, station_id_from_path
from fera.ocpp._routing import is_call
from fera.ocpp.ids import ClockTransactionIds, TransactionIdFactory
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationEvents
from fera.ocpp.monitor import StationMonitor
from fera.ocpp.v16 import StationV16
from fera.ocpp.v201 import StationV201

__all__ = ["Connections", "OcppGateway"]

LOGGER = logging.getLogger(__name__)
SUBPROTOCOLS = (Subprotocol("ocpp2.0.1"), Subprotocol("ocpp1.6"))
# The largest frame a station may send; websockets closes the connection with 1009 (message too big) above it.
# OCPP messages are small: the biggest (a 2.0.1 NotifyReport, a SetChargingProfile) stay far below this.
MAX_FRAME_BYTES = 1 << 20
T = TypeVar("T")
# What a station may answer that still means "no": a CallError, silence, a dropped line, a malformed reply.
_STATION_FAILURES = (OCPPError, TimeoutError, ConnectionClosed, KeyError, ValueError)


class _Station(Protocol):
    """What StationV16 and StationV201 both offer."""

    booted: bool

    async def route_message(self, raw: str) -> None: ...
    async def set_tx_profile(
        self, evse_id: int, tx_id: str, profile: OcppChargingProfile
    ) -> ProfileResult: ...
    async def clear_tx_profile(self, evse_id: int, tx_id: str) -> ProfileResult: ...
    async def set_default_profile(self, profile: OcppChargingProfile) -> ProfileResult: ...
    async def get_composite_schedule(
        self, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None: ...


class Connections(Protocol):
    """Told when a station's websocket joins this gateway (before its first message is handled) and when it
    leaves (not when a newer connection of the same station replaced it)."""

    async def joined(self, station_id: str) -> None: ...
    async def left(self, station_id: str) -> bool:
        """False when the station has already connected elsewhere: it is not reported disconnected."""
        ...


@dataclass(frozen=True)
class _Link:
    station: _Station
    connection: ServerConnection
    closed: asyncio.Future[None]


async def _handle_calls(station: _Station, calls: asyncio.Queue[str | None]) -> None:
    while (raw := await calls.get()) is not None:
        try:
            await station.route_message(raw)
        except ConnectionClosed:
            pass  # the event has been reported; only the answer is lost
        except Exception:
            LOGGER.exception("station message %s failed", raw)


async def _serve(
    station: _Station, connection: ServerConnection, received: Callable[[str], None] = lambda _raw: None
) -> None:
    """Station calls are handled one by one, in order, in a worker, while answers to our calls go through at
    once: a StationEvents handler may then command the same station without deadlocking its connection."""
    calls: asyncio.Queue[str | None] = asyncio.Queue()
    worker = asyncio.create_task(_handle_calls(station, calls))
    try:
        async for frame in connection:
            # OCPP-J sends text frames (websockets closes with 1007 on invalid UTF-8 in those); a binary frame
            # is read as the same UTF-8 text, tolerated as some stations send them, unless it isn't UTF-8.
            raw = frame if isinstance(frame, str) else _text(frame)
            if raw is None:
                await connection.close(CloseCode.INVALID_DATA, "OCPP-J frames are UTF-8 text")
                break
            received(raw)
            if is_call(raw):
                calls.put_nowait(raw)
            else:
                await station.route_message(raw)
    except ConnectionClosed:
        pass
    finally:
        calls.put_nowait(None)
        await worker


def _text(frame: bytes) -> str | None:
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError:
        return None


class OcppGateway:
    """Websocket server for OCPP 1.6 and 2.0.1 stations at `/ocpp/{station_id}`; implements StationLink.

    `stations` maps each admitted station id to its Basic-auth password, or None to admit it by id alone.
    """

    def __init__(
        self,
        events: StationEvents,
        stations: Mapping[str, str | None],
        call_timeout: float = 10.0,
        *,
        new_transaction_id: TransactionIdFactory | None = None,
        monitor: StationMonitor | None = None,
    ) -> None:
        self._events = events
        self._stations = stations
        self._call_timeout = call_timeout
        self._new_transaction_id = new_transaction_id or ClockTransactionIds()
        self._links: dict[str, _Link] = {}
        self.monitor = monitor or StationMonitor()
        self.connections: Connections | None = None
        self._server: Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; returns the actual port (pass 0 for a free one)."""
        self._server = await serve(
            self._handle,
            host,
            port,
            subprotocols=list(SUBPROTOCOLS),
            process_request=self._admit,
            max_size=MAX_FRAME_BYTES,
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        station_id = station_id_from_path(request.path)
        if station_id is None:
            self.monitor.refused(request.path, "not an OCPP station path (404)")
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not an OCPP station path\n")
        if admits(self._stations, station_id, request.headers.get("Authorization")):
            return None
        known = station_id in self._stations
        self.monitor.refused(station_id, "wrong password (401)" if known else "unknown station (401)")
        response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unknown station or wrong password\n")
        response.headers["WWW-Authenticate"] = build_www_authenticate_basic("OCPP")
        return response

    def _station(self, station_id: str, connection: ServerConnection) -> _Station:
        recorded = self.monitor.recording(station_id, connection)
        if connection.subprotocol == "ocpp1.6":
            return StationV16(
                station_id, recorded, self._events, self._new_transaction_id, self._call_timeout
            )
        return StationV201(station_id, recorded, self._events, self._call_timeout)

    async def _handle(self, connection: ServerConnection) -> None:
        station_id = station_id_from_path(connection.request.path if connection.request else "")
        assert station_id is not None  # _admit let it through
        if (old := self._links.get(station_id)) is not None:
            await old.connection.close()  # a station that reconnects replaces its stale connection
        closed = asyncio.get_running_loop().create_future()
        link = _Link(self._station(station_id, connection), connection, closed)
        self._links[station_id] = link
        self.monitor.connected(station_id, connection.subprotocol)
        try:
            if self.connections is not None:
                await self.connections.joined(station_id)
            await _serve(link.station, connection, lambda raw: self.monitor.received(station_id, raw))
        finally:
            link.closed.set_result(None)
            if self._links.get(station_id) is link:  # not replaced by a newer connection
                del self._links[station_id]
                self.monitor.disconnected(station_id)
                gone = self.connections is None or await self.connections.left(station_id)
                if link.station.booted and gone:
                    await self._events.station_disconnected(station_id)

    async def _command(self, station_id: str, command: Callable[[_Station], Awaitable[T]], fallback: T) -> T:
        """Run a command within the call timeout; a gone, silent or refusing station yields `fallback`."""
        link = self._links.get(station_id)
        if link is None:
            return fallback
        task = asyncio.ensure_future(command(link.station))
        try:
            await asyncio.wait((task, link.closed), timeout=self._call_timeout, return_when="FIRST_COMPLETED")
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait((task,))
        if task.cancelled():
            LOGGER.warning("station %s: no answer within %ss", station_id, self._call_timeout)
            return fallback
        try:
            return task.result()
        except _STATION_FAILURES as exc:
            LOGGER.warning("station %s: command failed: %r", station_id, exc)
            return fallback

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        return await self._command(
            station_id, lambda s: s.set_tx_profile(evse_id, transaction_id, profile), ProfileResult.REJECTED
        )

    async def set_default_profile(self, station_id: str, profile: OcppChargingProfile) -> ProfileResult:
        return await self._command(
            station_id, lambda s: s.set_default_profile(profile), ProfileResult.REJECTED
        )

    async def clear_tx_profile(self, station_id: str, evse_id: int, transaction_id: str) -> ProfileResult:
        return await self._command(
            station_id, lambda s: s.clear_tx_profile(evse_id, transaction_id), ProfileResult.REJECTED
        )

    async def get_composite_schedule(
        self, station_id: str, evse_id: int, duration_s: int, unit: str
    ) -> CompositeSchedule | None:
        none: CompositeSchedule | None = None
        return await self._command(
            station_id, lambda s: s.get_composite_schedule(evse_id, duration_s, unit), none
        )

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._links

    def connected(self) -> list[str]:
        """Ids of the stations connected now (what `fera status` shows)."""
        return sorted(self._links)
