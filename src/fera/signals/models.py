"""Grid and market signals as they arrive: OSCP-like capacity forecasts, OpenADR-3-like price/CO2 events.

Field names follow those protocols so that a forecast from a grid operator or a price event from a VTN can be
posted as it is (snake_case OSCP 2.0 blocks; OpenADR 3 `intervalPeriod`/`intervals`/`payloads`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fera.ocpi.types import DateTime

__all__ = [
    "CapacityBlock",
    "CapacityForecast",
    "CapacityUnit",
    "ForecastType",
    "Interval",
    "IntervalPeriod",
    "Payload",
    "Phase",
    "SignalKind",
    "SignalSeries",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CapacityUnit(StrEnum):
    A = "A"  # per phase
    W = "W"
    KW = "KW"


class Phase(StrEnum):
    ONE = "ONE"
    TWO = "TWO"
    THREE = "THREE"
    ALL = "ALL"
    UNKNOWN = "UNKNOWN"


class ForecastType(StrEnum):
    CONSUMPTION = "CONSUMPTION"
    GENERATION = "GENERATION"
    OPTIMUM = "OPTIMUM"
    FALLBACK_CONSUMPTION = "FALLBACK_CONSUMPTION"
    FALLBACK_GENERATION = "FALLBACK_GENERATION"


class CapacityBlock(_In):
    capacity: Annotated[float, Field(ge=0)]
    phase: Phase = Phase.ALL
    unit: CapacityUnit = CapacityUnit.KW
    start_time: DateTime
    end_time: DateTime

    @model_validator(mode="after")
    def _ordered(self) -> CapacityBlock:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self


class CapacityForecast(_In):
    """OSCP 2.0 UpdateGroupCapacityForecast, as FERA takes it (JSON, or CSV rows start,end,capacity)."""

    group_id: str
    type: ForecastType = ForecastType.CONSUMPTION
    blocks: Annotated[list[CapacityBlock], Field(min_length=1)]
    fallback: Annotated[float | None, Field(ge=0)] = None  # what applies outside the blocks (same unit)
    voltage: Annotated[float, Field(gt=0)] = 230.0  # phase-to-neutral, to turn A into W


class SignalKind(StrEnum):
    PRICE = "PRICE"  # currency per kWh
    GHG = "GHG"  # g CO2-eq per kWh
    IMPORT_CAPACITY_LIMIT = "IMPORT_CAPACITY_LIMIT"  # kW


class Payload(_In):
    type: str
    values: Annotated[list[float], Field(min_length=1)]


class IntervalPeriod(_In):
    start: DateTime
    duration: timedelta  # ISO 8601 ("PT15M") or seconds


class Interval(_In):
    id: int = 0
    interval_period: Annotated[IntervalPeriod | None, Field(alias="intervalPeriod")] = None
    payloads: Annotated[list[Payload], Field(min_length=1)]


class PayloadDescriptor(_In):
    """OpenADR 3 EVENT_PAYLOAD_DESCRIPTOR: what a payload type's values are in (a price's currency)."""

    payload_type: Annotated[str, Field(alias="payloadType")]
    units: str | None = None
    currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None  # ISO 4217


class SignalSeries(_In):
    """An OpenADR 3 event reduced to what FERA uses: one default period, intervals with typed payloads."""

    interval_period: Annotated[IntervalPeriod, Field(alias="intervalPeriod")]
    intervals: Annotated[list[Interval], Field(min_length=1)]
    group_id: str | None = None  # None: applies to every group
    payload_descriptors: Annotated[list[PayloadDescriptor], Field(alias="payloadDescriptors")] = []

    def currency(self, kind: SignalKind) -> str | None:
        """The currency a PRICE payload is given in, when the event says."""
        return next((d.currency for d in self.payload_descriptors if d.payload_type == kind.value), None)

    def points(self, kind: SignalKind) -> list[tuple[datetime, datetime, float]]:
        """(start, end, value) of each interval carrying `kind`; interval i starts i periods after start."""
        out = []
        for interval in self.intervals:
            period = interval.interval_period or IntervalPeriod(
                start=self.interval_period.start + interval.id * self.interval_period.duration,
                duration=self.interval_period.duration,
            )
            for payload in interval.payloads:
                if payload.type == kind.value:
                    out.append((period.start, period.start + period.duration, payload.values[0]))
        return sorted(out)
