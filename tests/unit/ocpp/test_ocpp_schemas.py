"""`fera.ocpp._schemas.check` decides as the `ocpp` library's own schema check does, and refuses with its
error: the compiled validator only ever says yes, every refusal is the library's."""

from __future__ import annotations

import copy
import decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallResult
from ocpp.messages import _validate_payload as library_check

from fera.ocpp._schemas import check

SAMPLED = {"measurand": "Power.Active.Import", "unit": "W"}
# What the simulated stations send with every profile change, and their answer to it (from the wire).
PAYLOADS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "1.6",
        "Call",
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 604156903,
            "meterValue": [
                {
                    "timestamp": "2025-06-01T00:00:00.331Z",
                    "sampledValue": [{"value": "0.0", "measurand": "Energy.Active.Import.Register"}],
                }
            ],
        },
    ),
    (
        "2.0.1",
        "Call",
        "TransactionEvent",
        {
            "eventType": "Updated",
            "timestamp": "2025-06-01T00:00:00.340Z",
            "triggerReason": "ChargingRateChanged",
            "seqNo": 2,
            "transactionInfo": {"transactionId": "b88105cd9aa045c4af79aec9135759ac"},
            "meterValue": [
                {
                    "timestamp": "2025-06-01T00:00:00.340Z",
                    "sampledValue": [{"value": 11000.0, "measurand": "Power.Active.Import"}],
                }
            ],
            "evse": {"id": 1, "connectorId": 1},
        },
    ),
    ("1.6", "CallResult", "SetChargingProfile", {"status": "Accepted"}),
    ("2.0.1", "CallResult", "SetChargingProfile", {"status": "Rejected", "statusInfo": {"reasonCode": "X"}}),
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=6,
)


def message(kind: str, action: str, payload: Any) -> Call | CallResult:
    if kind == "Call":
        return Call("m1", action, payload)
    return CallResult("m1", payload, action)


def verdict(check_: Any, version: str, kind: str, action: str, payload: Any) -> tuple[str, str] | None:
    """None when the payload passes, else the OCPP-J error code and cause it is answered with."""
    try:
        check_(message(kind, action, copy.deepcopy(payload)), version)
    except OCPPError as exc:
        return exc.code, str(exc.details)
    return None


def _mutate(payload: Any, path: list[int], value: Any, delete: bool) -> Any:
    """The payload with one place (picked by `path`) replaced by `value`, or removed."""
    if not path or not isinstance(payload, dict | list) or not payload:
        return value
    keys = list(payload) if isinstance(payload, dict) else list(range(len(payload)))
    key = keys[path[0] % len(keys)]
    out = copy.copy(payload)
    if delete and len(path) == 1:
        del out[key]
    else:
        out[key] = _mutate(payload[key], path[1:], value, delete)
    return out


@pytest.mark.parametrize(("version", "kind", "action", "payload"), PAYLOADS)
def test_a_valid_payload_passes(version: str, kind: str, action: str, payload: dict[str, Any]) -> None:
    assert verdict(check, version, kind, action, payload) is None
    assert verdict(library_check, version, kind, action, payload) is None


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PAYLOADS),
    st.lists(st.integers(0, 5), max_size=5),
    JSON,
    st.booleans(),
    st.dictionaries(st.text(max_size=12), JSON, max_size=2),
)
def test_a_changed_payload_is_judged_as_the_library_judges_it(
    sample: tuple[str, str, str, dict[str, Any]],
    path: list[int],
    value: Any,
    delete: bool,
    extra: dict[str, Any],
) -> None:
    version, kind, action, payload = sample
    changed = _mutate(payload, path, value, delete)
    if isinstance(changed, dict):
        changed = changed | extra
    assert verdict(check, version, kind, action, changed) == verdict(
        library_check, version, kind, action, changed
    )


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), "\ud800"])
def test_what_only_python_reads_is_left_to_the_library(odd: Any) -> None:
    """NaN and Infinity (Python's `json` reads them; `jsonschema` takes them for numbers) and a lone surrogate
    (which the compiled validator can't take) pass or fail as the library says."""
    payload = copy.deepcopy(PAYLOADS[1][3])
    payload["meterValue"][0]["sampledValue"][0]["value"] = odd
    expected = verdict(library_check, "2.0.1", "Call", "TransactionEvent", payload)
    assert verdict(check, "2.0.1", "Call", "TransactionEvent", payload) == expected
    assert (expected is None) == isinstance(odd, float)


def test_a_16_profile_is_read_with_decimals_as_the_library_reads_it() -> None:
    """1.6 limits are multiples of 0.1, which a float such as 21.4 is not: the library reads those with
    `decimal.Decimal` and hands them on so."""
    profile: dict[str, Any] = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}],
        },
    }
    call = Call("m1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    check(call, "1.6")
    period = call.payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]
    assert period["limit"] == decimal.Decimal("21.4")
    profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 4.11
    with pytest.raises(OCPPError) as refused:
        check(Call("m2", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}), "1.6")
    assert refused.value.code == "FormatViolation"


def test_an_action_without_a_schema_is_not_implemented() -> None:
    with pytest.raises(OCPPError) as refused:
        check(Call("m1", "NoSuchAction", {}), "2.0.1")
    assert refused.value.code == "NotImplemented"


def _v16_profile(limit: Any) -> dict[str, Any]:
    schedule = {"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": schedule,
        },
    }


def _v16_composite(limit: Any) -> dict[str, Any]:
    schedule = {"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
    return {"status": "Accepted", "connectorId": 1, "chargingSchedule": schedule}


HUGE = [1e300, -1e300, 1e27, 10**30, float("nan"), float("inf")]
LIMIT_PATHS = {
    "SetChargingProfile": "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit",
    "GetCompositeSchedule": "chargingSchedule.chargingSchedulePeriod[0].limit",
}


@pytest.mark.parametrize("limit", HUGE)
@pytest.mark.parametrize(
    ("kind", "action"), [("Call", "SetChargingProfile"), ("CallResult", "GetCompositeSchedule")]
)
def test_a_16_number_decimal_cannot_check_is_a_property_constraint_violation(
    kind: str, action: str, limit: Any
) -> None:
    """The library's Decimal check raises `decimal.InvalidOperation` (1e27 and up) or `TypeError` (NaN,
    Infinity), which no peer is answered with: refused with the OCPP-J error naming the number instead."""
    payload = _v16_profile(limit) if kind == "Call" else _v16_composite(limit)
    with pytest.raises((ArithmeticError, TypeError)):
        library_check(message(kind, action, copy.deepcopy(payload)), "1.6")
    cause = f"{LIMIT_PATHS[action]}: expected a finite number of magnitude below 1e27"
    assert verdict(check, "1.6", kind, action, payload) == (
        "PropertyConstraintViolation",
        str({"cause": cause}),
    )


@pytest.mark.parametrize("limit", [1e26, 10**26, -1e26, 21.4])
def test_a_16_large_multiple_of_a_tenth_still_passes(limit: Any) -> None:
    assert verdict(check, "1.6", "Call", "SetChargingProfile", _v16_profile(limit)) is None
    assert verdict(library_check, "1.6", "Call", "SetChargingProfile", _v16_profile(limit)) is None
