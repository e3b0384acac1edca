"""What a station's CALL must hold beyond its JSON schema before FERA acts on it.

The schemas say "a string", "a number", "an integer"; FERA turns timestamps into a session's times and meter
values into its kWh, which OCPI bounds (DateTimes 1970-2100, finite numbers within ±1e9, energy not negative).
A value outside those is refused at once with PropertyConstraintViolation naming it; left to the handlers it
raised inside the `ocpp` library, which logs a traceback and answers InternalError (or it reached a session).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, NoReturn

from ocpp.exceptions import PropertyConstraintViolationError

__all__ = ["MAX_LIMIT", "check_values"]

EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_WH = 1e12  # 1e9 kWh: OCPI's bound on a number
MAX_LIMIT = 1e9  # A or W: OCPI's bound on a number, so a station's composite limit can reach a Sender
MAX_ID = 2**31 - 1  # OCPP integers are 32-bit
_METERS = {"meterStart", "meterStop"}  # Wh, OCPP 1.6 and 2.0.1 (ReservationStatus etc. carry none)
_IDS = {"connectorId", "evseId", "transactionId", "id"}


def check_values(payload: Any, where: str = "") -> None:
    """Raise `PropertyConstraintViolationError` (its cause names the field) for the first impossible value."""
    if isinstance(payload, list):
        for i, item in enumerate(payload):
            check_values(item, f"{where}[{i}]")
    elif isinstance(payload, dict):
        for key, value in payload.items():
            path = f"{where}.{key}" if where else key
            _check(key, value, path)
            check_values(value, path)


def _check(key: str, value: Any, path: str) -> None:
    if key == "timestamp" and isinstance(value, str):
        _time(value, path)
    elif key in _METERS and _is_number(value) and not 0 <= value <= MAX_WH:
        _refuse(path, f"a meter reading from 0 to {MAX_WH:.0e} Wh")
    elif key in _IDS and isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
        _refuse(path, f"an id from 0 to {MAX_ID}")
    elif key == "sampledValue" and isinstance(value, list):
        for i, sample in enumerate(value):
            if isinstance(sample, dict):
                _sample(sample, f"{path}[{i}]")


def _time(text: str, path: str) -> None:
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        _refuse(path, "an RFC 3339 date-time")
    if not EARLIEST <= moment < LATEST:
        _refuse(path, "a date-time from 1970 to 2100")


def _sample(sample: dict[str, Any], path: str) -> None:
    """A sampled value is a finite number (a numeric string in 1.6) within ±1e12 in its base unit; an energy
    register is not negative."""
    measure = sample.get("unitOfMeasure")
    multiplier = measure.get("multiplier", 0) if isinstance(measure, dict) else 0
    if not isinstance(multiplier, int) or not -9 <= multiplier <= 9:
        _refuse(f"{path}.unitOfMeasure.multiplier", "a multiplier from -9 to 9")
    try:
        value = float(sample.get("value", "nan")) * 10.0**multiplier
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or abs(value) > MAX_WH * 1000:
        _refuse(f"{path}.value", "a finite number")
    if value < 0 and str(sample.get("measurand", "Energy.Active.Import.Register")).endswith("Register"):
        _refuse(f"{path}.value", "an energy register that is not negative")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _refuse(path: str, expected: str) -> NoReturn:
    raise PropertyConstraintViolationError(details={"cause": f"{path}: expected {expected}"})
