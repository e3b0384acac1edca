"""The OCPI response envelope: `data`, `status_code`, `status_message`, `timestamp`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from fera.ocpi.types import DateTime, OcpiModel, format_datetime

__all__ = [
    "Envelope",
    "WireJson",
    "envelope_body",
    "ocpi_response",
    "raw_list_response",
    "raw_response",
    "to_wire",
    "wire_json",
]

_OMIT: Any = object()


class Envelope(OcpiModel):
    """What a peer answers; `data` stays raw JSON until the module client parses it."""

    data: Any = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime


class WireJson(str):
    """One object's JSON text exactly as it goes on the wire (stored in that form): put in a response as is,
    neither parsed nor validated again."""


def raw_response(data: WireJson, headers: Mapping[str, str] | None = None) -> Response:
    """A success envelope whose `data` is `data`'s JSON text, assembled as text."""
    tail = json.dumps(envelope_body(), separators=(",", ":"))[1:]  # status_code, status_message, timestamp
    body = '{"data":' + data + "," + tail
    return Response(body.encode(), media_type="application/json", headers=dict(headers or {}))


def raw_list_response(items: Sequence[WireJson], headers: Mapping[str, str] | None = None) -> Response:
    """A success envelope whose `data` is the list of `items`, assembled as text."""
    return raw_response(WireJson("[" + ",".join(items) + "]"), headers)


def wire_json(value: Any) -> WireJson:
    """A payload's wire JSON text, made once for answers that do not change (see `raw_response`)."""
    return WireJson(json.dumps(to_wire(value), separators=(",", ":")))


def to_wire(value: Any) -> Any:
    """JSON-ready form of a payload: models without nulls, lists and dicts recursively."""
    if isinstance(value, OcpiModel):
        return value.to_wire()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_wire(v) for v in value]
    return value


def envelope_body(
    data: Any = _OMIT, status_code: int = 1000, status_message: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if data is not _OMIT and data is not None:
        body["data"] = to_wire(data)
    body["status_code"] = status_code
    body["status_message"] = status_message or ("Success" if status_code < 2000 else "Error")
    body["timestamp"] = format_datetime(datetime.now(UTC))
    return body


def ocpi_response(
    data: Any = _OMIT,
    *,
    http_status: int = 200,
    status_code: int = 1000,
    status_message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An envelope response; leave `data` out for acknowledgements (spec d2: senders omit it)."""
    return JSONResponse(
        envelope_body(data, status_code, status_message), status_code=http_status, headers=dict(headers or {})
    )
