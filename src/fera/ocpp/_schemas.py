"""A payload's check against its OCPP JSON schema: a compiled validator says yes, the library says why not.

The `ocpp` library checks payloads with `jsonschema` (Python), which walks the schema and resolves its `$ref`s
on every message: 0.1-0.8 ms for a station's MeterValues or TransactionEvent, the largest share of the
gateway's CPU per profile command. `jsonschema_rs` runs the same schema (the library's own file, as Draft 4,
formats unchecked as the library leaves them) in about a microsecond. It only decides that a payload is
valid: a payload it refuses (or can't take, such as a lone surrogate) goes through the library's own check,
which raises the library's `OCPPError` (the OCPP-J error code and cause a station is answered with) or lets
it through where the two disagree (NaN, which Python's `json` reads and `jsonschema` takes for a number).
So nothing the library refused is accepted, and a refusal reads as before.

The three 1.6 payloads whose schema has `multipleOf: 0.1` (SetChargingProfile, RemoteStartTransaction, the
GetCompositeSchedule answer) stay with the library: it reads them with `decimal.Decimal` (a float such as
21.4 is not a multiple of 0.1) and hands the handler those Decimals. Its `multipleOf` check then raises
`decimal.InvalidOperation` for a number of 1e27 or more (the quotient outgrows Decimal's 28 digits) and
`TypeError` for NaN or Infinity, neither an `OCPPError`: the message went unanswered (a simulated station
stopped reading, the gateway dropped the connection). Those are refused here with PropertyConstraintViolation
naming the number, as FERA refuses any number it can't take (`_values`).
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs
from ocpp.exceptions import PropertyConstraintViolationError
from ocpp.messages import Call, CallResult, MessageType, get_validator
from ocpp.messages import _validate_payload as library_check  # the synchronous check behind validate_payload

__all__ = ["check"]

_DECIMAL = {
    ("1.6", MessageType.Call, "SetChargingProfile"),
    ("1.6", MessageType.Call, "RemoteStartTransaction"),
    ("1.6", MessageType.CallResult, "GetCompositeSchedule"),
}
_TENTH = Decimal("0.1")


@cache
def _compiled(version: str, message_type_id: int, action: str) -> jsonschema_rs.Draft4Validator:
    """The schema the library would use (it raises for an action without one: not cached)."""
    schema = get_validator(message_type_id, action, version).schema
    return jsonschema_rs.Draft4Validator(schema, validate_formats=False)


def check(message: Call | CallResult, version: str) -> None:
    """Raise the library's `OCPPError` when the payload fails its schema (as `ocpp.messages`'s check)."""
    key = (version, message.message_type_id, message.action)
    if key not in _DECIMAL:
        try:
            if _compiled(*key).is_valid(message.payload):
                return
        except (OSError, ValueError):  # no schema (the library says NotImplemented), or a lone surrogate
            pass
        library_check(message, version)
        return
    try:
        library_check(message, version)
    except (ArithmeticError, TypeError):  # its Decimal check met a number it can't divide by 0.1
        cause = (
            f"{_uncheckable(message.payload) or 'a number'}: expected a finite number of magnitude below 1e27"
        )
        raise PropertyConstraintViolationError(details={"cause": cause}) from None


def _uncheckable(payload: Any, where: str = "") -> str | None:
    """The path of the first number that Decimal can't check for `multipleOf: 0.1`."""
    if isinstance(payload, dict | list):
        items = payload.items() if isinstance(payload, dict) else enumerate(payload)
        for key, value in items:
            path = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key
            if (found := _uncheckable(value, path)) is not None:
                return found
        return None
    if isinstance(payload, bool) or not isinstance(payload, int | float | Decimal):
        return None
    if isinstance(payload, float) and not math.isfinite(payload):
        return where
    try:
        Decimal(payload) % _TENTH
    except ArithmeticError:
        return where
    return None
