"""Schema validation at the edge: what a station sends is checked, what the gateway builds is not.

The `ocpp` library checks every payload against the OCPP JSON schemas both ways, each check in a worker
thread (`run_in_executor`): also the calls and answers the gateway builds itself from typed values, and each
check costs two thread hops. With a profile change a second per station that was a tenth of the CPO's CPU.
Here a station's CALLs and its answers to the gateway's calls are checked as they arrive, on the event loop
(a compiled check, `_schemas`, with the library's errors for what fails), and the gateway's own messages skip
the library's checks. The simulated stations do the same from their side (`route_checked`): they check what
the gateway sends them as it arrives (tests still see a malformed gateway call refused), and what they send is
checked by the gateway. Every message on the wire is checked once, by its receiver, as a real peer checks it:
the stations, the benchmarks' load generator, no longer pay two thread hops per payload and direction.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallError, CallResult, unpack

from fera.ocpp._routing import send
from fera.ocpp._schemas import check

__all__ = ["arrived", "ask", "route_checked", "validate_here"]

LOGGER = logging.getLogger(__name__)


def validate_here(station: Any) -> None:
    """Take over the library's checks for this station (its `route_map` is its own): call once built."""
    for handlers in station.route_map.values():
        handlers["_skip_schema_validation"] = True
    station.awaited = {}  # unique id of each call in flight -> its action, to check the answer by


def arrived(station: Any, message: Call | CallResult | CallError) -> Call | CallResult | CallError:
    """The station's message, checked: a CALL that fails raises the library's `OCPPError` (answered as a
    CALLERROR); an answer to our call that fails reaches the caller as that error (`send` raises it)."""
    if isinstance(message, Call):
        check(message, station._ocpp_version)
        return message
    action = station.awaited.get(message.unique_id)
    if action is None or isinstance(message, CallError):
        return message  # a CALLERROR has no schema; an answer nobody waits for is dropped by the library
    message.action = action
    try:
        check(message, station._ocpp_version)
    except OCPPError as exc:
        return CallError(message.unique_id, exc.code, exc.description, _cause(exc))
    return message


async def ask(station: Any, request: Any) -> Any:
    """`send` a call the gateway built (not checked); its answer is checked as it arrives (`arrived`)."""
    unique_id = str(uuid.uuid4())
    station.awaited[unique_id] = type(request).__name__
    try:
        return await send(station, request, unique_id=unique_id, skip_schema_validation=True)
    finally:
        del station.awaited[unique_id]


async def route_checked(station: Any, raw: str) -> None:
    """The library's `route_message` with the payloads checked here (`arrived`), for a station that took
    over its checks (`validate_here`): a CALL that fails its schema is answered with a CALLERROR."""
    try:
        message = unpack(raw)
    except OCPPError as exc:  # as the library: nothing to answer
        LOGGER.warning("%s: not an OCPP message (%s): %.200s", station.id, exc, raw)
        return
    if not isinstance(message, Call):
        station._response_queue.put_nowait(arrived(station, message))
        return
    try:
        if message.action in station.route_map:  # else the library's own NotImplemented / NotSupported
            arrived(station, message)
        await station._handle_call(message)
    except OCPPError as exc:
        await station._send(message.create_call_error(exc).to_json())


def _cause(exc: OCPPError) -> dict[str, Any]:
    details = exc.details if isinstance(exc.details, dict) else {}
    return {"cause": str(details.get("cause", exc.description))}
