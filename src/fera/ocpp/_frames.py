"""OCPP-J framing: every frame a station sends gets its answer, a malformed one a CALLERROR, never a trace.

The `ocpp` library parses frames (`ocpp.messages.unpack`) and validates and dispatches CALLs
(`_handle_call`); its `route_message` wraps them, but drops a frame it can't parse without a CALLERROR, logs a
traceback for every malformed frame, lets a too deeply nested frame raise `RecursionError`, answers OCPP 1.6
with 2.0.1's error code spellings and swaps NotImplemented (action unknown) with NotSupported (known, not
handled). `route_frame` is that `route_message` with these gaps filled. `read_frame` replaces `unpack` because
a CALLERROR needs the MessageId `unpack` doesn't expose when it fails; the library's message classes still
carry the frames, and its `_handle_call` still dispatches; payloads are validated against the schemas as
they arrive (`_edge`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ocpp.exceptions import NotImplementedError, NotSupportedError, OCPPError
from ocpp.messages import Call, CallError, CallResult
from ocpp.v16.enums import Action as ActionV16
from ocpp.v201.enums import Action as ActionV201

from fera.ocpp._edge import arrived
from fera.ocpp._values import check_values

__all__ = ["FrameError", "read_frame", "route_frame"]

LOGGER = logging.getLogger(__name__)
MAX_ID_LENGTH = 36  # OCPP-J: a MessageId is at most 36 characters (a UUID's)
UNKNOWN_ID = "-1"  # OCPP-J 2.0.1 (CALLERROR): the MessageId answering a frame whose id is unreadable
# OCPP-J 1.6 spells two codes differently from 2.0.1 (and has no RpcFrameworkError / MessageTypeNotSupported).
_V16_SPELLING = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
    "RpcFrameworkError": "FormationViolation",
    "MessageTypeNotSupported": "FormationViolation",  # 1.6: every RPC-structure fault is one
}
_V201_SPELLING = {
    "FormationViolation": "FormatViolation",
    "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
}


class FrameError(Exception):
    """A frame that isn't an OCPP-J message; `unique_id` None when it was an answer (nobody to answer)."""

    description = "Not a valid OCPP-J message"

    def __init__(self, code: str, cause: str, unique_id: str | None = UNKNOWN_ID) -> None:
        super().__init__(cause)
        self.code, self.cause, self.unique_id = code, cause, unique_id


def read_frame(raw: str) -> Call | CallResult | CallError:
    """The OCPP-J message in a text frame (the library's message classes), or `FrameError`."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FrameError("RpcFrameworkError", f"not JSON: {_short(exc)}") from None
    if not isinstance(data, list) or not data:
        raise FrameError("RpcFrameworkError", "not a JSON array")
    unique_id = data[1] if len(data) > 1 and isinstance(data[1], str) and data[1] else None
    if unique_id is None:
        raise FrameError("RpcFrameworkError", "no MessageId (a string) in second place")
    message_type = data[0]
    if message_type == Call.message_type_id:
        if len(data) != 4 or not isinstance(data[2], str):
            raise FrameError("RpcFrameworkError", "a CALL is [2, MessageId, Action, Payload]", unique_id)
        if len(unique_id) > MAX_ID_LENGTH:
            cause = f"a MessageId is at most {MAX_ID_LENGTH} characters"
            raise FrameError("RpcFrameworkError", cause, unique_id)
        return Call(*data[1:])
    if message_type == CallResult.message_type_id and len(data) == 3:
        return CallResult(*data[1:])
    if message_type == CallError.message_type_id and len(data) == 5:
        return CallError(*data[1:])
    if message_type in (CallResult.message_type_id, CallError.message_type_id):
        raise FrameError("RpcFrameworkError", "malformed answer", None)  # an answer is never answered
    raise FrameError("MessageTypeNotSupported", f"MessageTypeId {message_type!r} is not supported", unique_id)


async def route_frame(station: Any, raw: str) -> None:
    """`ChargePoint.route_message` for one text frame: CALLs answered, answers queued for `call()`."""
    try:
        message = read_frame(raw)
    except FrameError as exc:
        LOGGER.warning("station %s sent a malformed frame (%s): %.200s", station.id, exc.cause, raw)
        if exc.unique_id is not None:
            await station._send(_call_error(exc.unique_id, exc, exc.cause, station._ocpp_version))
        return
    if not isinstance(message, Call):
        station._response_queue.put_nowait(arrived(station, message))
        return
    try:
        _check_action(station, message.action)
        check_values(message.payload)  # what the schema lets through but FERA can't take: refused here
        arrived(station, message)  # validates the payload against the schema (`_edge`)
        await station._handle_call(message)
    except OCPPError as exc:
        cause = str(exc.details.get("cause", exc.description)) if isinstance(exc.details, dict) else ""
        LOGGER.warning("station %s: %s refused with %s: %s", station.id, message.action, exc.code, cause)
        await station._send(_call_error(message.unique_id, exc, cause, station._ocpp_version))


def _check_action(station: Any, action: str) -> None:
    """OCPP-J: NotImplemented is an action the receiver doesn't know, NotSupported one it won't do."""
    if "_on_action" in station.route_map.get(action, {}):
        return
    known = ActionV16 if station._ocpp_version == "1.6" else ActionV201
    if action in {a.value for a in known}:
        raise NotSupportedError(details={"cause": f"{action} is not supported here"})
    raise NotImplementedError(details={"cause": f"{action} is not an OCPP {station._ocpp_version} action"})


def _call_error(unique_id: str, error: OCPPError | FrameError, cause: str, version: str) -> str:
    spelling = _V16_SPELLING if version == "1.6" else _V201_SPELLING
    code = spelling.get(error.code, error.code)
    return str(CallError(unique_id, code, error.description, {"cause": cause[:255]}).to_json())


def _short(exc: Exception) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:100]
