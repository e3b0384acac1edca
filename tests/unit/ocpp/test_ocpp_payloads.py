"""`fera.ocpp._payloads` gives what the `ocpp` library's own functions give, on every key of every OCPP 1.6
and 2.0.1 schema, on every payload class, on FERA's handlers; and the library still looks those names up."""

from __future__ import annotations

import dataclasses
import dis
import inspect
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.charge_point import ChargePoint, camel_to_snake_case, serialize_as_dict, snake_to_camel_case
from ocpp.routing import create_route_map
from ocpp.v16 import call as call_v16
from ocpp.v16 import call_result as result_v16
from ocpp.v201 import call as call_v201
from ocpp.v201 import call_result as result_v201
from ocpp.v201 import datatypes

from fera.ocpp._payloads import REPLACED, QuickPayloads, as_dict, signature, to_camel, to_snake
from fera.ocpp.simulator.v16 import SimStationV16
from fera.ocpp.simulator.v201 import SimStationV201
from fera.ocpp.v16 import StationV16
from fera.ocpp.v201 import StationV201

SCHEMAS = Path(inspect.getfile(ChargePoint)).parent
PAYLOAD_MODULES = (call_v16, result_v16, call_v201, result_v201)
STATIONS = (StationV16, StationV201, SimStationV16, SimStationV201)


def _property_names(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_property_names(s) for s in schema))
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {})) if isinstance(schema.get("properties"), dict) else set()
    return names.union(*(_property_names(v) for v in schema.values()))


def _all_keys() -> list[str]:
    keys: set[str] = set()
    for folder in ("v16", "v201"):
        for path in (SCHEMAS / folder / "schemas").glob("*.json"):
            keys |= _property_names(json.loads(path.read_text(encoding="utf-8-sig")))
    return sorted(keys)


WIRE_KEYS = _all_keys()


def _global_loads(function: Any) -> set[str]:
    return {i.argval for i in dis.get_instructions(function) if i.opname == "LOAD_GLOBAL"}


def _inspect_attributes(function: Any) -> set[str]:
    """The attributes `function` reads from the `inspect` module it finds among its globals."""
    instructions = list(dis.get_instructions(function))
    return {
        after.argval
        for before, after in zip(instructions, instructions[1:], strict=False)
        if before.opname == "LOAD_GLOBAL" and before.argval == "inspect"
    }


@pytest.mark.parametrize("name", ["_handle_call", "call"])
def test_the_library_still_looks_up_what_is_replaced(name: str) -> None:
    """Fails loudly when an `ocpp` release stops reading these names (the replacement would do nothing) or
    reads something else from `inspect` (which the replacement doesn't offer)."""
    library = getattr(ChargePoint, name)
    ours = getattr(QuickPayloads, name)
    assert ours.__code__ is library.__code__ and ours.__defaults__ == library.__defaults__
    used = {"_handle_call": set(REPLACED), "call": {"camel_to_snake_case", "snake_to_camel_case"}}[name]
    used |= {"serialize_as_dict"}
    assert used <= _global_loads(library)
    assert _inspect_attributes(library) <= {"signature", "isawaitable"}
    assert all(ours.__globals__[n] is REPLACED[n] for n in REPLACED)


@pytest.mark.parametrize("station", STATIONS)
def test_every_station_class_runs_the_quick_payloads(station: Any) -> None:
    assert station._handle_call is QuickPayloads._handle_call and station.call is QuickPayloads.call


def test_every_schema_key_converts_as_the_library_converts_it() -> None:
    assert len(WIRE_KEYS) > 250  # both versions' schemas were read
    for key in WIRE_KEYS:
        assert to_snake({key: 1}) == camel_to_snake_case({key: 1}), key
        snake = next(iter(camel_to_snake_case({key: 1})))
        assert to_camel({snake: 1}) == snake_to_camel_case({snake: 1}), snake
        assert to_snake({key: 1}) == camel_to_snake_case({key: 1}), key  # now from the cache


KEYS = st.sampled_from(WIRE_KEYS) | st.text(max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_nested_payloads_convert_as_the_library_converts_them(payload: Any) -> None:
    """Compared as JSON text: key order counts, and NaN (which is not equal to itself) is written alike."""
    assert json.dumps(to_snake(payload)) == json.dumps(camel_to_snake_case(payload))
    assert json.dumps(to_camel(payload)) == json.dumps(snake_to_camel_case(payload))
    assert json.dumps(to_camel(to_snake(payload))) == json.dumps(
        snake_to_camel_case(camel_to_snake_case(payload))
    )


def _payload_classes(module: ModuleType) -> list[Any]:
    return [
        c for c in vars(module).values() if dataclasses.is_dataclass(c) and c.__module__ == module.__name__
    ]


CLASSES = [c for m in PAYLOAD_MODULES for c in _payload_classes(m)]
NESTED = {
    "charging_profile_id": 7,
    "charging_schedule": [{"start_period": 0, "limit": 21.4, "number_phases": None}],
    "custom_data": {"vendor_id": "FERA", "any_key": [1, "two", None, {"deep": True}]},
    "status_info": datatypes.StatusInfoType(reason_code="X", additional_info=None),
}
# A dataclass whose list holds a dict holding a dataclass: `serialize_as_dict` leaves that one unconverted at
# the top and in list fields, `asdict` (inside a dict) converts it.
SCHEDULE = datatypes.ChargingScheduleType(
    id=1, charging_rate_unit="W", charging_schedule_period=[{"info": datatypes.StatusInfoType("X")}]
)


def _filled(cls: type, value: Any) -> Any:
    return cls(**{f.name: value for f in dataclasses.fields(cls) if f.init})


def test_every_payload_class_was_found() -> None:
    assert len(CLASSES) > 200


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
@pytest.mark.parametrize(
    "value",
    [
        None,
        "Accepted",
        42,
        1.5,
        [1, None],
        NESTED,
        [NESTED, datatypes.IdTokenType("t", "ISO14443")],
        SCHEDULE,
        [SCHEDULE, {"schedule": SCHEDULE}],
        {"schedule": SCHEDULE, "schedules": [SCHEDULE]},
    ],
    ids=["none", "str", "int", "float", "list", "dict", "dataclasses", "top", "in-list", "in-dict"],
)
def test_every_payload_serialises_as_the_library_serialises_it(cls: type, value: Any) -> None:
    payload = _filled(cls, value)
    assert as_dict(payload) == serialize_as_dict(payload)
    assert to_camel(as_dict(payload)) == snake_to_camel_case(serialize_as_dict(payload))


def test_a_value_it_does_not_know_is_left_to_the_library() -> None:
    payload = call_v201.SetChargingProfile(evse_id=1, charging_profile={"id": (1, 2), "s": {3}})
    assert (
        as_dict(payload)
        == serialize_as_dict(payload)
        == {"evse_id": 1, "charging_profile": {"id": (1, 2), "s": {3}}, "custom_data": None}
    )
    with pytest.raises(TypeError):  # not a dataclass: the library's own error
        as_dict({"status": "Accepted"})


@pytest.mark.parametrize("station", STATIONS)
def test_every_handler_signature_is_the_librarys(station: Any) -> None:
    instance = station.__new__(station)
    for handlers in create_route_map(instance).values():
        for hook in ("_on_action", "_after_action"):
            if hook in handlers:
                assert signature(handlers[hook]) == inspect.signature(handlers[hook])
                assert signature(handlers[hook]) == inspect.signature(handlers[hook])  # now from the cache
