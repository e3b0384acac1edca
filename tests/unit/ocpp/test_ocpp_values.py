"""What a station's payload must hold beyond its schema (`fera.ocpp._values`)."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.exceptions import PropertyConstraintViolationError

from fera.ocpp._values import check_values

NOW = "2030-01-01T07:00:00Z"


def meter(
    value: Any, multiplier: int = 0, measurand: str = "Energy.Active.Import.Register"
) -> dict[str, Any]:
    sample = {
        "value": value,
        "measurand": measurand,
        "unitOfMeasure": {"unit": "Wh", "multiplier": multiplier},
    }
    return {"meterValue": [{"timestamp": NOW, "sampledValue": [sample]}]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": "0001-01-01T00:00:00+14:00"}, "timestamp"),
        ({"timestamp": "2100-01-01T00:00:00Z"}, "timestamp"),
        ({"meterStart": -1}, "meterStart"),
        ({"meterStop": 2**63}, "meterStop"),
        ({"evse": {"id": 2**31}}, "evse.id"),
        ({"connectorId": -1}, "connectorId"),
        (meter("NaN"), "meterValue[0].sampledValue[0].value"),
        (meter("1e309"), "meterValue[0].sampledValue[0].value"),
        (meter(1, 99), "meterValue[0].sampledValue[0].unitOfMeasure.multiplier"),
        (meter(-5), "meterValue[0].sampledValue[0].value"),
    ],
)
def test_impossible_values_are_refused_naming_the_field(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(PropertyConstraintViolationError) as refused:
        check_values(payload)
    assert str(refused.value.details["cause"]).startswith(f"{field}: expected")


def test_ordinary_values_pass() -> None:
    check_values(
        {"timestamp": "2030-01-01T07:00:00+02:00", "meterStart": 0, "connectorId": 1, "evse": {"id": 1}}
    )
    check_values(meter("12345.6", 3))
    check_values(meter(-300.0, measurand="Power.Active.Import"))  # only an energy register can't go down
    check_values({"transactionId": "TX-1", "idTag": "ß☃"})
