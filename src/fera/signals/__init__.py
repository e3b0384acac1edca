"""Grid and market signals in: OSCP-like capacity forecasts and OpenADR-3-like price/CO2 series."""

from fera.signals.models import (
    CapacityBlock,
    CapacityForecast,
    CapacityUnit,
    ForecastType,
    Interval,
    IntervalPeriod,
    Payload,
    Phase,
    SignalKind,
    SignalSeries,
)
from fera.signals.series import (
    PHASE_NAMES,
    CapacityLimits,
    capacity_limits,
    capacity_schedule,
    forecast_from_csv,
    series_from_csv,
    step_values,
)

__all__ = [
    "PHASE_NAMES",
    "CapacityBlock",
    "CapacityLimits",
    "CapacityForecast",
    "CapacityUnit",
    "ForecastType",
    "Interval",
    "IntervalPeriod",
    "Payload",
    "Phase",
    "SignalKind",
    "SignalSeries",
    "capacity_limits",
    "capacity_schedule",
    "forecast_from_csv",
    "series_from_csv",
    "step_values",
]
