"""The `ocpp` library's per-message payload work, at dict speed, with the library's own results.

For every message the library's `ChargePoint._handle_call` and `call` convert each payload key between the
wire's camelCase and Python's snake_case with regular expressions (`camel_to_snake_case`,
`snake_to_camel_case`), serialise the payload dataclass with `dataclasses.asdict`'s deep copies
(`serialize_as_dict`), and compute the handler's `inspect.signature` per incoming call: a third of the
gateway's CPU per profile command. `QuickPayloads` runs the library's own `_handle_call` and `call` (their
code objects, not a copy of their source) with four of the names they look up replaced by these: each key
converted once by the library's function and then remembered, the same dicts built without deep copies
(their leaves are immutable), and each handler's signature computed once. What reaches the wire, and every
error, is the library's; `tests/unit/ocpp/test_ocpp_payloads.py` compares them and fails when the library's
functions stop looking these names up.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import fields
from decimal import Decimal
from typing import Any

from ocpp.charge_point import ChargePoint, camel_to_snake_case, serialize_as_dict, snake_to_camel_case

__all__ = ["REPLACED", "QuickPayloads", "as_dict", "signature", "to_camel", "to_snake"]

MAX_KEYS = 4096  # remembered per direction: 2.0.1's customData lets a station send keys of its choosing
_SNAKE: dict[str, str] = {}
_CAMEL: dict[str, str] = {}
_SIGNATURES: dict[Callable[..., Any], inspect.Signature] = {}
_FIELDS: dict[type, list[str]] = {}
_LEAVES = (str, int, float, type(None), Decimal)  # immutable: `asdict` deep-copies them into equal values


def _key(key: str, known: dict[str, str], convert: Callable[[Any], Any]) -> str:
    (converted,) = convert({key: None})  # the library's conversion (its error, for a key it can't take)
    if len(known) < MAX_KEYS:
        known[key] = converted
    return str(converted)


def to_snake(data: Any) -> Any:
    """`camel_to_snake_case(data)`: dicts and lists rebuilt, each key as the library converts it."""
    if isinstance(data, dict):
        get = _SNAKE.get
        return {get(k) or _key(k, _SNAKE, camel_to_snake_case): to_snake(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_snake(v) for v in data]
    return data


def to_camel(data: Any) -> Any:
    """`snake_to_camel_case(data)`: dicts and lists rebuilt, each key as the library converts it."""
    if isinstance(data, dict):
        get = _CAMEL.get
        return {get(k) or _key(k, _CAMEL, snake_to_camel_case): to_camel(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_camel(v) for v in data]
    return data


class _Unusual(Exception):
    """A value `as_dict` leaves to the library (a tuple, a set, a class field, ...)."""


def as_dict(payload: Any) -> dict[str, Any]:
    """`serialize_as_dict(payload)`: the payload dataclass as the same nested dicts and lists."""
    try:
        return _dataclass(payload)
    except _Unusual:
        return dict(serialize_as_dict(payload))


def _is_dataclass(value: Any) -> bool:
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


def _names(value: Any) -> list[str]:
    """The dataclass's field names, read once per class (`fields()` filters its pseudo-fields per call)."""
    names = _FIELDS.get(type(value))
    if names is None:
        names = [f.name for f in fields(value)]
        if len(names) != len(value.__dataclass_fields__):  # ClassVar or InitVar pseudo-fields
            raise _Unusual
        _FIELDS[type(value)] = names
    return names


def _dataclass(value: Any) -> dict[str, Any]:
    """As `serialize_as_dict`: `asdict`'s conversion, except that a list field keeps the items that are not
    dataclasses as they are (the library puts the originals back)."""
    if not _is_dataclass(value):
        raise _Unusual
    out: dict[str, Any] = {}
    for name in _names(value):
        field = getattr(value, name)
        if _is_dataclass(field):
            out[name] = _dataclass(field)
        elif isinstance(field, list):
            out[name] = [_dataclass(item) if _is_dataclass(item) else item for item in field]
        else:
            out[name] = _plain(field)
    return out


def _plain(value: Any) -> Any:
    """As `asdict` converts a value: dataclasses, lists and dicts rebuilt, leaves (immutable) kept."""
    if isinstance(value, _LEAVES):  # str also covers the library's str enums
        return value
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is dict:
        return {k: _plain(v) for k, v in value.items()}
    if _is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _names(value)}
    raise _Unusual


def signature(handler: Callable[..., Any]) -> inspect.Signature:
    """`inspect.signature(handler)`, computed once per handler function (the route map's bound methods)."""
    key = getattr(handler, "__func__", handler)
    found = _SIGNATURES.get(key)
    if found is None:
        found = _SIGNATURES[key] = inspect.signature(handler)
    return found


# The names the library's `_handle_call` and `call` look up in their module, and what they find instead.
REPLACED: dict[str, Any] = {
    "camel_to_snake_case": to_snake,
    "snake_to_camel_case": to_camel,
    "serialize_as_dict": as_dict,
    "inspect": types.SimpleNamespace(signature=signature, isawaitable=inspect.isawaitable),
}


def _rebound(function: Any) -> Any:
    """The library's function (its code object) reading `REPLACED` where it read its module's names."""
    scope = {**function.__globals__, **REPLACED}
    clone = types.FunctionType(function.__code__, scope, function.__name__, function.__defaults__)
    clone.__kwdefaults__ = function.__kwdefaults__
    clone.__qualname__ = function.__qualname__
    return clone


class QuickPayloads:
    """Mixed in before the library's `ChargePoint`: its `_handle_call` and `call` with `REPLACED`."""

    _handle_call = _rebound(ChargePoint._handle_call)
    call = _rebound(ChargePoint.call)
