"""Meter values both ways: reading a station's sampled values, writing the simulator's.

Payload dicts are the ocpp library's snake_case form; 1.6 carries values as strings with `unit`, 2.0.1 as
numbers with `unit_of_measure` {unit, multiplier}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.ocpp._time import from_wire, to_wire

__all__ = ["MeterReading", "read_meter_values", "write_meter_value"]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
_KILO = {"kWh": 1000.0, "kW": 1000.0, "kvarh": 1000.0, "kvar": 1000.0}
_BASE_UNIT = {ENERGY: "Wh", POWER: "W", CURRENT: "A"}


@dataclass(frozen=True)
class MeterReading:
    timestamp: datetime
    energy_wh: float
    power_w: float | None = None
    current_a: float | None = None


def _scaled(sample: dict[str, Any]) -> float:
    measure = sample.get("unit_of_measure") or {}
    unit = sample.get("unit") or measure.get("unit", "")
    multiplier = int(measure.get("multiplier", 0))
    return float(sample["value"]) * _KILO.get(unit, 1.0) * 10.0**multiplier


def _pick(samples: list[dict[str, Any]], measurand: str, total: bool) -> float | None:
    """The phase-less sample if any, else the per-phase ones summed (power) or their maximum (current)."""
    mine = [s for s in samples if s.get("measurand", ENERGY) == measurand]
    whole = [_scaled(s) for s in mine if not s.get("phase")]
    if whole:
        return whole[-1]
    phases = [_scaled(s) for s in mine if s.get("phase", "").startswith("L")]
    if not phases:
        return None
    return sum(phases) if total else max(phases)


def read_meter_values(meter_value: list[dict[str, Any]]) -> list[MeterReading]:
    """One reading per MeterValue that carries the energy register; the others mean nothing to us."""
    readings = []
    for entry in meter_value:
        samples = entry.get("sampled_value", [])
        energy = _pick(samples, ENERGY, total=True)
        if energy is not None:
            power, current = _pick(samples, POWER, total=True), _pick(samples, CURRENT, total=False)
            readings.append(MeterReading(from_wire(entry["timestamp"]), energy, power, current))
    return readings


def _sample(value: float, measurand: str, as_text: bool) -> dict[str, Any]:
    unit = _BASE_UNIT[measurand]
    if as_text:
        return {"value": f"{value:.1f}", "measurand": measurand, "unit": unit}
    return {"value": round(value, 1), "measurand": measurand, "unit_of_measure": {"unit": unit}}


def write_meter_value(reading: MeterReading, ocpp_version: str) -> dict[str, Any]:
    """A MeterValue for `ocpp_version` ("1.6" or "2.0.1") with energy, power and current when known."""
    as_text = ocpp_version == "1.6"
    samples = [_sample(reading.energy_wh, ENERGY, as_text)]
    if reading.power_w is not None:
        samples.append(_sample(reading.power_w, POWER, as_text))
    if reading.current_a is not None:
        samples.append(_sample(reading.current_a, CURRENT, as_text))
    return {"timestamp": to_wire(reading.timestamp), "sampled_value": samples}
